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
   * Lists files with {@code http} until the answer is 401; fails if a request sent at {@code
   * deadline} or later still got a 200, or if any answer is neither. For a key being revoked.
   */
  public static void unauthorized(Http http, Instant deadline) throws InterruptedException {
    while (true) {
      Instant asked = Instant.now();
      int status = http.get("/v1/files?limit=1").status();
      if (status == 401) {
        return;
      }
      assertThat(status).isEqualTo(200);
      assertThat(asked).as("401 by %s", deadline).isBefore(deadline);
      Thread.sleep(POLL);
    }
  }

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
