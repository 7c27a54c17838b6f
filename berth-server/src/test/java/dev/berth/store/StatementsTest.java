package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Statements kept per SQLite connection behave like fresh ones: same results, same transaction, a
 * nested use of the same SQL gets its own, and a failed use is not kept.
 */
class StatementsTest {
  private static final String SELECT = "SELECT name FROM t WHERE n = ?";

  @TempDir Path dir;
  Database db;

  @BeforeEach
  void open() {
    db = Database.sqlite(dir);
    db.write(tx -> Sql.update(tx, "CREATE TABLE t (n INTEGER PRIMARY KEY, name TEXT NOT NULL)"));
    db.write(tx -> Sql.update(tx, "INSERT INTO t VALUES (1, 'one'), (2, 'two')"));
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aStatementUsedWellIsKeptAndGivesFreshResults() {
    List<Object> seen =
        db.read(
            tx -> {
              PreparedStatement first = Jdbc.on(tx, StatementsTest::leaseAndKeep);
              PreparedStatement second = Jdbc.on(tx, StatementsTest::leaseAndKeep);
              assertThat(second).isSameAs(first);
              return List.of(
                  Sql.one(tx, SELECT, List.of(1), rs -> rs.getString(1)).orElseThrow(),
                  Sql.one(tx, SELECT, List.of(2), rs -> rs.getString(1)).orElseThrow(),
                  Sql.one(tx, SELECT, List.of(3), rs -> rs.getString(1)).isEmpty());
            });
    assertThat(seen).containsExactly("one", "two", true);
  }

  private static PreparedStatement leaseAndKeep(java.sql.Connection c) throws SQLException {
    try (var lease = Statements.prepare(c, SELECT)) {
      lease.reusable();
      return lease.statement();
    }
  }

  @Test
  void theSameSqlRunFromInsideItsOwnRowsGetsAStatementOfItsOwn() {
    List<String> pairs =
        db.read(
            tx ->
                Sql.list(
                    tx,
                    "SELECT n FROM t ORDER BY n",
                    List.of(),
                    rs ->
                        rs.getInt(1)
                            + "="
                            + Sql.one(
                                    tx,
                                    "SELECT n FROM t ORDER BY n",
                                    List.of(),
                                    inner -> inner.getInt(1))
                                .orElseThrow()));
    assertThat(pairs).containsExactly("1=1", "2=1");
  }

  @Test
  void aFailedUseIsClosedNotKept() {
    PreparedStatement failed =
        db.read(
            tx -> {
              try (var lease = Statements.prepare(tx.connection(), "INSERT INTO t VALUES (?, ?)")) {
                lease.statement().setInt(1, 1);
                lease.statement().setString(2, "again");
                assertThatThrownBy(lease.statement()::executeUpdate)
                    .isInstanceOf(SQLException.class);
                return lease.statement();
              } catch (SQLException e) {
                throw new AssertionError(e);
              }
            });
    boolean closed = db.read(tx -> Jdbc.on(tx, c -> failed.isClosed()));
    assertThat(closed).isTrue();
    int inserted = db.read(tx -> Sql.update(tx, "INSERT INTO t VALUES (?, ?)", 3, "three"));
    assertThat(inserted).isEqualTo(1);
  }

  @Test
  void keptStatementsRunInTheCallersTransaction() {
    String update = "UPDATE t SET name = ? WHERE n = ?";
    db.write(tx -> Sql.update(tx, update, "uno", 1)); // now kept on the writer's connection
    assertThatThrownBy(
            () ->
                db.write(
                    tx -> {
                      Sql.update(tx, update, "eins", 1);
                      throw new IllegalStateException("roll it back");
                    }))
        .hasMessage("roll it back");
    Optional<String> name = db.read(tx -> Sql.one(tx, SELECT, List.of(1), rs -> rs.getString(1)));
    assertThat(name).contains("uno");
  }

  @Test
  void manyDistinctStatementsStayBounded() {
    int kept =
        db.read(
            tx -> {
              for (int i = 0; i < 500; i++) {
                assertThat(Sql.one(tx, "SELECT " + i, List.of(), rs -> rs.getInt(1))).contains(i);
              }
              return Jdbc.on(tx, Statements::kept);
            });
    assertThat(kept).as("the most a connection keeps").isEqualTo(128);
  }
}
