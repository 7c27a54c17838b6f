package dev.berth.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.model.Caller;
import dev.berth.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What authentication costs and how stale it may be: the store is read once per key per {@link
 * RecentCallers#FRESH}, however many requests present the key, and never later than that.
 */
class RecentCallersTest {
  private static final Caller ALPHA = new Caller("wrkspc_alpha", "apikey_alpha");

  private final Map<String, Caller> keys = new ConcurrentHashMap<>(Map.of("h-alpha", ALPHA));
  private final AtomicLong clock = new AtomicLong();
  private final RecentCallers callers =
      new RecentCallers(hash -> Optional.ofNullable(keys.get(hash)), clock::get);

  @Test
  void aThousandRequestsWithinTheFreshnessReadTheStoreOnce() {
    for (int i = 0; i < 1000; i++) {
      assertThat(callers.caller("h-alpha")).contains(ALPHA);
      clock.addAndGet(RecentCallers.FRESH.toNanos() / 2000);
    }
    assertThat(callers.reads()).isEqualTo(1);
  }

  @Test
  void concurrentRequestsForAnExpiredKeyWaitForOneRead() throws Exception {
    var release = new CountDownLatch(1);
    var slow =
        new RecentCallers(
            hash -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              return Optional.ofNullable(keys.get(hash));
            },
            clock::get);
    List<Future<Optional<Caller>>> answers = new ArrayList<>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 64; i++) {
        answers.add(pool.submit(() -> slow.caller("h-alpha")));
      }
      Await.until("the first read to begin", Duration.ofSeconds(5), () -> slow.reads() == 1);
      release.countDown();
      for (var answer : answers) {
        assertThat(answer.get()).contains(ALPHA);
      }
    }
    assertThat(slow.reads()).isEqualTo(1);
  }

  @Test
  void aRevokedKeyIsRefusedOnceItsAnswerIsNoLongerFresh() {
    assertThat(callers.caller("h-alpha")).contains(ALPHA);
    keys.remove("h-alpha"); // revoked

    clock.addAndGet(RecentCallers.FRESH.toNanos() - 1);
    assertThat(callers.caller("h-alpha")).contains(ALPHA); // still within the bound
    clock.addAndGet(1);
    assertThat(callers.caller("h-alpha")).isEmpty();
    assertThat(callers.reads()).isEqualTo(2);
  }

  @Test
  void aKeyThatOpensNothingIsNotRememberedSoAKeyCreatedNextWorksAtOnce() {
    assertThat(callers.caller("h-new")).isEmpty();
    keys.put("h-new", ALPHA); // created a moment later
    assertThat(callers.caller("h-new")).contains(ALPHA);
    assertThat(callers.reads()).isEqualTo(2);
  }

  @Test
  void aFailedReadIsNotRemembered() {
    var failing = new AtomicLong();
    var flaky =
        new RecentCallers(
            hash -> {
              if (failing.getAndIncrement() == 0) {
                throw new IllegalStateException("database unreachable");
              }
              return Optional.of(ALPHA);
            },
            clock::get);
    assertThatThrownBy(() -> flaky.caller("h-alpha")).hasMessage("database unreachable");
    assertThat(flaky.caller("h-alpha")).contains(ALPHA);
  }
}
