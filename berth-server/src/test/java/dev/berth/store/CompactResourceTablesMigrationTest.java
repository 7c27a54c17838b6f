package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQLite's V9 rebuilds files, session_outputs and session_resources (stored in their primary keys,
 * with fewer indexes): a database made before it opens with every row of the three as it was, and
 * their foreign keys still hold and are still enforced.
 */
class CompactResourceTablesMigrationTest {
  private static final String NOW = "2026-01-01T00:00:00.000000Z";
  private static final String FILES =
      "SELECT id, workspace_id, filename, mime_type, size_bytes, sha256, downloadable,"
          + " scope_session_id, source_file_id, created_at, expires_at FROM files ORDER BY id";
  private static final String OUTPUTS =
      "SELECT session_id, path, file_id, size_bytes, mtime_ns, inode FROM session_outputs"
          + " ORDER BY session_id, path";
  private static final String RESOURCES =
      "SELECT id, session_id, workspace_id, type, file_id, sha256, mount_path, body,"
          + " memory_store_id, secret, created_at, updated_at FROM session_resources ORDER BY id";

  @TempDir Path dir;
  private String url;

  @BeforeEach
  void makeAVersion8DatabaseWithRows() throws SQLException {
    url = "jdbc:sqlite:" + dir.resolve("berth.db");
    Flyway.configure()
        .dataSource(url, null, null)
        .locations("classpath:db/migration/sqlite")
        .target(MigrationVersion.fromVersion("8"))
        .load()
        .migrate();
    try (Connection c = DriverManager.getConnection(url);
        var st = c.createStatement()) {
      st.executeUpdate("PRAGMA foreign_keys = ON");
      st.executeUpdate(
          "INSERT INTO workspaces (id, name, created_at) VALUES ('wrkspc_1', 'kept', '"
              + NOW
              + "')");
      st.executeUpdate(
          "INSERT INTO sessions (id, workspace_id, agent_id, agent_version, agent, environment_id,"
              + " metadata, vault_ids, status, file_count, created_at, updated_at) VALUES"
              + " ('sesn_1', 'wrkspc_1', 'agent_1', 1, '{}', 'env_1', '{}', '[]', 'idle', 1, '"
              + NOW
              + "', '"
              + NOW
              + "')");
      st.executeUpdate(
          "INSERT INTO files (id, workspace_id, filename, mime_type, size_bytes, sha256,"
              + " downloadable, scope_session_id, source_file_id, created_at, expires_at) VALUES"
              + " ('file_1', 'wrkspc_1', 'a.txt', 'text/plain', 5, 'aa', 0, NULL, NULL, '"
              + NOW
              + "', NULL),"
              + " ('file_2', 'wrkspc_1', 'a.txt', 'text/plain', 5, 'aa', 0, 'sesn_1', 'file_1', '"
              + NOW
              + "', NULL),"
              + " ('file_3', 'wrkspc_1', 'out.txt', 'text/plain', 3, 'bb', 1, 'sesn_1', NULL, '"
              + NOW
              + "', '2026-02-01T00:00:00.000000Z')");
      st.executeUpdate(
          "INSERT INTO session_outputs (session_id, path, file_id, size_bytes, mtime_ns, inode)"
              + " VALUES ('sesn_1', 'out.txt', 'file_3', 3, 1700000000000000000, '1:2'),"
              + " ('sesn_1', 'gone.txt', NULL, 4, 1700000000000000001, '1:3')");
      st.executeUpdate(
          "INSERT INTO session_resources (id, session_id, workspace_id, type, file_id, sha256,"
              + " mount_path, body, memory_store_id, secret, created_at, updated_at) VALUES"
              + " ('sesrsc_1', 'sesn_1', 'wrkspc_1', 'file', 'file_2', 'aa',"
              + " '/mnt/session/uploads/file_1', '{}', NULL, NULL, '"
              + NOW
              + "', '"
              + NOW
              + "'),"
              + " ('sesrsc_2', 'sesn_1', 'wrkspc_1', 'github_repository', NULL, NULL,"
              + " '/workspace/repo', '{\"url\":\"https://github.com/o/r\"}', NULL, 'sealed', '"
              + NOW
              + "', '"
              + NOW
              + "'),"
              + " ('sesrsc_3', 'sesn_1', 'wrkspc_1', 'memory_store', NULL, NULL,"
              + " '/mnt/memory/notes', '{\"memory_store_id\":\"memstore_1\"}', 'memstore_1', NULL,"
              + " '"
              + NOW
              + "', '"
              + NOW
              + "')");
    }
  }

  @Test
  void everyRowOfTheRebuiltTablesIsKeptAsItWas() throws SQLException {
    List<List<String>> files = rows(FILES);
    List<List<String>> outputs = rows(OUTPUTS);
    List<List<String>> resources = rows(RESOURCES);

    Database.sqlite(dir).close();

    assertThat(rows(FILES)).hasSize(3).isEqualTo(files);
    assertThat(rows(OUTPUTS)).hasSize(2).isEqualTo(outputs);
    assertThat(rows(RESOURCES)).hasSize(3).isEqualTo(resources);
    assertThat(rows("SELECT name FROM sqlite_schema WHERE name LIKE '%_kept'")).isEmpty();
  }

  @Test
  void theRebuiltTablesForeignKeysHoldAndAreStillEnforced() throws SQLException {
    Database.sqlite(dir).close();

    assertThat(rows("PRAGMA foreign_key_check")).isEmpty();
    assertThat(rows("PRAGMA integrity_check")).containsExactly(List.of("ok"));
    try (Connection c = DriverManager.getConnection(url);
        var st = c.createStatement()) {
      st.executeUpdate("PRAGMA foreign_keys = ON");
      assertThatThrownBy(
              () ->
                  st.executeUpdate(
                      "INSERT INTO session_outputs (session_id, path, file_id, size_bytes,"
                          + " mtime_ns, inode) VALUES ('sesn_1', 'x', 'file_none', 1, 1, '1:4')"))
          .hasMessageContaining("FOREIGN KEY constraint failed");
      assertThatThrownBy(
              () ->
                  st.executeUpdate(
                      "INSERT INTO session_resources (id, session_id, workspace_id, type, body,"
                          + " created_at, updated_at) VALUES ('sesrsc_9', 'sesn_none', 'wrkspc_1',"
                          + " 'file', '{}', '"
                          + NOW
                          + "', '"
                          + NOW
                          + "')"))
          .hasMessageContaining("FOREIGN KEY constraint failed");
      assertThatThrownBy(() -> st.executeUpdate("DELETE FROM files WHERE id = 'file_3'"))
          .as("an output still names it")
          .hasMessageContaining("FOREIGN KEY constraint failed");
    }
  }

  private List<List<String>> rows(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      List<List<String>> out = new ArrayList<>();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          row.add(rs.getString(i));
        }
        out.add(row);
      }
      return out;
    }
  }
}
