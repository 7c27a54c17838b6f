package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The hand-over of an upload's buffers to a second thread: they are worked on in order, given back
 * and reused, and a failure there reaches the caller, an I/O error with its own message.
 */
class BufferPipeTest {
  @Test
  void buffersAreWorkedOnInOrderAndNoMoreAreMadeThanAllowed() throws IOException {
    List<Byte> seen = new ArrayList<>();
    AtomicInteger made = new AtomicInteger();
    try (var pipe =
        new BufferPipe(
            "reading",
            2,
            () -> {
              made.incrementAndGet();
              return ByteBuffer.allocate(1);
            },
            b -> seen.add(b.get()))) {
      for (int i = 0; i < 10; i++) {
        pipe.put(pipe.freeBuffer().put((byte) i).flip());
      }
      pipe.finish();
    }

    assertThat(seen)
        .containsExactly(
            (byte) 0, (byte) 1, (byte) 2, (byte) 3, (byte) 4, (byte) 5, (byte) 6, (byte) 7,
            (byte) 8, (byte) 9);
    // ten hand-overs, and never more than two buffers: the rest were given back and reused
    assertThat(made.get()).isBetween(1, 2);
  }

  @Test
  void anIoFailureOfTheWorkReachesTheCallerWithItsMessage() throws IOException {
    try (var pipe = failingWith("writing", 2, new IOException("No space left on device"))) {
      pipe.put(pipe.freeBuffer().put((byte) 1).flip());

      assertThatThrownBy(pipe::finish)
          .isInstanceOf(IOException.class)
          .hasMessage("No space left on device");
    }
  }

  @Test
  void anyOtherFailureOfTheWorkReachesTheCallerNamingTheWork() throws IOException {
    try (var pipe = failingWith("hashing", 2, new IllegalStateException("broken"))) {
      pipe.put(pipe.freeBuffer().put((byte) 1).flip());

      assertThatThrownBy(pipe::finish)
          .isInstanceOf(IOException.class)
          .hasMessage("hashing the upload failed")
          .hasRootCauseMessage("broken");
    }
  }

  @Test
  void aFailureStopsACallerWaitingForABufferBack() throws IOException {
    try (var pipe = failingWith("writing", 1, new IOException("Input/output error"))) {
      pipe.put(pipe.freeBuffer().put((byte) 1).flip());

      // the one buffer never comes back: the wait ends with the failure
      assertThatThrownBy(pipe::freeBuffer).hasMessage("Input/output error");
    }
  }

  /** A pipe of {@code buffers} one-byte buffers whose work throws {@code failure}. */
  private static BufferPipe failingWith(String what, int buffers, Exception failure) {
    return new BufferPipe(
        what,
        buffers,
        () -> ByteBuffer.allocate(1),
        b -> {
          if (failure instanceof IOException io) {
            throw io;
          }
          throw (RuntimeException) failure;
        });
  }
}
