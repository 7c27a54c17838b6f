package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.cli.ServeCommand;
import dev.berth.error.StoreException;
import dev.berth.testing.Postgres;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store layer tells the kinds of database failure apart, so nothing above it reads SQLStates.
 */
class SqlFailuresTest {
  @TempDir Path dataDir;

  /**
   * Two PostgreSQL transactions that lock the same rows in opposite orders: the database rolls one
   * back, and that one is a transient conflict (answered as a retryable 503, not a server fault).
   */
  @Test
  void aDeadlockVictimIsATransientConflict() throws Exception {
    String name = Postgres.createDatabase();
    try (Database db =
        Database.open(
            ServeCommand.config(
                List.of("--data-dir", dataDir.toString(), "--database-url", Postgres.url(name)),
                Map.of()))) {
      db.write(
          tx ->
              Sql.update(
                  tx,
                  "INSERT INTO workspaces (id, name, created_at) VALUES"
                      + " ('w1', 'one', 'now'), ('w2', 'two', 'now')"));
      var bothHoldOne = new CyclicBarrier(2);
      List<Throwable> failures = new ArrayList<>();
      try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
        var first =
            CompletableFuture.runAsync(() -> lockInOrder(db, bothHoldOne, "w1", "w2"), threads);
        var second =
            CompletableFuture.runAsync(() -> lockInOrder(db, bothHoldOne, "w2", "w1"), threads);
        for (var f : List.of(first, second)) {
          try {
            f.join();
          } catch (CompletionException e) {
            failures.add(e.getCause());
          }
        }
      }
      assertThat(failures).hasSize(1);
      assertThat(failures.getFirst()).isInstanceOf(StoreException.TransientConflict.class);
    } finally {
      Postgres.dropDatabase(name);
    }
  }

  @Test
  void sqliteFailingToOpenAFileIsUnreachableSoTheClientRetries(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    SQLException cantOpen =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            SQLException.class,
            () ->
                java.sql.DriverManager.getConnection(
                        "jdbc:sqlite:" + dir.resolve("missing").resolve("berth.db"))
                    .close());
    assertThat(cantOpen.getMessage()).contains("SQLITE_CANTOPEN");
    assertThat(SqlFailures.classify(cantOpen)).isInstanceOf(StoreException.Unreachable.class);
  }

  @Test
  void aSerializationFailureIsATransientConflict() {
    assertThat(SqlFailures.classify(new SQLException("ser", "40001")))
        .isInstanceOf(StoreException.TransientConflict.class);
  }

  @Test
  void aDeadlockReportedAsTheCauseOfAnotherFailureIsATransientConflict() {
    var wrapped = new SQLException("batch failed", null, new SQLException("dl", "40P01"));
    assertThat(SqlFailures.classify(wrapped)).isInstanceOf(StoreException.TransientConflict.class);
  }

  @Test
  void aTakenUniqueKeyIsAUniqueConstraintViolationNotATransientConflict() {
    StoreException postgres = SqlFailures.classify(new SQLException("dup", "23505"));
    StoreException sqlite =
        SqlFailures.classify(
            new SQLException("[SQLITE_CONSTRAINT_PRIMARYKEY] A PRIMARY KEY constraint failed"));

    assertThat(List.of(postgres, sqlite))
        .allSatisfy(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        StoreException.ConstraintViolation.class,
                        v -> assertThat(v.isUniqueKey()).isTrue()));
  }

  @Test
  void aBrokenForeignKeyIsAConstraintViolationOfNoUniqueKey() {
    StoreException e = SqlFailures.classify(new SQLException("fk", "23503"));
    assertThat(e)
        .isInstanceOfSatisfying(
            StoreException.ConstraintViolation.class, v -> assertThat(v.isUniqueKey()).isFalse());
  }

  @Test
  void noConnectionInTimeALostConnectionOrAServerShuttingDownIsUnreachable() {
    var timedOut = new SQLTransientConnectionException("pool timed out");
    var lost = new SQLException("I/O error", "08006");
    var shuttingDown = new SQLException("terminating connection", "57P01");

    assertThat(List.of(timedOut, lost, shuttingDown))
        .allSatisfy(
            e ->
                assertThat(SqlFailures.classify(e)).isInstanceOf(StoreException.Unreachable.class));
  }

  @Test
  void anyOtherFailureIsAPlainStoreFailure() {
    var noSuchTable = new SQLException("no such table", "42P01");
    var noState = new SQLException("something broke");

    assertThat(List.of(noSuchTable, noState))
        .allSatisfy(
            e -> assertThat(SqlFailures.classify(e)).isInstanceOf(StoreException.Failed.class));
  }

  private static void lockInOrder(
      Database db, CyclicBarrier bothHoldOne, String firstId, String secondId) {
    db.write(
        tx -> {
          lock(tx, firstId);
          try {
            bothHoldOne.await();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          lock(tx, secondId);
          return null;
        });
  }

  private static void lock(Tx tx, String id) {
    Sql.update(tx, "UPDATE workspaces SET name = name WHERE id = ?", id);
  }
}
