package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** Waiting for something a test can observe, with a deadline, never for a guessed time. */
public final class Await {
  private static final Duration POLL = Duration.ofMillis(20);

  private Await() {}

  /**
   * Returns once {@code condition} holds, checking it every 20 ms; fails the test, naming {@code
   * what}, if it does not hold within {@code timeout}.
   */
  public static void until(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      assertThat(Instant.now()).as("%s within %s", what, timeout).isBefore(deadline);
      Thread.sleep(POLL);
    }
  }
}
