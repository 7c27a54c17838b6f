package dev.berth.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.Test;

class LaggingSandboxesTest {
  @Test
  void aSessionHasOneRetryWaitingHoweverManyAttemptsFailMeanwhile() throws Exception {
    var timer = new ScheduledThreadPoolExecutor(1);
    List<String> retried = new CopyOnWriteArrayList<>();
    try (var lagging = new LaggingSandboxes(retried::add, timer)) {
      // the timer's one thread is held, so every retry scheduled stays in its queue
      var hold = new CountDownLatch(1);
      var held = new CountDownLatch(1);
      var unused =
          timer.submit(
              () -> {
                held.countDown();
                hold.await();
                return null;
              });
      held.await();

      for (int i = 0; i < 3; i++) {
        lagging.failed("sesn_a", new IllegalStateException("no descriptor left"));
      }
      lagging.failed("sesn_b", new IllegalStateException("no descriptor left"));

      assertThat(timer.getQueue()).as("one retry for each lagging session").hasSize(2);
      assertThat(lagging.isBehind("sesn_a")).isTrue();
      hold.countDown();
      Await.until("both sessions are retried", Duration.ofSeconds(5), () -> retried.size() == 2);
      assertThat(retried).containsExactlyInAnyOrder("sesn_a", "sesn_b");
    }
  }
}
