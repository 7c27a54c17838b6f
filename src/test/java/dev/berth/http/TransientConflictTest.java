package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.config.BerthConfig;
import dev.berth.config.BerthConfig.Shared;
import dev.berth.store.Database;
import dev.berth.testing.Postgres;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two PostgreSQL transactions that lock the same rows in opposite orders: the database rolls one
 * back, and that one is answered as a retryable 503, not as a server fault.
 */
class TransientConflictTest {
  @TempDir Path dataDir;

  @Test
  void aDeadlockVictimIsATransientConflict() throws Exception {
    String name = Postgres.createDatabase();
    try (Database db =
        Database.open(
            BerthConfig.defaults(dataDir, 0)
                .withShared(
                    new Shared(
                        Optional.of(Postgres.url(name)),
                        Optional.empty(),
                        BerthConfig.DEFAULT_LEASE_SECONDS)))) {
      db.write(
          c -> {
            try (var st = c.createStatement()) {
              st.execute(
                  "INSERT INTO workspaces (id, name, created_at) VALUES"
                      + " ('w1', 'one', 'now'), ('w2', 'two', 'now')");
            }
            return null;
          });
      var bothHoldOne = new CyclicBarrier(2);
      var threads = Executors.newVirtualThreadPerTaskExecutor();
      var first =
          CompletableFuture.runAsync(() -> lockInOrder(db, bothHoldOne, "w1", "w2"), threads);
      var second =
          CompletableFuture.runAsync(() -> lockInOrder(db, bothHoldOne, "w2", "w1"), threads);

      List<Throwable> failures = new java.util.ArrayList<>();
      for (var f : List.of(first, second)) {
        try {
          f.join();
        } catch (java.util.concurrent.CompletionException e) {
          failures.add(e.getCause());
        }
      }

      threads.close();
      assertThat(failures).hasSize(1);
      assertThat(failures.getFirst()).isInstanceOf(Database.StoreFailure.class);
      assertThat(ErrorMapper.isTransientConflict((Database.StoreFailure) failures.getFirst()))
          .isTrue();
    } finally {
      Postgres.dropDatabase(name);
    }
  }

  @Test
  void serializationFailuresAndDeadlocksAnywhereInTheCausesAreTransientConflicts() {
    var serialization = new Database.StoreFailure("x", new SQLException("ser", "40001"));
    var wrapped =
        new Database.StoreFailure("x", new RuntimeException(new SQLException("dl", "40P01")));

    assertThat(ErrorMapper.isTransientConflict(serialization)).isTrue();
    assertThat(ErrorMapper.isTransientConflict(wrapped)).isTrue();
  }

  @Test
  void otherStoreFailuresAreNot() {
    var unique = new Database.StoreFailure("x", new SQLException("dup", "23505"));
    var connection = new Database.StoreFailure("x", new SQLException("gone", "08006"));
    var noState = new Database.StoreFailure("x", new SQLException("no state"));
    var noCause = new Database.StoreFailure("the metadata store is closed", null);

    assertThat(ErrorMapper.isTransientConflict(unique)).isFalse();
    assertThat(ErrorMapper.isTransientConflict(connection)).isFalse();
    assertThat(ErrorMapper.isTransientConflict(noState)).isFalse();
    assertThat(ErrorMapper.isTransientConflict(noCause)).isFalse();
  }

  private static void lockInOrder(
      Database db, CyclicBarrier bothHoldOne, String firstId, String secondId) {
    db.write(
        c -> {
          lock(c, firstId);
          try {
            bothHoldOne.await();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          lock(c, secondId);
          return null;
        });
  }

  private static void lock(java.sql.Connection c, String id) throws SQLException {
    try (var st = c.prepareStatement("UPDATE workspaces SET name = name WHERE id = ?")) {
      st.setString(1, id);
      st.executeUpdate();
    }
  }
}
