package dev.berth.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launchers started ahead of their command: for sessions that ran a command lately, one launcher
 * ({@link BubblewrapRunner}'s {@code sh}) already in the session's control groups, waiting on its
 * stdin for the next command. Spawning a process from the JVM and entering the session's groups
 * (under cgroup v1 the first write of an attach waits for an RCU grace period) take several
 * milliseconds, which so leave the next command's path.
 *
 * <p>Design note. A launcher is started when the last of a session's running commands ends, so one
 * waits only while none of the session's commands runs: it never takes one of the processes that
 * running commands may have together ({@code pids.max}), and the next command takes it ({@link
 * #take}), its process becoming that command's bubblewrap. A command that finds none (the first,
 * one beside another, one after the launcher gave way) starts its own, as before. At most {@code
 * max} wait at once, all sessions together; when all are taken, the one that has waited longest
 * gives way to the new one if it has waited at least {@code giveWay}, else the new one is not
 * started: sessions running commands in turn faster than that do not stop each other's launchers
 * for nothing. One unused for {@code idle} is stopped. Deleting the session or letting it go
 * ({@link #release}) and closing stop them too. A stopped launcher is killed (it is only a shell
 * waiting on a pipe) and waited for before it leaves the session's groups, so that they are empty
 * when they are removed. If Berth itself dies, a waiting launcher reads the end of its stdin and
 * exits.
 */
final class WaitingLaunchers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WaitingLaunchers.class);

  /** How long a launcher waits for its session's next command before it is stopped. */
  static final Duration IDLE = Duration.ofSeconds(60);

  /** How long a launcher must have waited before it gives way to another session's. */
  static final Duration GIVE_WAY = Duration.ofSeconds(1);

  /** How long a stopped launcher is waited for. */
  private static final Duration STOP_WAIT = Duration.ofSeconds(5);

  /**
   * One launcher started ahead.
   *
   * @param sessionId whose next command it is for
   * @param groups the {@code cgroup.procs} files it entered, one use of {@link Cgroups#enter} that
   *     the command taking it inherits
   * @param process its process, once spawned
   * @param since when it was started ({@link System#nanoTime})
   */
  record Launcher(String sessionId, List<Path> groups, Future<Process> process, long since) {
    /** Its process, once spawned; empty if it could not be. */
    private Optional<Process> spawned() throws InterruptedException {
      try {
        return Optional.of(process.get());
      } catch (ExecutionException e) {
        return Optional.empty();
      }
    }

    /** Its process, if it was spawned and still waits; empty when it is of no use. */
    Optional<Process> ready() {
      try {
        return spawned().filter(Process::isAlive);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while taking a waiting launcher", e);
      }
    }

    /**
     * After its command: kills it if it still runs, because something failed before the command was
     * given to it (or while the command ran, which kills it anyway). One that ran its command to
     * the end has exited by then.
     */
    void abandon() {
      try {
        spawned().filter(Process::isAlive).ifPresent(Process::destroyForcibly);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // left to exit when Berth does, at the end of stdin
      }
    }
  }

  private final int max;
  private final Duration idle;
  private final Duration giveWay;
  private final Cgroups cgroups;
  private final Function<List<Path>, Future<Process>> spawn;
  private final ScheduledExecutorService timer;
  private final ScheduledFuture<?> sweeps;
  // all four guarded by this; waiting in the order the launchers were started
  private final Map<String, Launcher> waiting = new LinkedHashMap<>();
  private final Map<String, Integer> running = new HashMap<>();
  private final Set<String> released = new HashSet<>();
  private boolean closed;

  /**
   * @param max how many launchers may wait at once; 0 starts none
   * @param spawn starts a launcher that enters the given groups ({@link BubblewrapRunner})
   */
  WaitingLaunchers(
      int max,
      Duration idle,
      Duration giveWay,
      Cgroups cgroups,
      Function<List<Path>, Future<Process>> spawn) {
    this.max = max;
    this.idle = idle;
    this.giveWay = giveWay;
    this.cgroups = cgroups;
    this.spawn = spawn;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("berth-exec-launchers-idle").daemon().unstarted(r));
    long sweep = Math.max(10, idle.toMillis() / 4);
    this.sweeps = timer.scheduleWithFixedDelay(this::stopIdle, sweep, sweep, TimeUnit.MILLISECONDS);
  }

  /**
   * A command of the session starts: the launcher waiting for it, if one is. Pair with {@link
   * #finished}, whatever happens.
   */
  synchronized Optional<Launcher> take(String sessionId) {
    running.merge(sessionId, 1, Integer::sum);
    released.remove(sessionId);
    return Optional.ofNullable(waiting.remove(sessionId));
  }

  /** A command of the session ended; when it was the last one running, the next launcher starts. */
  void finished(String sessionId) {
    Launcher gone = null;
    synchronized (this) {
      if (running.merge(sessionId, -1, Integer::sum) > 0) {
        return;
      }
      running.remove(sessionId);
      if (released.remove(sessionId) || closed || max == 0 || waiting.containsKey(sessionId)) {
        return;
      }
      if (waiting.size() >= max) {
        Launcher eldest = waiting.values().iterator().next();
        if (System.nanoTime() - eldest.since() < giveWay.toNanos()) {
          return;
        }
        gone = waiting.remove(eldest.sessionId());
      }
      start(sessionId);
    }
    if (gone != null) {
      stop(gone);
    }
  }

  private void start(String sessionId) {
    List<Path> groups;
    try {
      groups = cgroups.enter(sessionId);
    } catch (BubblewrapRunner.Unavailable e) {
      log.debug("no launcher waits for session {}: {}", sessionId, e.getMessage());
      return;
    }
    try {
      waiting.put(
          sessionId, new Launcher(sessionId, groups, spawn.apply(groups), System.nanoTime()));
    } catch (RejectedExecutionException e) { // the runner is closing
      cgroups.leave(sessionId);
    }
  }

  /** The session is deleted or let go: its waiting launcher stops, and none starts for it. */
  void release(String sessionId) {
    Launcher gone;
    synchronized (this) {
      gone = waiting.remove(sessionId);
      if (running.containsKey(sessionId)) {
        released.add(sessionId);
      }
    }
    if (gone != null) {
      stop(gone);
    }
  }

  /** How many wait now. */
  synchronized int count() {
    return waiting.size();
  }

  /** The process of the launcher waiting for the session's next command, if one waits. */
  Optional<ProcessHandle> waitingFor(String sessionId) {
    Launcher launcher;
    synchronized (this) {
      launcher = waiting.get(sessionId);
    }
    return Optional.ofNullable(launcher).flatMap(Launcher::ready).map(Process::toHandle);
  }

  /** Stops every waiting launcher; none starts after. */
  @Override
  public void close() {
    List<Launcher> gone;
    synchronized (this) {
      closed = true;
      gone = new ArrayList<>(waiting.values());
      waiting.clear();
    }
    sweeps.cancel(false);
    timer.shutdownNow();
    gone.forEach(this::stop);
  }

  private void stopIdle() {
    List<Launcher> gone = new ArrayList<>();
    synchronized (this) {
      long now = System.nanoTime();
      var it = waiting.values().iterator();
      while (it.hasNext()) {
        Launcher launcher = it.next();
        if (now - launcher.since() >= idle.toNanos()) {
          it.remove();
          gone.add(launcher);
        }
      }
    }
    gone.forEach(this::stop);
  }

  /** Kills the launcher, waits for it, then gives up its use of the session's groups. */
  private void stop(Launcher launcher) {
    try {
      Optional<Process> process = launcher.spawned(); // never spawned: nothing to stop
      if (process.isPresent()) {
        process.get().destroyForcibly();
        if (!process.get().waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn(
              "a launcher of session {} was still running {} after it was killed",
              launcher.sessionId(),
              STOP_WAIT);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      cgroups.leave(launcher.sessionId());
    }
  }
}
