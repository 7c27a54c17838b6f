package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Postgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys recorded before keys had ids get one each when the database opens, in the id format
 * ({@code apikey_01} and 22 base62 characters), so what they write can name them.
 */
class ApiKeyIdsMigrationTest {
  private static final String ID = "apikey_01[0-9A-Za-z]{22}";

  @TempDir Path dir;

  @Test
  void sqliteKeysFromBeforeKeyIdsGetDistinctIds() throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("berth.db");
    migrateToVersion3(url, "classpath:db/migration/sqlite");
    insertKeys(url);

    Database.sqlite(dir).close();

    assertThat(keyIds(url)).hasSize(2).allMatch(id -> id.matches(ID)).doesNotHaveDuplicates();
  }

  @Test
  void postgresKeysFromBeforeKeyIdsGetDistinctIds() throws Exception {
    String name = Postgres.createDatabase();
    try {
      String url = Postgres.url(name);
      migrateToVersion3(url, "classpath:db/migration/postgresql");
      insertKeys(url);

      Database.postgres(url).close();

      assertThat(keyIds(url)).hasSize(2).allMatch(id -> id.matches(ID)).doesNotHaveDuplicates();
    } finally {
      Postgres.dropDatabase(name);
    }
  }

  private static void migrateToVersion3(String url, String location) {
    Flyway.configure()
        .dataSource(url, null, null)
        .locations(location)
        .target(MigrationVersion.fromVersion("3"))
        .load()
        .migrate();
  }

  private static void insertKeys(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        var st = c.createStatement()) {
      st.executeUpdate(
          "INSERT INTO workspaces (id, name, created_at)"
              + " VALUES ('wrkspc_kept', 'kept', '2026-01-01T00:00:00.000000Z')");
      for (String hash : List.of("hash-1", "hash-2")) {
        st.executeUpdate(
            "INSERT INTO api_keys (key_hash, workspace_id, created_at) VALUES ('"
                + hash
                + "', 'wrkspc_kept', '2026-01-01T00:00:00.000000Z')");
      }
    }
  }

  private static List<String> keyIds(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        var st = c.createStatement();
        var rs = st.executeQuery("SELECT id FROM api_keys ORDER BY key_hash")) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }
}
