package dev.berth.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Workspaces and the hashes of the API keys that open them. */
public final class WorkspaceStore {
  private final Database db;

  public WorkspaceStore(Database db) {
    this.db = db;
  }

  public Optional<String> workspaceForKeyHash(String keyHash) {
    return db.read(
        c ->
            Sql.one(
                c,
                "SELECT workspace_id FROM api_keys WHERE key_hash = ?",
                List.of(keyHash),
                rs -> rs.getString(1)));
  }

  public boolean anyKeys() {
    return db.read(
        c -> {
          try (var st = c.createStatement();
              var rs = st.executeQuery("SELECT 1 FROM api_keys LIMIT 1")) {
            return rs.next();
          }
        });
  }

  /**
   * The id of the workspace called {@code name}, creating it with {@code newId} if needed. Nodes
   * starting together may both create it; the unique name keeps the first.
   */
  public String ensureWorkspace(String name, String newId, String now) {
    return db.write(
        c -> {
          try (var st =
              c.prepareStatement(
                  "INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)"
                      + " ON CONFLICT (name) DO NOTHING")) {
            st.setString(1, newId);
            st.setString(2, name);
            st.setString(3, now);
            st.executeUpdate();
          }
          return workspaceNamed(c, name).orElseThrow();
        });
  }

  /** Records a key hash for a workspace; a hash already recorded is moved to this workspace. */
  public void putKey(String keyHash, String workspaceId, String now) {
    db.write(
        c -> {
          try (var st =
              c.prepareStatement(
                  "INSERT INTO api_keys (key_hash, workspace_id, created_at) VALUES (?, ?, ?)"
                      + " ON CONFLICT (key_hash) DO UPDATE SET workspace_id = excluded.workspace_id,"
                      + " created_at = excluded.created_at")) {
            st.setString(1, keyHash);
            st.setString(2, workspaceId);
            st.setString(3, now);
            st.executeUpdate();
          }
          return null;
        });
  }

  private static Optional<String> workspaceNamed(Connection c, String name) throws SQLException {
    try (var st = c.prepareStatement("SELECT id FROM workspaces WHERE name = ?")) {
      st.setString(1, name);
      try (var rs = st.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }
}
