package dev.berth.store;

import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What lets an upload be written past the page cache ({@code O_DIRECT}): the open option, the
 * alignment the filesystem needs, and the direct buffers, of which all uploads together hold at
 * most {@link #TOTAL} at once. Decided once per staging directory by writing a probe file.
 */
final class DirectBuffers {
  private static final Logger log = LoggerFactory.getLogger(DirectBuffers.class);

  /** What an upload is written in, past the page cache: a multiple of any block size used. */
  static final int SIZE = 1024 * 1024;

  /** How many go round for one upload: one being filled, one being written, one queued. */
  static final int PER_UPLOAD = 3;

  /**
   * How many all uploads hold at once (24 MiB of memory outside the heap): an upload that finds
   * none free is written through the page cache, as where the filesystem takes no direct writes.
   */
  static final int TOTAL = 8 * PER_UPLOAD;

  /** Where direct writes are not used. */
  static final DirectBuffers NONE = new DirectBuffers(null, 0);

  private final @Nullable OpenOption direct;
  private final int alignment;
  private final Semaphore permits = new Semaphore(TOTAL);
  private final ConcurrentLinkedQueue<ByteBuffer> spare = new ConcurrentLinkedQueue<>();
  private final AtomicInteger allocated = new AtomicInteger();

  private DirectBuffers(@Nullable OpenOption direct, int alignment) {
    this.direct = direct;
    this.alignment = alignment;
  }

  /**
   * Direct writes for files in {@code dir}, if its filesystem takes them: a probe file there is
   * written one aligned block past the page cache, cut short, flushed and removed. {@link #NONE} if
   * any of that fails, or the JDK has no such option.
   */
  static DirectBuffers probe(Path dir) {
    OpenOption option;
    int alignment;
    try {
      // com.sun.nio.file.ExtendedOpenOption.DIRECT (module jdk.unsupported), looked up by name:
      // javac flags any use of that package as proprietary API, with no way to say it is meant.
      option =
          (OpenOption)
              Class.forName("com.sun.nio.file.ExtendedOpenOption").getField("DIRECT").get(null);
      alignment = (int) Math.max(4096, Files.getFileStore(dir).getBlockSize());
    } catch (ReflectiveOperationException | IOException | RuntimeException e) {
      log.info("uploads are written through the page cache: {}", e.toString());
      return NONE;
    }
    if (SIZE % alignment != 0) {
      log.info("uploads are written through the page cache: blocks of {} bytes", alignment);
      return NONE;
    }
    var found = new DirectBuffers(option, alignment);
    try {
      Path probe = Files.createTempFile(dir, ".direct-", ".probe");
      try (var out = FileChannel.open(probe, WRITE, option)) {
        ByteBuffer block = found.aligned(alignment);
        while (block.hasRemaining()) {
          out.write(block);
        }
        out.truncate(1);
        out.force(true);
      } finally {
        Files.deleteIfExists(probe);
      }
    } catch (IOException | RuntimeException e) {
      log.info(
          "uploads are written through the page cache: {} takes no direct writes ({})",
          dir,
          e.toString());
      return NONE;
    }
    return found;
  }

  /** How many buffers no upload holds now. */
  int free() {
    return permits.availablePermits();
  }

  /** How many buffers have been allocated since start (each kept and reused while it lasts). */
  int allocated() {
    return allocated.get();
  }

  /** Bytes a direct write's length must be a multiple of. */
  int alignment() {
    return alignment;
  }

  /**
   * Direct writes to {@code path} from {@code position} on (a multiple of {@link #alignment}),
   * holding {@link #PER_UPLOAD} buffers until closed; null if this filesystem takes none or all
   * buffers are out.
   */
  @Nullable DirectWrites writes(Path path, long position) throws IOException {
    if (direct == null || !permits.tryAcquire(PER_UPLOAD)) {
      return null;
    }
    try {
      var channel = FileChannel.open(path, WRITE, direct);
      try {
        return new DirectWrites(this, channel.position(position));
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      permits.release(PER_UPLOAD);
      throw e;
    }
  }

  /** A buffer of {@link #SIZE} bytes, aligned: one given back before, or a new one. */
  ByteBuffer take() {
    ByteBuffer buf = spare.poll();
    if (buf != null) {
      return buf.clear();
    }
    allocated.incrementAndGet();
    return aligned(SIZE);
  }

  /**
   * Ends one upload's hold: its {@code buffers} are kept for the next uploads if {@code idle}
   * (else, possibly still in a write that would not stop, left to the garbage collector).
   */
  void giveBack(List<ByteBuffer> buffers, boolean idle) {
    if (idle) {
      spare.addAll(buffers);
    }
    permits.release(PER_UPLOAD);
  }

  private ByteBuffer aligned(int size) {
    return ByteBuffer.allocateDirect(size + alignment).alignedSlice(alignment).slice(0, size);
  }
}
