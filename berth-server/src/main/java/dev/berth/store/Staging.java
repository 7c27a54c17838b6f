package dev.berth.store;

import dev.berth.error.ApiException;
import dev.berth.model.StagedBlob;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where uploads land before they are published: one directory of private temporary files, emptied
 * at start (whatever is there was cut off by a previous run). Shared by both blob stores.
 */
final class Staging {
  private static final int BUFFER = 256 * 1024;

  private final Path dir;

  Staging(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
      try (var stale = Files.newDirectoryStream(dir)) {
        for (Path p : stale) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare staging directory " + dir, e);
    }
  }

  /** See {@link BlobStore#stage}; the temporary file is flushed to disk before this returns. */
  StagedBlob stage(InputStream in, long maxBytes) throws IOException {
    Path temp = Files.createTempFile(dir, "upload-", ".part");
    boolean done = false;
    try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      MessageDigest sha = sha256();
      byte[] buf = new byte[BUFFER];
      long size = 0;
      // Whole buffers: a stream that hands out a few KiB at a time would otherwise cost a write
      // call (and a digest call) for each few KiB.
      for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
        size += n;
        if (size > maxBytes) {
          throw new ApiException.TooLarge(
              "file exceeds the maximum upload size of " + maxBytes + " bytes");
        }
        sha.update(buf, 0, n);
        ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
        while (chunk.hasRemaining()) {
          out.write(chunk);
        }
      }
      out.force(true);
      done = true;
      return new StagedBlob(temp, HexFormat.of().formatHex(sha.digest()), size);
    } finally {
      if (!done) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /** Throws when no upload could be staged now (see {@link BlobStore#checkWritable}). */
  void checkWritable() {
    probe(dir, "the staging directory for uploads cannot be written");
  }

  /** Makes and removes one empty file in {@code dir}; else throws with {@code failure}. */
  static void probe(Path dir, String failure) {
    try {
      Files.delete(Files.createTempFile(dir, ".ready-", ".probe"));
    } catch (IOException e) {
      throw new UncheckedIOException(failure, e);
    }
  }

  /** A new temporary file's path in the staging directory (not created). */
  Path temp(String suffix) {
    return dir.resolve(java.util.UUID.randomUUID() + suffix);
  }

  static void discard(StagedBlob staged) {
    try {
      Files.deleteIfExists(staged.temp());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
