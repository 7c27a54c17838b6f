package dev.berth.domain;

import dev.berth.store.Database;
import dev.berth.store.Jdbc;
import java.sql.PreparedStatement;

/** A bare session row, for tests of the domain below the session service. */
final class SessionRows {
  private SessionRows() {}

  static void insert(Database db, String sessionId, String workspaceId) {
    db.write(
        tx ->
            Jdbc.on(
                tx,
                c -> {
                  try (PreparedStatement st =
                      c.prepareStatement(
                          "INSERT INTO sessions (id, workspace_id, agent_id, agent_version, agent,"
                              + " environment_id, metadata, vault_ids, status, created_at, updated_at)"
                              + " VALUES (?, ?, 'agent_x', 1, '{}', 'env_x', '{}', '[]', 'idle', ?, ?)")) {
                    st.setString(1, sessionId);
                    st.setString(2, workspaceId);
                    st.setString(3, Timestamps.now());
                    st.setString(4, Timestamps.now());
                    return st.executeUpdate();
                  }
                }));
  }
}
