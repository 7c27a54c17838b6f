package dev.berth.domain;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions whose sandbox is behind their records: a change was committed, and bringing the
 * sandbox in line with it failed (no descriptor left, a full disk). Each is tried again after a
 * delay that doubles from {@link #FIRST_DELAY} to {@link #MAX_DELAY}, until a reconcile of the
 * whole session succeeds; the first failure is logged with its cause, later ones in a line, and
 * catching up again is logged too.
 *
 * <p>Design note. The change itself stays acknowledged: it is committed, the records are the truth
 * (DESIGN principle 1), and answering it with an error would invite the client to send again what
 * already succeeded. What the client could see of the difference is a command finding the sandbox
 * without the change, so {@link Reconciler#requireInLine} makes a command wait for (or refuse) a
 * session listed here. A bookkeeping of the reconciler's, kept apart from what it reconciles.
 */
final class LaggingSandboxes implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  static final Duration FIRST_DELAY = Duration.ofMillis(100);
  static final Duration MAX_DELAY = Duration.ofSeconds(30);

  private final Consumer<String> retry;
  private final Map<String, Integer> failures = new HashMap<>();
  private final Set<String> scheduled = new HashSet<>();
  private final ScheduledExecutorService timer;

  /**
   * @param retry reconciles a session again; told the session's id, from the timer's thread
   */
  LaggingSandboxes(Consumer<String> retry) {
    this(
        retry,
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("berth-reconcile-retry").daemon().unstarted(r)));
  }

  /** The same, retrying on {@code timer}, which this closes. */
  LaggingSandboxes(Consumer<String> retry, ScheduledExecutorService timer) {
    this.retry = retry;
    this.timer = timer;
  }

  /** Whether the session's sandbox is known to be behind its records. */
  synchronized boolean isBehind(String sessionId) {
    return failures.containsKey(sessionId);
  }

  /**
   * Reconciling the session failed with {@code e}: it is tried again later. A session has at most
   * one retry waiting, however many attempts fail meanwhile (a refused command makes one too).
   */
  void failed(String sessionId, RuntimeException e) {
    int n;
    boolean schedule;
    synchronized (this) {
      n = failures.merge(sessionId, 1, Integer::sum);
      schedule = scheduled.add(sessionId);
    }
    Duration delay = delay(n);
    if (n == 1) {
      log.error(
          "sandbox of session {} does not match its records; trying again in {} ms",
          sessionId,
          delay.toMillis(),
          e);
    } else {
      log.warn(
          "sandbox of session {} still does not match its records after {} attempts ({});"
              + " trying again in {} ms",
          sessionId,
          n,
          e.toString(),
          delay.toMillis());
    }
    if (!schedule) {
      return;
    }
    try {
      var unused =
          timer.schedule(
              () -> {
                synchronized (this) {
                  scheduled.remove(sessionId);
                }
                retry.accept(sessionId);
              },
              delay.toMillis(),
              TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopped) {
      // closing: the next start reconciles every session
    }
  }

  /** A reconcile of the whole session succeeded: it is in line with its records. */
  void caughtUp(String sessionId) {
    Integer n;
    synchronized (this) {
      n = failures.remove(sessionId);
    }
    if (n != null) {
      log.info(
          "sandbox of session {} matches its records again, after {} failed attempts",
          sessionId,
          n);
    }
  }

  /** The session's sandbox is gone, or no longer this node's: nothing to catch up. */
  synchronized void forget(String sessionId) {
    failures.remove(sessionId);
  }

  /** {@link #FIRST_DELAY} doubled for each failure after the first, at most {@link #MAX_DELAY}. */
  static Duration delay(int failures) {
    int doublings = Math.min(failures - 1, 20);
    Duration d = FIRST_DELAY.multipliedBy(1L << doublings);
    return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
