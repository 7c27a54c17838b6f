package dev.berth.store;

import static java.nio.file.StandardOpenOption.WRITE;

import dev.berth.error.ApiException;
import dev.berth.error.OutOfDescriptors;
import dev.berth.model.StagedBlob;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * Where uploads land before they are published: one directory of private temporary files, emptied
 * at start (whatever is there was cut off by a previous run). Shared by both blob stores.
 */
final class Staging {
  /** What an upload is read and hashed in (and, while it fits in one, written in). */
  static final int BUFFER = 256 * 1024;

  /** How many of those go round: one being read, one being hashed, one queued. */
  private static final int BUFFERS = 3;

  /**
   * How much of an upload is written through the page cache (16 MiB, a multiple of {@link
   * #BUFFER}): a file up to that size stays in memory for whatever reads it next (a command, a
   * download); the rest of a larger one goes past the cache (see {@link #stage}).
   */
  static final long CACHED_BYTES = 64L * BUFFER;

  private final Path dir;
  private final DirectBuffers direct;
  private final long cachedBytes;

  Staging(Path dir) {
    this(dir, true, CACHED_BYTES);
  }

  /**
   * @param tryDirect whether to write past the page cache where the filesystem takes it (false only
   *     in tests of the other way)
   * @param cachedBytes how much of an upload is written through the page cache first: {@link
   *     #CACHED_BYTES}, less in tests; a multiple of the read buffer, so direct writes start on a
   *     whole block
   */
  Staging(Path dir, boolean tryDirect, long cachedBytes) {
    if (cachedBytes < 0 || cachedBytes % BUFFER != 0) {
      throw new IllegalArgumentException("cachedBytes must be a multiple of " + BUFFER);
    }
    this.cachedBytes = cachedBytes;
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
    this.direct = tryDirect ? DirectBuffers.probe(dir) : DirectBuffers.NONE;
  }

  /** Whether what uploads hold past their first {@code cachedBytes} is written past the cache. */
  boolean writesDirect() {
    return direct != DirectBuffers.NONE;
  }

  /** How many direct buffers no upload holds now ({@link DirectBuffers#TOTAL} when idle). */
  int directBuffersFree() {
    return direct.free();
  }

  /** How many direct buffers have been allocated since start. */
  int directBuffersAllocated() {
    return direct.allocated();
  }

  /**
   * See {@link BlobStore#stage}; the temporary file is flushed to disk before this returns.
   *
   * <p>The bytes are read on the caller's thread and hashed on a second one, a buffer behind, so an
   * upload runs at the pace of the slower of the two rather than of both in turn: hashing (SHA-256
   * with the CPU's SHA instructions) is the larger share of an upload's work. An upload that fits
   * in one buffer is hashed where it is read, without a second thread.
   *
   * <p>What an upload holds past its first {@link #CACHED_BYTES} is written past the page cache
   * ({@code O_DIRECT}) on a third thread, where the filesystem takes it and {@link
   * DirectBuffers#TOTAL} allow: the disk then takes those bytes while the rest arrive, instead of
   * all of them in the flush before the answer, and no CPU copies them into the page cache. The
   * price is that they are read from the disk the first time. BENCHMARKS.md ("Uploads past the page
   * cache") has the numbers.
   */
  StagedBlob stage(InputStream in, long maxBytes) throws IOException {
    Path temp;
    try {
      temp = Files.createTempFile(dir, "upload-", ".part");
    } catch (IOException e) {
      throw stagingFailed(e);
    }
    boolean done = false;
    MessageDigest sha = sha256();
    try (var hashing =
            new BufferPipe("hashing", BUFFERS, () -> ByteBuffer.allocate(BUFFER), sha::update);
        var file = new StagedFile(temp)) {
      ByteBuffer buf = freeBuffer(hashing);
      long size = 0;
      // Whole buffers: a stream that hands out a few KiB at a time would otherwise cost a write
      // call (and a digest call) for each few KiB. Only this read is the client's: its failures
      // are thrown as they are, and every other one is this server's (stagingFailed).
      for (int n; (n = in.readNBytes(buf.array(), buf.arrayOffset(), BUFFER)) > 0; ) {
        size += n;
        if (size > maxBytes) {
          throw new ApiException.TooLarge(
              "file exceeds the maximum upload size of " + maxBytes + " bytes");
        }
        buf.limit(n);
        try {
          file.write(buf);
          if (!hashing.started() && n < BUFFER) {
            sha.update(buf);
            hashing.giveBack(buf);
          } else {
            hashing.put(buf);
          }
        } catch (IOException e) {
          throw stagingFailed(e);
        }
        buf = freeBuffer(hashing);
      }
      try {
        hashing.finish();
        String sha256 = HexFormat.of().formatHex(sha.digest());
        file.finish(size);
        done = true;
        return new StagedBlob(temp, sha256, size);
      } catch (IOException e) {
        throw stagingFailed(e);
      }
    } finally {
      if (!done) {
        Files.deleteIfExists(temp);
      }
    }
  }

  private static ByteBuffer freeBuffer(BufferPipe hashing) {
    try {
      return hashing.freeBuffer();
    } catch (IOException e) {
      throw stagingFailed(e);
    }
  }

  /**
   * A failure of this server's own part of an upload (its disk full, its hashing), as opposed to
   * reading the client's bytes: unchecked, so it is answered as the server's error (a 500, or a 503
   * when descriptors ran out), not as a bad request.
   */
  private static RuntimeException stagingFailed(IOException e) {
    return OutOfDescriptors.orUnchecked("cannot stage the upload", e);
  }

  /**
   * An upload's temporary file: its first {@code cachedBytes} written through the page cache, the
   * rest past it where it can be, and flushed to disk by {@link #finish}.
   */
  private final class StagedFile implements AutoCloseable {
    private final Path path;
    private final FileChannel out;
    private @Nullable DirectWrites directWrites;
    private long written;

    /** Opens the file at {@code path} for writing; failing that is this server's failure. */
    StagedFile(Path path) {
      this.path = path;
      try {
        this.out = FileChannel.open(path, WRITE);
      } catch (IOException e) {
        throw stagingFailed(e);
      }
    }

    /** Writes {@code buf}'s bytes (position to limit), leaving its position where it was. */
    void write(ByteBuffer buf) throws IOException {
      // Where the first bytes end, on a whole buffer (so on a whole block), the rest goes direct.
      if (written <= cachedBytes && written + buf.remaining() > cachedBytes) {
        directWrites = direct.writes(path, written);
      }
      written += buf.remaining();
      if (directWrites != null) {
        directWrites.write(buf);
        return;
      }
      int start = buf.position();
      while (buf.hasRemaining()) {
        out.write(buf);
      }
      buf.position(start);
    }

    /** Cuts the file to {@code size} (direct writes end on a whole block) and flushes it. */
    void finish(long size) throws IOException {
      if (directWrites != null) {
        directWrites.finish();
        out.truncate(size);
      }
      out.force(true); // the file's, whichever channel wrote it
    }

    @Override
    public void close() throws IOException {
      try (out) {
        if (directWrites != null) {
          directWrites.close(); // its thread stopped, its channel closed
        }
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
