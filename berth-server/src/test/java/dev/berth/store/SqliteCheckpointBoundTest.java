package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQLite's automatic checkpoint is a per-connection setting: every connection the pool hands out
 * must leave a log below {@link Database#LOG_PAGES_BEFORE_CHECKPOINT} pages to the background pass
 * rather than fold it back inside a request's commit.
 */
class SqliteCheckpointBoundTest {
  @TempDir Path dataDir;

  @Test
  void everyPooledConnectionFoldsTheLogBackOnlyPastTheRaisedBound() throws Exception {
    List<Integer> bounds = new ArrayList<>();
    try (Database db = Database.sqlite(dataDir);
        ExecutorService readers = Executors.newFixedThreadPool(Database.SQLITE_CONNECTIONS)) {
      // Each read holds its connection until all of them hold one: eight different connections.
      var allInside = new CountDownLatch(Database.SQLITE_CONNECTIONS);
      List<Future<Integer>> asked = new ArrayList<>();
      for (int i = 0; i < Database.SQLITE_CONNECTIONS; i++) {
        asked.add(readers.submit(() -> db.read(tx -> boundOnceAllHoldOne(tx, allInside))));
      }
      for (Future<Integer> bound : asked) {
        bounds.add(bound.get(60, TimeUnit.SECONDS));
      }
    }
    assertThat(bounds)
        .hasSize(Database.SQLITE_CONNECTIONS)
        .containsOnly(Database.LOG_PAGES_BEFORE_CHECKPOINT)
        .allSatisfy(bound -> assertThat(bound).isGreaterThan(1_000)); // SQLite's default
  }

  private static int boundOnceAllHoldOne(Tx tx, CountDownLatch allInside) {
    allInside.countDown();
    try {
      assertThat(allInside.await(60, TimeUnit.SECONDS)).isTrue();
      try (var st = tx.connection().createStatement();
          var rs = st.executeQuery("PRAGMA wal_autocheckpoint")) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
