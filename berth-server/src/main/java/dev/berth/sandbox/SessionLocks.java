package dev.berth.sandbox;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises the operations on each session's tree. The locks are striped, so different sessions
 * rarely wait for each other.
 *
 * <p>Design note. Holding a session's lock is the only way to get its {@link Held} handle, and the
 * per-session caches ({@link KeptSessions}, {@link SpareDirectories}) take that handle, never a
 * bare id. So code working for one session can reach only that session's cached directories: to
 * take another's, it would have to lock the other session first. A handle is refused once its lock
 * is released and on any thread but the one holding it, so one cannot leak out of its operation.
 */
final class SessionLocks {
  private final ReentrantLock[] stripes;

  SessionLocks(int stripes) {
    this.stripes = new ReentrantLock[stripes];
    for (int i = 0; i < stripes; i++) {
      this.stripes[i] = new ReentrantLock();
    }
  }

  /** Waits for the session's lock; closing the handle releases it. */
  Held lock(SessionId session) {
    ReentrantLock lock = stripes[Math.floorMod(session.value().hashCode(), stripes.length)];
    lock.lock();
    return new Held(session, lock);
  }

  /** One session's lock, held by the current thread: the key to that session's caches. */
  static final class Held implements AutoCloseable {
    private final SessionId session;
    private final ReentrantLock lock;
    private boolean released;

    private Held(SessionId session, ReentrantLock lock) {
      this.session = session;
      this.lock = lock;
    }

    /**
     * The session whose lock this is.
     *
     * @throws IllegalStateException if the lock has been released, or this is not its thread
     */
    SessionId id() {
      if (released || !lock.isHeldByCurrentThread()) {
        throw new IllegalStateException("the lock of session " + session + " is not held here");
      }
      return session;
    }

    @Override
    public void close() {
      if (!released) {
        lock.unlock();
        released = true;
      }
    }
  }
}
