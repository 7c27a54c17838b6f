package dev.berth.store;

import dev.berth.error.StoreException;
import dev.berth.store.Database.Work;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite's one writer, shared by everyone who writes. Write transactions are queued in arrival
 * order and run by a single thread; what has queued up while one batch ran becomes the next batch,
 * committed together. While writes come one at a time, each runs on its caller's thread instead
 * (below).
 *
 * <p>Each transaction in a batch runs inside its own savepoint, so one that fails is rolled back
 * alone and its caller gets its exception, while the others commit. A caller hears of success only
 * after the batch's commit, so an acknowledged write is as durable as before; if the commit itself
 * fails, every caller in the batch gets the failure and none of their writes happened.
 *
 * <p>Every transaction gets the next number of one sequence as it runs, so the numbers are the
 * order the transactions' changes take effect in ({@link Database#writeOrdered}).
 *
 * <p>Compared with each caller taking a lock and committing on its own thread, this saves a commit
 * per transaction under load and, more importantly, the lock hand-offs: with more runnable threads
 * than cores, a lock's next owner often waits for a core while the lock stands idle.
 *
 * <p>While writes come one at a time (the last {@link #QUIET_WRITES} found no write waiting or
 * running), a caller runs its own transaction on its own thread, as a batch of one, instead of
 * waking the writer thread and waiting to be woken in turn: with one client those two hand-offs are
 * most of a write's wait. A write that finds another running or queued starts the count again, so
 * once writes overlap they all go to the writer thread and share its commits; a caller's lone write
 * with others queueing behind it would cost a commit and a wake-up more for each batch. One lock,
 * held by whoever runs a batch (the writer thread or such a caller), keeps it to one writer at a
 * time; the sequence is taken under it. A caller never runs its own while writes are queued, so
 * those are not overtaken.
 */
final class GroupCommit implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
  private static final int MAX_BATCH = 64;

  /** How many writes in a row must find the writer idle before callers run their own. */
  static final int QUIET_WRITES = 8;

  private final DataSource pool;
  private final LinkedBlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
  private final ReentrantLock running = new ReentrantLock(); // held by whoever runs a batch
  private final AtomicInteger waiting = new AtomicInteger(); // queued, not yet in a running batch
  private final Thread writer;
  private volatile boolean closing;
  private long lastSequence; // guarded by running
  private final AtomicInteger quiet = new AtomicInteger(QUIET_WRITES); // see runsOnCaller
  private volatile long visibleUpTo = -1;

  GroupCommit(DataSource pool) {
    this.pool = pool;
    this.writer = Thread.ofPlatform().name("berth-sqlite-writer").daemon().start(this::loop);
  }

  /** Runs {@code work} in a write transaction and returns once it has committed. */
  <T> T write(Work<T> work) {
    return writeOrdered(work).value();
  }

  /** {@link #write}, with the transaction's place in the order of all of them. */
  <T> Database.Ordered<T> writeOrdered(Work<T> work) {
    if (running.isHeldByCurrentThread()) {
      throw new IllegalStateException("a write transaction cannot start another one");
    }
    var task = new Task<>(work);
    if (runsOnCaller()) {
      boolean committed;
      try {
        if (closing) {
          throw closed();
        }
        committed = runGuarded(List.<Task<?>>of(task));
      } finally {
        running.unlock();
      }
      if (committed) {
        task.publish();
      }
    } else {
      synchronized (this) {
        if (closing) {
          throw closed();
        }
        waiting.incrementAndGet();
        queue.add(task);
      }
    }
    try {
      return new Database.Ordered<>(task.done.join(), task.sequence);
    } catch (CompletionException e) {
      throw rethrow(e.getCause());
    }
  }

  /**
   * Whether this write runs on its caller's thread; if so, the caller holds the lock. Counts the
   * writes in a row that found the writer idle.
   */
  private boolean runsOnCaller() {
    if (waiting.get() != 0 || running.isLocked()) {
      quiet.set(0);
      return false;
    }
    if (quiet.get() < QUIET_WRITES) {
      quiet.incrementAndGet();
      return false;
    }
    if (!running.tryLock()) {
      return false;
    }
    if (waiting.get() != 0) { // queued meanwhile: not to be overtaken
      running.unlock();
      return false;
    }
    return true;
  }

  /**
   * No committed transaction has a later sequence number than this, so nothing a read that has
   * finished saw does either: it is raised before each commit. -1 before the first.
   */
  long visibleUpTo() {
    return visibleUpTo;
  }

  /** How many writes wait for the writer now; lets a test see that writes have queued. */
  synchronized int queued() { // not between a caller's count and its queueing
    return waiting.get();
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }

  private void loop() {
    List<Task<?>> batch = new ArrayList<>(MAX_BATCH);
    while (!(closing && queue.isEmpty())) {
      try {
        Task<?> first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        boolean committed;
        running.lock();
        try {
          batch.add(first);
          queue.drainTo(batch, MAX_BATCH - 1);
          waiting.addAndGet(-batch.size());
          committed = runGuarded(batch);
        } finally {
          running.unlock();
        }
        // after the unlock, so a caller that writes again at once finds the writer free
        if (committed) {
          batch.forEach(Task::publish);
        }
      } catch (InterruptedException e) {
        // nobody interrupts the writer; close() lets it finish what is queued
      } finally {
        batch.clear();
      }
    }
  }

  /** {@link #run}, failing every task of the batch if it breaks unexpectedly. */
  private boolean runGuarded(List<Task<?>> batch) {
    try {
      return run(batch);
    } catch (RuntimeException | Error e) {
      log.error("write batch failed", e);
      batch.forEach(t -> t.fail(e));
      return false;
    }
  }

  /**
   * Runs and commits the batch; the caller publishes each task's outcome if it returns true. If the
   * commit fails, every task has failed already.
   */
  private boolean run(List<Task<?>> batch) {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        boolean alone = batch.size() == 1;
        for (Task<?> task : batch) {
          task.sequence = ++lastSequence;
          task.runIn(c, alone);
        }
        visibleUpTo = lastSequence;
      } catch (SQLException | RuntimeException | Error e) {
        try {
          c.rollback();
        } finally {
          c.setAutoCommit(true);
        }
        throw e;
      }
      commit(c);
    } catch (SQLException e) {
      var failure = SqlFailures.classify(e);
      batch.forEach(t -> t.fail(failure));
      return false;
    }
    return true;
  }

  /**
   * Commits by leaving manual-commit mode. The driver's {@code commit()} begins the next
   * transaction at once, an IMMEDIATE one that takes the write lock, and leaving the mode
   * afterwards commits that empty one too: a begin and a commit, with their file locks, for nothing
   * on every batch.
   */
  private static void commit(Connection c) throws SQLException {
    try {
      c.setAutoCommit(true);
    } catch (SQLException e) {
      // The driver counts the connection as in auto-commit mode now, committed or not; whatever
      // is left of the transaction must not go back to the pool with it.
      try (var st = c.createStatement()) {
        st.execute("ROLLBACK");
      } catch (SQLException nothingLeft) {
        e.addSuppressed(nothingLeft);
      }
      throw e;
    }
  }

  private static StoreException closed() {
    return new StoreException.Failed("the metadata store is closed", null);
  }

  /**
   * Refuses new transactions, lets the writer finish the queued ones and a caller the one it runs,
   * then stops the writer.
   */
  @Override
  public void close() {
    synchronized (this) {
      closing = true;
    }
    try {
      writer.join(TimeUnit.SECONDS.toMillis(30));
      // a caller that took the lock before closing was set runs on; one after it sees closing
      if (running.tryLock(30, TimeUnit.SECONDS)) {
        running.unlock();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    queue.forEach(t -> t.fail(closed()));
  }

  /** One caller's transaction, and what became of it. */
  private static final class Task<T> {
    final Work<T> work;
    final CompletableFuture<T> done = new CompletableFuture<>();
    long sequence; // written by whoever runs the batch, before done completes
    T result;
    Throwable failure;

    Task(Work<T> work) {
      this.work = work;
    }

    /**
     * Runs the work. Alone in its batch it needs no savepoint: a failure rolls back the whole
     * transaction, which is just this one.
     */
    void runIn(Connection c, boolean alone) throws SQLException {
      Tx tx = new Tx(c, false);
      if (alone) {
        try {
          result = work.run(tx);
        } catch (RuntimeException e) {
          failure = e;
          c.rollback();
        }
        return;
      }
      Savepoint savepoint = c.setSavepoint();
      try {
        result = work.run(tx);
      } catch (RuntimeException e) {
        failure = e;
        c.rollback(savepoint);
      }
      c.releaseSavepoint(savepoint);
    }

    void publish() {
      if (failure != null) {
        done.completeExceptionally(failure);
      } else {
        done.complete(result);
      }
    }

    void fail(Throwable t) {
      done.completeExceptionally(failure != null ? failure : t);
    }
  }
}
