package dev.berth.domain;

import dev.berth.error.ApiException;
import dev.berth.metrics.ServerMetrics;
import dev.berth.model.Resource;
import dev.berth.sandbox.BubblewrapRunner;
import dev.berth.sandbox.LocalSandboxHost;
import dev.berth.store.Database;
import dev.berth.store.ResourceStore;
import dev.berth.store.SessionStore;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings sandboxes in line with the records (DESIGN principle 1). The metadata store is the truth:
 * a change is committed first, then the session's sandbox is reconciled to what the records say
 * now. Reading the records and applying them happen under one per-session lock, so two changes
 * racing can never leave the older picture on disk. Reconciling is idempotent, and it runs for
 * every session at start-up, so a crash between commit and sandbox heals on the next start.
 *
 * <p>A change at one path usually needs no read at all: the transaction knows what it left there,
 * and writes have an order ({@link Database#writeOrdered}). While nothing later than a change has
 * reached the session's sandbox, what the change left at its path is right, or about to be
 * overwritten by the repair of a later change; only a change that comes after a later one has been
 * applied reads the records. PostgreSQL, written by several nodes, has no such order, so there
 * every repair reads.
 *
 * <p>Only the node holding a session ({@link SessionPlacement}) keeps its sandbox. A change made on
 * another node is announced to the holder instead, which then reconciles ({@link #apply}).
 *
 * <p>A sandbox change that fails after its commit is never left behind silently: the session is
 * listed as lagging ({@link LaggingSandboxes}), reconciled whole again with a growing delay until
 * it matches, and until then a command in it first tries to catch it up and is refused if it cannot
 * ({@link #requireInLine}).
 */
public final class Reconciler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  private static final int STRIPES = 64;

  private final ResourceStore resources;
  private final SessionStore sessions;
  private final LocalSandboxHost host;
  private final BubblewrapRunner commands;
  private final SessionPlacement placement;
  private final RepositoryCheckouts checkouts;
  private final ServerMetrics metrics;
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
  private final Applied applied = new Applied();
  private final LaggingSandboxes lagging = new LaggingSandboxes(this::retry);
  private final Executor background;

  /** Held by the start-up pass while it runs, so that {@link #close} can wait for it to stop. */
  private final ReentrantLock passing = new ReentrantLock();

  private volatile SinceStart sinceStart = SinceStart.OVER;
  private volatile boolean closed;

  /**
   * @param background runs the start-up pass ({@link #reconcileAll}); a test may hold it back
   */
  public Reconciler(
      ResourceStore resources,
      SessionStore sessions,
      LocalSandboxHost host,
      BubblewrapRunner commands,
      SessionPlacement placement,
      RepositoryCheckouts checkouts,
      ServerMetrics metrics,
      Executor background) {
    this.background = background;
    this.metrics = metrics;
    this.resources = resources;
    this.sessions = sessions;
    this.host = host;
    this.commands = commands;
    this.placement = placement;
    this.checkouts = checkouts;
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  /**
   * Makes one session's sandbox match its records. A failure is logged, not thrown: the change that
   * led here is already committed, and answering it with an error would invite a retry of something
   * that succeeded (spec §1.9). The session is tried again, after a delay, until it matches ({@link
   * LaggingSandboxes}).
   */
  public void reconcile(String sessionId) {
    if (placement.holds(sessionId)) {
      apply(sessionId);
    } else {
      tellHolder(sessionId);
    }
  }

  /** A session was deleted: removes its sandbox here, or tells the node that holds it. */
  public void destroy(String sessionId) {
    if (placement.holds(sessionId)) {
      remove(sessionId);
    } else {
      tellHolder(sessionId);
    }
  }

  private void tellHolder(String sessionId) {
    try {
      placement.announce(sessionId);
    } catch (RuntimeException e) {
      log.warn(
          "could not tell the holder of session {} about a change; it finds it at its next resync",
          sessionId,
          e);
    }
  }

  /** Makes the sandbox of a session this node holds match its records (see {@link #reconcile}). */
  void apply(String sessionId) {
    ReentrantLock lock = lockFor(sessionId);
    lock.lock();
    try {
      List<Resource> records = resources.all(sessionId);
      long seen = resources.visibleSequence();
      host.reconcile(sessionId, ResourceStore.mounts(records));
      checkouts.reconcile(sessionId, records);
      applied.raise(sessionId, seen);
      lagging.caughtUp(sessionId);
      metrics.sandboxRepaired();
    } catch (RuntimeException e) {
      metrics.sandboxRepairFailed();
      lagging.failed(sessionId, e);
    } finally {
      sinceStart.reconciled(sessionId); // a failure leaves it lagging, which has its own guard
      lock.unlock();
    }
  }

  /** A lagging session's turn to be tried again: reconciled whole, if it still lags here. */
  private void retry(String sessionId) {
    ReentrantLock lock = lockFor(sessionId);
    lock.lock();
    try {
      if (!lagging.isBehind(sessionId)) {
        return; // caught up meanwhile, or removed
      }
      if (!placement.holds(sessionId)) {
        lagging.forget(sessionId); // another node's now; it reconciles when taking it
        return;
      }
      apply(sessionId);
    } catch (RuntimeException e) {
      lagging.failed(sessionId, e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Before a command runs in the session: its sandbox matches its records. A session whose sandbox
   * fell behind is reconciled now; if that fails too, the command is refused with a 503 the client
   * may retry, rather than run against a sandbox missing an acknowledged change.
   */
  public void requireInLine(String sessionId) {
    requireReconciled(sessionId);
    if (!lagging.isBehind(sessionId)) {
      return;
    }
    apply(sessionId);
    if (lagging.isBehind(sessionId)) {
      throw new ApiException.Unavailable(
          "the sandbox of session "
              + sessionId
              + " does not match its records yet (a change could not be applied to it, and is"
              + " being retried); retry shortly",
          "sandbox_out_of_sync",
          Map.of());
    }
  }

  /**
   * Before anything uses the sandbox of a session this node holds: it was reconciled since this
   * start. Costs a volatile read once the start-up pass is over; until then a session the pass has
   * not reached is reconciled now, whole. A reconcile that failed leaves the session lagging, which
   * {@link #requireInLine} and the retries deal with.
   */
  public void requireReconciled(String sessionId) {
    SinceStart pass = sinceStart;
    if (pass.isDone(sessionId) || !placement.holds(sessionId)) {
      return;
    }
    ReentrantLock lock = lockFor(sessionId);
    lock.lock();
    try {
      if (!sinceStart.isDone(sessionId)) {
        apply(sessionId);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops retrying lagging sessions, and the start-up pass after the session it is at; the next
   * start reconciles every session anyway.
   */
  @Override
  public void close() {
    closed = true;
    passing.lock(); // the pass is between sessions, or was never started
    try {
      lagging.close();
    } finally {
      passing.unlock();
    }
  }

  /**
   * What a committed change left at one mount path: the blob mounted there, or nothing; and the
   * change's {@link Database.Ordered#sequence} (-1 if unknown, and the records are read).
   */
  public record Change(String mountPath, Optional<String> sha256, long sequence) {}

  /** {@link #reconcilePath(String, Change)} from the records alone. */
  public void reconcilePath(String sessionId, String mountPath) {
    reconcilePath(sessionId, new Change(mountPath, Optional.empty(), -1));
  }

  /**
   * After a change at one mount path: makes that path in the sandbox match what the records say is
   * there now, which costs the same whatever else the session holds. When another mount lies above
   * or below the path (the change made room for it, or is about to), or the single-path repair
   * fails, the whole session is reconciled instead.
   */
  public void reconcilePath(String sessionId, Change change) {
    if (!placement.holds(sessionId)) {
      tellHolder(sessionId);
      return;
    }
    if (!sinceStart.isDone(sessionId)) { // the rest of it may not match either
      requireReconciled(sessionId);
      return;
    }
    if (lagging.isBehind(sessionId)) { // an earlier change is missing too
      apply(sessionId);
      return;
    }
    String mountPath = change.mountPath();
    ReentrantLock lock = lockFor(sessionId);
    lock.lock();
    try {
      if (applied.allBefore(sessionId, change.sequence())) {
        if (repair(sessionId, mountPath, change.sha256())) {
          applied.raise(sessionId, change.sequence());
          metrics.sandboxRepaired();
          return;
        }
      } else {
        Optional<Resource> there = resources.mountAround(sessionId, mountPath);
        long seen = resources.visibleSequence();
        if ((there.isEmpty() || there.get().mountPath().equals(mountPath))
            && repair(sessionId, mountPath, there.map(Resource::sha256))) {
          applied.raise(sessionId, seen);
          metrics.sandboxRepaired();
          return;
        }
      }
    } catch (RuntimeException e) {
      log.warn(
          "sandbox of session {}: repairing {} failed; reconciling it whole",
          sessionId,
          mountPath,
          e);
    } finally {
      lock.unlock();
    }
    reconcile(sessionId);
  }

  /**
   * Mounts {@code sha256} at {@code mountPath}, or clears the path when empty; false if clearing it
   * found something only a whole reconcile can judge ({@link LocalSandboxHost#unmount}).
   */
  private boolean repair(String sessionId, String mountPath, Optional<String> sha256) {
    if (sha256.isPresent()) {
      host.mount(sessionId, mountPath, sha256.get());
      return true;
    }
    return host.unmount(sessionId, mountPath);
  }

  /**
   * Removes this node's sandbox of a session that is gone or that another node now holds, after
   * stopping the commands running in it.
   */
  void remove(String sessionId) {
    ReentrantLock lock = lockFor(sessionId);
    lock.lock();
    try {
      applied.forget(sessionId);
      lagging.forget(sessionId);
      checkouts.forget(sessionId);
      commands.stopAll(sessionId);
      host.destroy(sessionId);
    } catch (RuntimeException e) {
      log.error("sandbox of deleted session {} could not be removed yet", sessionId, e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Start-up: from now on, every session this node holds is reconciled before its sandbox is used
   * ({@link #requireReconciled}); in the background, each is reconciled in turn, then the sandboxes
   * of sessions deleted, or held elsewhere, are removed. Returns at once.
   */
  public void reconcileAll() {
    sinceStart = new SinceStart();
    background.execute(this::pass);
  }

  private void pass() {
    passing.lock();
    try {
      long started = System.nanoTime();
      Set<String> onDisk = host.sessionsOnDisk(); // before the records: a newer tree is kept
      List<String> ids = sessions.allIds();
      int reconciled = 0;
      for (String id : ids) {
        if (closed) {
          return;
        }
        if (placement.holds(id)) {
          requireReconciled(id);
          reconciled++;
        }
      }
      Set<String> live = new HashSet<>(ids);
      int removed = 0;
      for (String id : onDisk) {
        if (closed) {
          return;
        }
        if (!live.contains(id) || !placement.holds(id)) {
          removed += removeUnless(id) ? 1 : 0;
        }
      }
      sinceStart = SinceStart.OVER;
      log.info(
          "reconciled {} session sandboxes and removed {} others in {} ms",
          reconciled,
          removed,
          (System.nanoTime() - started) / 1_000_000);
    } catch (RuntimeException e) {
      // sessions not reached stay guarded: each is reconciled when first used
      log.error("the start-up reconcile of session sandboxes stopped", e);
    } finally {
      passing.unlock();
    }
  }

  /** Removes a sandbox found on disk at start, unless its session is (now) this node's. */
  private boolean removeUnless(String sessionId) {
    ReentrantLock lock = lockFor(sessionId);
    lock.lock();
    try {
      if (placement.holds(sessionId) && sessions.exists(sessionId)) {
        return false; // created since the records were read
      }
      remove(sessionId);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The sessions reconciled since this start, while the start-up pass runs; once it is over, every
   * session counts as reconciled ({@link #OVER}) and the set goes.
   */
  private static final class SinceStart {
    static final SinceStart OVER = new SinceStart();

    private final Set<String> done = ConcurrentHashMap.newKeySet();

    boolean isDone(String sessionId) {
      return this == OVER || done.contains(sessionId);
    }

    void reconciled(String sessionId) {
      if (this != OVER) {
        done.add(sessionId);
      }
    }
  }

  /**
   * For recently changed sessions, a write sequence that every change applied to the sandbox so far
   * is at or before: a repair from the records raises it to the latest write the read could have
   * seen, a repair from a change to that change's sequence. A session it does not know (new here,
   * or forgotten to stay bounded) is repaired from the records.
   */
  private static final class Applied {
    private static final int SESSIONS = 4096;

    private final Map<String, Long> upTo =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > SESSIONS;
          }
        };

    /** Whether every change applied to the session's sandbox came before {@code sequence}. */
    synchronized boolean allBefore(String sessionId, long sequence) {
      Long at = upTo.get(sessionId);
      return sequence >= 0 && at != null && at < sequence;
    }

    synchronized void raise(String sessionId, long sequence) {
      if (sequence >= 0) {
        upTo.merge(sessionId, sequence, Math::max);
      }
    }

    synchronized void forget(String sessionId) {
      upTo.remove(sessionId);
    }
  }

  private ReentrantLock lockFor(String sessionId) {
    return locks[Math.floorMod(sessionId.hashCode(), STRIPES)];
  }
}
