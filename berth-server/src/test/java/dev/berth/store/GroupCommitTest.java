package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.error.StoreException;
import dev.berth.testing.Await;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes committed together still behave one by one: each commits or rolls back on its own, and a
 * caller hears of success only once its write is in the database.
 */
class GroupCommitTest {
  @TempDir Path dir;
  Database db;

  @BeforeEach
  void open() {
    db = Database.sqlite(dir);
    db.write(tx -> Sql.update(tx, "CREATE TABLE t (n INTEGER PRIMARY KEY)"));
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aFailingWriteInABatchRollsBackAloneAndTheOthersCommit() throws Exception {
    int writers = 40;
    var outcomes = new ConcurrentHashMap<Integer, String>();
    inOneBatch(writers, n -> outcomes.put(n, attempt(n)));
    for (int n = 0; n < writers; n++) {
      String expected =
          switch (n % 3) {
            case 0 -> "committed";
            case 1 -> "refused";
            default -> "store failure";
          };
      assertThat(outcomes).containsEntry(n, expected);
    }
    assertThat(rows())
        .as("only the writes that succeeded are in the table, each once")
        .containsExactlyElementsOf(
            IntStream.range(0, writers).filter(n -> n % 3 == 0).boxed().toList());
  }

  @Test
  void sequencesFollowTheOrderWritesTakeEffectInAndReadsNeverSeePastTheVisibleOne()
      throws Exception {
    db.write(tx -> Sql.update(tx, "CREATE TABLE log (n INTEGER PRIMARY KEY AUTOINCREMENT, w INT)"));
    int writers = 30;
    var sequences = new ConcurrentHashMap<Integer, Long>();
    inOneBatch(
        writers,
        w ->
            sequences.put(
                w,
                db.writeOrdered(tx -> Sql.update(tx, "INSERT INTO log (w) VALUES (?)", w))
                    .sequence()));
    List<Integer> effectOrder =
        db.read(tx -> Sql.list(tx, "SELECT w FROM log ORDER BY n", List.of(), rs -> rs.getInt(1)));
    assertThat(effectOrder)
        .as("writes ordered by sequence are the writes in the order they took effect")
        .containsExactlyElementsOf(
            sequences.entrySet().stream()
                .sorted(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .toList());
    assertThat(db.visibleSequence()).isGreaterThanOrEqualTo(Collections.max(sequences.values()));
  }

  @Test
  void aWriteCannotStartAnotherWrite() {
    assertThatThrownBy(() -> db.write(tx -> db.write(inner -> 1)))
        .isInstanceOf(IllegalStateException.class);
    int inserted = db.write(tx -> Sql.update(tx, "INSERT INTO t VALUES (7)"));
    assertThat(inserted).isEqualTo(1);
    assertThat(rows()).containsExactly(7);
  }

  @Test
  void writesAfterCloseFailCleanly() {
    db.close();
    assertThatThrownBy(() -> db.write(tx -> Sql.update(tx, "INSERT INTO t VALUES (1)")))
        .isInstanceOf(StoreException.Failed.class);
  }

  @Test
  void aWriteWithNothingQueuedOrRunningRunsOnItsCallersThread() {
    assertThat(writingThread()).isEqualTo(Thread.currentThread().threadId());
  }

  @Test
  void afterWritesOverlapTheNextFewGoToTheWriterBeforeCallersRunTheirOwnAgain() throws Exception {
    inOneBatch(8, n -> db.write(tx -> Sql.update(tx, "INSERT INTO t VALUES (?)", n)));
    long caller = Thread.currentThread().threadId();
    for (int i = 0; i < GroupCommit.QUIET_WRITES; i++) {
      assertThat(writingThread())
          .as("write %d after the overlap shares the writer's commits", i)
          .isNotEqualTo(caller);
    }
    assertThat(writingThread())
        .as("that many came one at a time, so the next runs on its caller")
        .isEqualTo(caller);
  }

  @Test
  void aWriteArrivingWhileOthersAreQueuedDoesNotOvertakeThem() throws Exception {
    db.write(tx -> Sql.update(tx, "CREATE TABLE log (n INTEGER PRIMARY KEY AUTOINCREMENT, w INT)"));
    int queued = 5;
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      CountDownLatch release = holdTheWriter(threads, tx -> null).release();
      List<Future<Long>> early = new ArrayList<>();
      for (int i = 0; i < queued; i++) {
        int w = i;
        early.add(threads.submit(() -> logged(w)));
      }
      awaitQueued(queued);
      Future<Long> late = threads.submit(() -> logged(queued));
      awaitQueued(queued + 1);
      release.countDown();
      long lateSequence = late.get(30, TimeUnit.SECONDS);
      for (Future<Long> f : early) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isLessThan(lateSequence);
      }
    }
    List<Integer> order =
        db.read(tx -> Sql.list(tx, "SELECT w FROM log ORDER BY n", List.of(), rs -> rs.getInt(1)));
    assertThat(order).last().isEqualTo(queued);
  }

