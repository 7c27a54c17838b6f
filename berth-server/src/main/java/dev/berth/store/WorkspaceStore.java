package dev.berth.store;

import dev.berth.model.ApiKey;
import dev.berth.model.Caller;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Workspaces and the API keys that open them, known by their hashes and ids. A revoked key stays,
 * marked with when it was revoked, and opens nothing.
 */
public final class WorkspaceStore {
  private final Database db;

  public WorkspaceStore(Database db) {
    this.db = db;
  }

  /** The workspace a key of this hash opens, and the key's id; empty when revoked or unknown. */
  public Optional<Caller> callerForKeyHash(String keyHash) {
    return db.read(
        tx ->
            Sql.one(
                tx,
                "SELECT workspace_id, id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
                List.of(keyHash),
                rs -> new Caller(rs.getString(1), rs.getString(2))));
  }

  /** Whether any key was ever recorded, revoked ones included. */
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
   * is moved to this workspace and keeps its id, and stays revoked if it was.
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

  /** Every key, revoked ones included, oldest first. */
  public List<ApiKey> listKeys() {
    return db.read(
        tx ->
            Sql.list(tx, KEYS + " ORDER BY k.created_at, k.id", List.of(), WorkspaceStore::apiKey));
  }

  /** How many keys open a workspace. */
  public long activeKeys() {
    return db.read(
        tx ->
            Sql.one(
                    tx,
                    "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL",
                    List.of(),
                    rs -> rs.getLong(1))
                .orElse(0L));
  }

  /**
   * Marks the key {@code id} revoked at {@code now}, unless it already is; the key as it is
   * afterwards, or empty when there is no such key.
   */
  public Optional<ApiKey> revokeKey(String id, String now) {
    return db.write(
        tx -> {
          Sql.update(
              tx,
              "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
              now,
              id);
          return Sql.one(tx, KEYS + " WHERE k.id = ?", List.of(id), WorkspaceStore::apiKey);
        });
  }

  private static final String KEYS =
      "SELECT k.id, w.name, k.created_at, k.revoked_at FROM api_keys k"
          + " JOIN workspaces w ON w.id = k.workspace_id";

  private static ApiKey apiKey(ResultSet rs) throws SQLException {
    return new ApiKey(
        rs.getString(1), rs.getString(2), rs.getString(3), Optional.ofNullable(rs.getString(4)));
  }

  private static Optional<String> workspaceNamed(Tx tx, String name) {
    return Sql.one(
        tx, "SELECT id FROM workspaces WHERE name = ?", List.of(name), rs -> rs.getString(1));
  }
}
