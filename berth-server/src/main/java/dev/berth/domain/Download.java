package dev.berth.domain;

import dev.berth.metrics.ServerMetrics;
import dev.berth.store.BlobStore;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A downloadable file's bytes ({@link FileService#download}): the blob's file on this node's disk
 * when there is one, to send from the page cache without copying it through the heap, else a
 * stream. Every byte sent is counted ({@link ServerMetrics#downloaded}): the stream counts as it is
 * read, and whoever sends the file reports what it sent through {@link #sent}.
 */
public final class Download {
  private final BlobStore blobs;
  private final String sha256;
  private final ServerMetrics metrics;

  Download(BlobStore blobs, String sha256, ServerMetrics metrics) {
    this.blobs = blobs;
    this.sha256 = sha256;
    this.metrics = metrics;
  }

  /** The blob's file on this node's disk, if it has one now (on S3: if it is cached here). */
  public Optional<Path> localFile() {
    return blobs.localCopy(sha256);
  }

  /** The bytes as a stream, counted as they are read. */
  public InputStream open() throws IOException {
    return new CountedBytes(blobs.open(sha256), metrics);
  }

  /** Counts bytes of {@link #localFile} sent. */
  public void sent(long bytes) {
    metrics.downloaded(bytes);
  }

  private static final class CountedBytes extends FilterInputStream {
    private final ServerMetrics metrics;

    CountedBytes(InputStream in, ServerMetrics metrics) {
      super(in);
      this.metrics = metrics;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        metrics.downloaded(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        metrics.downloaded(n);
      }
      return n;
    }
  }
}
