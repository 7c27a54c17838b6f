package dev.berth.store;

import dev.berth.model.Caller;
import java.util.List;
import java.util.Optional;

/** Workspaces and the API keys that open them, known by their hashes and ids. */
public final class WorkspaceStore {
  private final Database db;

  public WorkspaceStore(Database db) {
    this.db = db;
  }

  /** The workspace a key of this hash opens, and the key's id. */
  public Optional<Caller> callerForKeyHash(String keyHash) {
    return db.read(
        tx ->
            Sql.one(
                tx,
                "SELECT workspace_id, id FROM api_keys WHERE key_hash = ?",
                List.of(keyHash),
                rs -> new Caller(rs.getString(1), rs.getString(2))));
  }

  public boolean anyKeys() {
    return db.read(
        tx -> Sql.one(tx, "SELECT 1 FROM api_keys LIMIT 1", List.of(), rs -> true).isPresent());
  }

  /**
   * The id of the workspace called {@code name}, creating it with {@code newId} if needed. Nodes
   * starting together may both create it; the unique name keeps the first.
   */
  public String ensureWorkspace(String name, String newId, String now) {
    return db.write(
        tx -> {
          Sql.update(
              tx,
              "INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)"
                  + " ON CONFLICT (name) DO NOTHING",
              newId,
              name,
              now);
          return workspaceNamed(tx, name).orElseThrow();
        });
  }

  /**
   * Records a key hash for a workspace, with {@code newId} as the key's id; a hash already recorded
   * is moved to this workspace and keeps its id.
   */
  public void putKey(String keyHash, String newId, String workspaceId, String now) {
    db.write(
        tx ->
            Sql.update(
                tx,
                "INSERT INTO api_keys (key_hash, id, workspace_id, created_at) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT (key_hash) DO UPDATE SET workspace_id = excluded.workspace_id,"
                    + " created_at = excluded.created_at",
                keyHash,
                newId,
                workspaceId,
                now));
  }

  private static Optional<String> workspaceNamed(Tx tx, String name) {
    return Sql.one(
        tx, "SELECT id FROM workspaces WHERE name = ?", List.of(name), rs -> rs.getString(1));
  }
}
