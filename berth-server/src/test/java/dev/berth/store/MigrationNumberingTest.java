package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Postgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database made by a build from before the migrations were numbered alike on both backends (see
 * {@link RenumberedMigrations}) still opens, keeps its rows, and ends with the history a new
 * database gets.
 */
class MigrationNumberingTest {
  /** SQLite's scripts as they were named then: the output catalogue was version 2. */
  private static final Map<String, String> OLD_SQLITE_NAMES =
      Map.of(
          "V1__initial_schema.sql", "V1__initial_schema.sql",
          "V3__session_outputs.sql", "V2__session_outputs.sql");

  @TempDir Path dir;

  @Test
  void sqliteDatabaseOfTheOldNumberingOpensWithItsRowsAndTheNewHistory() throws Exception {
    Path old = dir.resolve("old-migrations");
    Files.createDirectories(old);
    for (var name : OLD_SQLITE_NAMES.entrySet()) {
      try (InputStream in = resource("db/migration/sqlite/" + name.getKey())) {
        Files.copy(in, old.resolve(name.getValue()));
      }
    }
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    String url = "jdbc:sqlite:" + data.resolve("berth.db");
    Flyway.configure().dataSource(url, null, null).locations("filesystem:" + old).load().migrate();
    insertWorkspace(url);
    assertThat(history(url))
        .containsExactly("1 V1__initial_schema.sql", "2 V2__session_outputs.sql");

    Database.sqlite(data).close();

    assertThat(history(url))
        .containsExactly(
            "1 V1__initial_schema.sql",
            "3 V3__session_outputs.sql",
            "4 V4__repository_tokens.sql",
            "5 V5__memory_stores.sql",
            "6 V6__memory_store_resources.sql",
            "7 V7__revoked_api_keys.sql",
            "8 V8__list_indexes.sql",
            "9 V9__compact_resource_tables.sql");
    assertThat(history(url)).isEqualTo(history(newSqliteDatabase()));
    assertThat(workspaceNames(url)).containsExactly("kept");
  }

  @Test
  void postgresDatabaseOfTheOldNumberingOpensWithItsRowsAndHistoryUnchanged() throws Exception {
    String name = Postgres.createDatabase();
    try {
      String url = Postgres.url(name);
      // PostgreSQL's scripts kept their numbers: the old layout is the current one.
      Flyway.configure()
          .dataSource(url, null, null)
          .locations("classpath:db/migration/postgresql")
          .load()
          .migrate();
      insertWorkspace(url);
      List<String> before = history(url);

      Database.postgres(url).close();

      assertThat(history(url))
          .isEqualTo(before)
          .containsExactly(
              "1 V1__initial_schema.sql",
              "2 V2__session_leases.sql",
              "3 V3__session_outputs.sql",
              "4 V4__repository_tokens.sql",
              "5 V5__memory_stores.sql",
              "6 V6__memory_store_resources.sql",
              "7 V7__revoked_api_keys.sql",
              "8 V8__list_indexes.sql",
              "9 V9__compact_resource_tables.sql");
      assertThat(workspaceNames(url)).containsExactly("kept");
    } finally {
      Postgres.dropDatabase(name);
    }
  }

  private String newSqliteDatabase() {
    Path fresh = dir.resolve("fresh");
    Database.sqlite(fresh).close();
    return "jdbc:sqlite:" + fresh.resolve("berth.db");
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = MigrationNumberingTest.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IOException("no resource " + name);
    }
    return in;
  }

  private static void insertWorkspace(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        var st =
            c.prepareStatement(
                "INSERT INTO workspaces (id, name, created_at) VALUES ('wrkspc_kept', 'kept', ?)")) {
      st.setString(1, "2026-01-01T00:00:00.000000Z");
      st.executeUpdate();
    }
  }

  private static List<String> workspaceNames(String url) throws SQLException {
    return strings(url, "SELECT name FROM workspaces ORDER BY name");
  }

  /** "version script" of every successful migration, in the order they were applied. */
  static List<String> history(String url) throws SQLException {
    return strings(
        url,
        "SELECT version || ' ' || script FROM flyway_schema_history"
            + " WHERE success ORDER BY installed_rank");
  }

  private static List<String> strings(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }
}