  @Test
  void closeWaitsForAWriteRunningOnItsCallerWhichCommits() throws Exception {
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      Held held = holdTheWriter(threads, tx -> Sql.update(tx, "INSERT INTO t VALUES (5)"));
      Thread closer = Thread.ofPlatform().start(db::close);
      Await.until(
          "close waiting",
          Duration.ofSeconds(10),
          () -> closer.getState() == Thread.State.TIMED_WAITING);
      assertThatThrownBy(() -> db.write(tx -> Sql.update(tx, "INSERT INTO t VALUES (6)")))
          .isInstanceOf(StoreException.Failed.class);
      assertThat(closer.isAlive()).as("close waits for the running write").isTrue();
      held.release().countDown();
      assertThat(held.write().get(30, TimeUnit.SECONDS)).isEqualTo(1);
      closer.join(Duration.ofSeconds(30));
      assertThat(closer.isAlive()).isFalse();
    }
    db = Database.sqlite(dir);
    assertThat(rows()).containsExactly(5);
  }

  /** The id of the thread a write ran on. */
  private long writingThread() {
    return db.write(tx -> Thread.currentThread().threadId());
  }

  private long logged(int w) {
    return db.writeOrdered(tx -> Sql.update(tx, "INSERT INTO log (w) VALUES (?)", w)).sequence();
  }

  /**
   * Runs {@code write} for 0 … {@code writers - 1}, each on its own thread, all queued behind a
   * held writer so they run as one batch; returns when all have returned.
   */
  private void inOneBatch(int writers, IntConsumer write) throws Exception {
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      CountDownLatch release = holdTheWriter(threads, tx -> null).release();
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        int n = i;
        all.add(threads.submit(() -> write.accept(n)));
      }
      awaitQueued(writers);
      release.countDown();
      for (Future<?> f : all) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
  }

  /** Waits up to 10 s for {@code writers} writes to be queued behind the held writer. */
  private void awaitQueued(int writers) throws InterruptedException {
    Await.until(
        writers + " writes queued", Duration.ofSeconds(10), () -> db.queuedWrites() >= writers);
  }

  /** A write held running until {@code release} is counted down, and what became of it. */
  private record Held(CountDownLatch release, Future<?> write) {}

  /**
   * Starts a write that waits until the returned latch is counted down, then does {@code then}, so
   * the writes submitted meanwhile queue up and run as one batch.
   */
  private Held holdTheWriter(ExecutorService threads, Database.Work<?> then)
      throws InterruptedException {
    var release = new CountDownLatch(1);
    var running = new CountDownLatch(1);
    Future<?> write =
        threads.submit(
            () ->
                db.write(
                    tx -> {
                      running.countDown();
                      try {
                        release.await();
                      } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                      }
                      return then.run(tx);
                    }));
    running.await();
    return new Held(release, write);
  }

  /** Inserts {@code n}; every third write then fails by the rules, every third in SQL. */
  private String attempt(int n) {
    try {
      db.write(
          tx -> {
            Sql.update(tx, "INSERT INTO t VALUES (?)", n);
            switch (n % 3) {
              case 1 -> throw new IllegalArgumentException("refused");
              case 2 -> {
                Jdbc.on(
                    tx,
                    c -> {
                      try (PreparedStatement st = c.prepareStatement("INSERT INTO t VALUES (?)")) {
                        st.setInt(1, n);
                        return st.executeUpdate(); // the same key again
                      }
                    });
              }
              default -> {}
            }
            return null;
          });
      return "committed";
    } catch (IllegalArgumentException e) {
      return "refused";
    } catch (StoreException.ConstraintViolation e) {
      assertThat(e).hasCauseInstanceOf(SQLException.class);
      return "store failure";
    }
  }

  private List<Integer> rows() {
    return db.read(tx -> Sql.list(tx, "SELECT n FROM t ORDER BY n", List.of(), rs -> rs.getInt(1)));
  }
}
