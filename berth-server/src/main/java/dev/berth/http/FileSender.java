package dev.berth.http;

import dev.berth.domain.Download;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.eclipse.jetty.ee10.servlet.HttpOutput;

/**
 * Sends a download's body with its Content-Length, past Javalin's result stream and its
 * compression.
 *
 * <p>Design note. A blob on this node's disk is mapped and handed to Jetty a region at a time as a
 * direct buffer: Jetty writes a direct buffer to the socket as it is, so the bytes go from the page
 * cache to the socket in the kernel, with no read into the heap and no copy between buffers (Jetty
 * has no sendfile; this is its own way to serve a file). A region is unmapped when its buffer is
 * collected (Java 21 has no other way: unmapping through an arena is a preview there), so a blob
 * deleted during a download frees its disk space at the next young collection after the download
 * ends; regions are small enough that the mappings a download leaves behind stay few. A blob that
 * is not here (on S3, not cached) is streamed from the bucket instead.
 */
final class FileSender {
  /** How much of the file is mapped at once; large enough that a region costs nothing per byte. */
  static final long REGION_BYTES = 64L << 20;

  private FileSender() {}

  static void send(Context ctx, Download download, long size) throws IOException {
    ctx.res().setContentLengthLong(size);
    OutputStream out = ctx.res().getOutputStream();
    Optional<Path> file = download.localFile();
    if (file.isPresent() && out instanceof HttpOutput http) {
      sendMapped(http, file.get(), size, download);
      return;
    }
    try (InputStream in = download.open()) {
      in.transferTo(out);
    }
  }

  private static void sendMapped(HttpOutput out, Path file, long size, Download download)
      throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      if (channel.size() != size) { // a blob never changes: this is damage, and nothing is sent yet
        throw new IllegalStateException(
            "blob " + file.getFileName() + " holds " + channel.size() + " bytes, not " + size);
      }
      for (long at = 0; at < size; ) {
        long n = Math.min(REGION_BYTES, size - at);
        out.write(channel.map(FileChannel.MapMode.READ_ONLY, at, n));
        download.sent(n);
        at += n;
      }
    }
  }
}
