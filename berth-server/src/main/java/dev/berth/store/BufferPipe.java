package dev.berth.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Buffers handed in order to a second (virtual) thread, which does one piece of an upload's work
 * with each and gives it back: a few buffers go round, one being filled, one being worked on, one
 * queued, so the caller and the second thread each run at their own pace. Started by the first
 * buffer handed over.
 *
 * <p>What the second thread throws reaches the caller at its next hand-over or at {@link #finish}:
 * an {@link IOException} with the same message (an {@code ENOSPC} still says so), anything else
 * wrapped in one that says which work failed.
 */
final class BufferPipe implements AutoCloseable {
  /** The work done with each buffer: its bytes from position to limit. */
  interface Work {
    void accept(ByteBuffer buffer) throws IOException;
  }

  private static final ByteBuffer END = ByteBuffer.allocate(0); // by identity: no more to come

  /** How long {@link #stop} waits for the second thread to end. */
  private static final Duration STOP_WAIT = Duration.ofSeconds(5);

  private final String what;
  private final int buffers;
  private final Supplier<ByteBuffer> newBuffer;
  private final Work work;
  private final ArrayBlockingQueue<ByteBuffer> free;
  private final ArrayBlockingQueue<ByteBuffer> full;
  private @Nullable Thread thread;
  private volatile @Nullable Throwable failed;
  private int made;

  /**
   * @param what the work, as failures name it ("hashing", "writing")
   * @param buffers how many buffers go round
   * @param newBuffer makes one (cleared); called at most {@code buffers} times
   */
  BufferPipe(String what, int buffers, Supplier<ByteBuffer> newBuffer, Work work) {
    this.what = what;
    this.buffers = buffers;
    this.newBuffer = newBuffer;
    this.work = work;
    this.free = new ArrayBlockingQueue<>(buffers);
    this.full = new ArrayBlockingQueue<>(buffers + 1); // and END
  }

  /** Whether a buffer has been handed over, so the second thread runs. */
  boolean started() {
    return thread != null;
  }

  /** A buffer to fill, cleared: a new one while fewer than {@code buffers} exist, else one back. */
  ByteBuffer freeBuffer() throws IOException {
    ByteBuffer buf = free.poll();
    if (buf == null && made < buffers) {
      made++;
      return newBuffer.get();
    }
    return buf != null ? buf : take();
  }

  /** Gives back a buffer that was not handed over (its work done by the caller). */
  void giveBack(ByteBuffer buf) {
    free.add(buf.clear());
  }

  /** Hands {@code buf} over: its bytes from position to limit. */
  void put(ByteBuffer buf) throws IOException {
    if (thread == null) {
      thread = Thread.ofVirtual().name("berth-upload-" + what).start(this::run);
    }
    try {
      while (!full.offer(buf, 100, TimeUnit.MILLISECONDS)) {
        throwIfFailed();
      }
    } catch (InterruptedException e) {
      throw interrupted();
    }
  }

  /** Waits until every buffer handed over has been worked on; throws what the work threw. */
  void finish() throws IOException {
    if (thread == null) {
      return;
    }
    put(END);
    try {
      thread.join();
    } catch (InterruptedException e) {
      throw interrupted();
    }
    throwIfFailed();
  }

  @SuppressWarnings("ReferenceEquality") // END is told by identity: an empty buffer equals it
  private void run() {
    try {
      for (ByteBuffer b; (b = full.take()) != END; ) {
        work.accept(b);
        free.add(b.clear());
      }
    } catch (InterruptedException e) {
      // the upload was given up: close() stops this thread
    } catch (IOException | RuntimeException | Error e) {
      failed = e;
      free.clear();
      full.clear();
    }
  }

  private ByteBuffer take() throws IOException {
    try {
      ByteBuffer buf;
      while ((buf = free.poll(100, TimeUnit.MILLISECONDS)) == null) {
        throwIfFailed();
      }
      return buf;
    } catch (InterruptedException e) {
      throw interrupted();
    }
  }

  private void throwIfFailed() throws IOException {
    Throwable f = failed;
    if (f instanceof IOException io) {
      throw new IOException(io.getMessage(), io);
    }
    if (f != null) {
      throw new IOException(what + " the upload failed", f);
    }
  }

  /** Keeps the thread's interrupt for its caller, and says what it interrupted. */
  private InterruptedIOException interrupted() {
    Thread.currentThread().interrupt();
    return new InterruptedIOException("interrupted while " + what + " an upload");
  }

  /**
   * Stops the second thread of an upload given up halfway (nothing to do after {@link #finish}),
   * waiting for it up to {@link #STOP_WAIT}.
   *
   * @return whether the second thread no longer runs, so no buffer is in its hands
   */
  boolean stop() {
    if (thread == null || !thread.isAlive()) {
      return true;
    }
    thread.interrupt(); // a write in progress ends with its channel closed
    try {
      return thread.join(STOP_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    var unused = stop();
  }
}
