package dev.berth.domain;

import dev.berth.sandbox.BubblewrapRunner;
import dev.berth.sandbox.LocalSandboxHost;
import dev.berth.store.ResourceStore;
import dev.berth.store.SessionStore;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
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
 * <p>Only the node holding a session ({@link SessionPlacement}) keeps its sandbox. A change made on
 * another node is announced to the holder instead, which then reconciles ({@link #apply}).
 */
public final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  private static final int STRIPES = 64;

  private final ResourceStore resources;
  private final SessionStore sessions;
  private final LocalSandboxHost host;
  private final BubblewrapRunner commands;
  private final SessionPlacement placement;
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

  public Reconciler(
      ResourceStore resources,
      SessionStore sessions,
      LocalSandboxHost host,
      BubblewrapRunner commands,
      SessionPlacement placement) {
    this.resources = resources;
    this.sessions = sessions;
    this.host = host;
    this.commands = commands;
    this.placement = placement;
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  /**
   * Makes one session's sandbox match its records. A failure is logged, not thrown: the change that
   * led here is already committed, and answering it with an error would invite a retry of something
   * that succeeded (spec §1.9). The next reconcile of the session, at the latest the next start,
   * tries again.
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
      host.reconcile(sessionId, resources.mounts(sessionId));
    } catch (RuntimeException e) {
      log.error("sandbox of session {} does not match its records yet", sessionId, e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * After a change at one mount path: makes that path in the sandbox match what the records say is
   * there now, which costs the same whatever else the session holds. When another mount lies above
   * or below the path (the change made room for it, or is about to), or the single-path repair
   * fails, the whole session is reconciled instead.
   */
  public void reconcilePath(String sessionId, String mountPath) {
    if (!placement.holds(sessionId)) {
      tellHolder(sessionId);
      return;
    }
    ReentrantLock lock = lockFor(sessionId);
    lock.lock();
    try {
      Optional<Resource> there = resources.mountAround(sessionId, mountPath);
      if (there.isEmpty() && host.unmount(sessionId, mountPath)) {
        return;
      }
      if (there.isPresent() && there.get().mountPath().equals(mountPath)) {
        host.mount(sessionId, mountPath, there.get().sha256());
        return;
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
   * Removes this node's sandbox of a session that is gone or that another node now holds, after
   * stopping the commands running in it.
   */
  void remove(String sessionId) {
    ReentrantLock lock = lockFor(sessionId);
    lock.lock();
    try {
      commands.stopAll(sessionId);
      host.destroy(sessionId);
    } catch (RuntimeException e) {
      log.error("sandbox of deleted session {} could not be removed yet", sessionId, e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Start-up: the sandbox of every session this node holds matches its records; other sandboxes (of
   * sessions deleted, or held elsewhere) are gone.
   */
  public void reconcileAll() {
    Set<String> live = new HashSet<>(sessions.allIds());
    live.removeIf(id -> !placement.holds(id));
    for (String id : live) {
      apply(id);
    }
    for (String id : host.sessionsOnDisk()) {
      if (!live.contains(id)) {
        remove(id);
      }
    }
    log.info("reconciled {} session sandboxes", live.size());
  }

  private ReentrantLock lockFor(String sessionId) {
    return locks[Math.floorMod(sessionId.hashCode(), STRIPES)];
  }
}
