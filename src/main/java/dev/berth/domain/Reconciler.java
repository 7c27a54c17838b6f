package dev.berth.domain;

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
 */
public final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  private static final int STRIPES = 64;

  private final ResourceStore resources;
  private final SessionStore sessions;
  private final LocalSandboxHost host;
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

  public Reconciler(ResourceStore resources, SessionStore sessions, LocalSandboxHost host) {
    this.resources = resources;
    this.sessions = sessions;
    this.host = host;
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

  /** Removes a deleted session's sandbox. */
  public void destroy(String sessionId) {
    ReentrantLock lock = lockFor(sessionId);
    lock.lock();
    try {
      host.destroy(sessionId);
    } catch (RuntimeException e) {
      log.error("sandbox of deleted session {} could not be removed yet", sessionId, e);
    } finally {
      lock.unlock();
    }
  }

  /** Start-up: every session's sandbox matches its records; sandboxes of no session are gone. */
  public void reconcileAll() {
    Set<String> live = new HashSet<>(sessions.allIds());
    for (String id : live) {
      reconcile(id);
    }
    for (String id : host.sessionsOnDisk()) {
      if (!live.contains(id)) {
        destroy(id);
      }
    }
    log.info("reconciled {} session sandboxes", live.size());
  }

  private ReentrantLock lockFor(String sessionId) {
    return locks[Math.floorMod(sessionId.hashCode(), STRIPES)];
  }
}
