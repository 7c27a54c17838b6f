package dev.berth.store;

import dev.berth.error.ApiException;
import dev.berth.model.StagedBlob;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

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

  /**
   * See {@link BlobStore#stage}; the temporary file is flushed to disk before this returns.
   *
   * <p>The bytes are written on the caller's thread and hashed on a second one, a buffer behind, so
   * an upload runs at the pace of the slower of the two rather than of both in turn: hashing
   * (SHA-256 with the CPU's SHA instructions) is the larger share of an upload's work, and reading
   * the socket plus writing the file the other. An upload that fits in one buffer is hashed where
   * it is read, without the second thread.
   */
  StagedBlob stage(InputStream in, long maxBytes) throws IOException {
    Path temp = Files.createTempFile(dir, "upload-", ".part");
    boolean done = false;
    try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE);
        var hasher = new Hasher()) {
      byte[] buf = hasher.freeBuffer();
      long size = 0;
      // Whole buffers: a stream that hands out a few KiB at a time would otherwise cost a write
      // call (and a digest call) for each few KiB.
      for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
        size += n;
        if (size > maxBytes) {
          throw new ApiException.TooLarge(
              "file exceeds the maximum upload size of " + maxBytes + " bytes");
        }
        ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
        while (chunk.hasRemaining()) {
          out.write(chunk);
        }
        hasher.hash(buf, n, n < buf.length);
        buf = hasher.freeBuffer();
      }
      String sha256 = hasher.digest();
      out.force(true);
      done = true;
      return new StagedBlob(temp, sha256, size);
    } finally {
      if (!done) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /**
   * SHA-256 of the buffers handed to it, in order: the first on the caller's thread when it is the
   * last too, else on a virtual thread of its own, which gives each buffer back once hashed. Three
   * buffers go round: one being read, one being hashed, one queued.
   */
  private static final class Hasher implements AutoCloseable {
    private static final int BUFFERS = 3;
    private static final Chunk END = new Chunk(new byte[0], 0);

    private final MessageDigest sha = sha256();
    private final ArrayBlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    private final ArrayBlockingQueue<Chunk> full = new ArrayBlockingQueue<>(BUFFERS);
    private @Nullable Thread thread;
    private volatile @Nullable Throwable failed;
    private int made;

    /** A buffer and how many of its bytes to hash; {@link #END} (by identity) ends the stream. */
    private static final class Chunk {
      final byte[] bytes;
      final int length;

      Chunk(byte[] bytes, int length) {
        this.bytes = bytes;
        this.length = length;
      }
    }

    /** A buffer to read into: a new one while fewer than three exist, else one given back. */
    byte[] freeBuffer() throws IOException {
      byte[] buf = free.poll();
      if (buf != null) {
        return buf;
      }
      if (made < BUFFERS) {
        made++;
        return new byte[BUFFER];
      }
      return take(free);
    }

    /** Hashes {@code n} bytes of {@code buf}; {@code last} if no more will come. */
    void hash(byte[] buf, int n, boolean last) throws IOException {
      if (thread == null && last) {
        sha.update(buf, 0, n);
        free.add(buf);
        return;
      }
      if (thread == null) {
        thread = Thread.ofVirtual().name("berth-upload-hash").start(this::run);
      }
      put(new Chunk(buf, n));
    }

    /** The hex digest of everything handed over. */
    String digest() throws IOException {
      if (thread != null) {
        put(END);
        join();
        if (failed != null) {
          throw new IOException("hashing the upload failed", failed);
        }
      }
      return HexFormat.of().formatHex(sha.digest());
    }

    private void run() {
      try {
        for (Chunk c; (c = full.take()) != END; ) {
          sha.update(c.bytes, 0, c.length);
          free.add(c.bytes);
        }
      } catch (InterruptedException e) {
        // the upload was given up: close() stops this thread
      } catch (RuntimeException | Error e) {
        failed = e;
        free.clear();
        full.clear();
      }
    }

    private void put(Chunk c) throws IOException {
      try {
        while (!full.offer(c, 100, TimeUnit.MILLISECONDS)) {
          if (failed != null) {
            throw new IOException("hashing the upload failed", failed);
          }
        }
      } catch (InterruptedException e) {
        throw interrupted();
      }
    }

    private byte[] take(ArrayBlockingQueue<byte[]> queue) throws IOException {
      try {
        byte[] buf;
        while ((buf = queue.poll(100, TimeUnit.MILLISECONDS)) == null) {
          if (failed != null) {
            throw new IOException("hashing the upload failed", failed);
          }
        }
        return buf;
      } catch (InterruptedException e) {
        throw interrupted();
      }
    }

    private void join() throws IOException {
      try {
        if (thread != null) {
          thread.join();
        }
      } catch (InterruptedException e) {
        throw interrupted();
      }
    }

    /** Keeps the thread's interrupt for its caller, and says what it interrupted. */
    private static InterruptedIOException interrupted() {
      Thread.currentThread().interrupt();
      return new InterruptedIOException("interrupted while hashing an upload");
    }

    /**
     * Stops the hashing thread of an upload given up halfway; nothing to do after {@link #digest}.
     */
    @Override
    public void close() {
      if (thread != null && thread.isAlive()) {
        thread.interrupt();
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
