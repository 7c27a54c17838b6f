package dev.berth.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.json.Json;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import dev.berth.model.Session;
import dev.berth.model.SessionFilter;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Session rows. Methods taking a {@link Tx} run inside the caller's transaction. */
public final class SessionStore {
  private static final String COLUMNS =
      "id, workspace_id, agent_id, agent_version, agent, environment_id, title, metadata,"
          + " vault_ids, budget, status, archived_at, created_at, updated_at";

  private final Database db;

  public SessionStore(Database db) {
    this.db = db;
  }

  public static void insert(Tx tx, Session s) {
    Sql.updateNullable(
        tx,
        "INSERT INTO sessions ("
            + COLUMNS
            + ", file_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            + " ?, ?, ?, ?, 0)",
        Arrays.asList(
            s.id(),
            s.workspaceId(),
            s.agentId(),
            s.agentVersion(),
            Json.write(s.agent()),
            s.environmentId(),
            s.title().orElse(null),
            Json.write(s.metadata()),
            Json.write(s.vaultIds()),
            s.budget().map(Json::write).orElse(null),
            s.status(),
            s.archivedAt().orElse(null),
            s.createdAt(),
            s.updatedAt()));
  }

  public static void update(Tx tx, Session s) {
    Sql.updateNullable(
        tx,
        "UPDATE sessions SET title = ?, metadata = ?, agent = ?, budget = ?, archived_at = ?,"
            + " updated_at = ? WHERE id = ?",
        Arrays.asList(
            s.title().orElse(null),
            Json.write(s.metadata()),
            Json.write(s.agent()),
            s.budget().map(Json::write).orElse(null),
            s.archivedAt().orElse(null),
            s.updatedAt(),
            s.id()));
  }

  public Optional<Session> find(String workspaceId, String id) {
    return db.read(tx -> find(tx, workspaceId, id));
  }

  public static Optional<Session> find(Tx tx, String workspaceId, String id) {
    return Sql.one(
        tx,
        "SELECT " + COLUMNS + " FROM sessions WHERE workspace_id = ? AND id = ?",
        List.of(workspaceId, id),
        SessionStore::row);
  }

  /** The rows whose resources may still change: archived and terminated sessions are read-only. */
  private static final String CHANGEABLE = "archived_at IS NULL AND status <> 'terminated'";

  /**
   * As {@link #find}, and locks the session's row until the transaction ends, so that every change
   * to a session or its resources, from any node, happens one at a time and sees the last.
   */
  public static Optional<Session> findForChange(Tx tx, String workspaceId, String id) {
    return Sql.one(
        tx,
        "SELECT "
            + COLUMNS
            + " FROM sessions WHERE workspace_id = ? AND id = ?"
            + Sql.forUpdate(tx),
        List.of(workspaceId, id),
        SessionStore::row);
  }

  /**
   * Takes one more file slot of the caller's session, unless that would pass {@code max} or the
   * session is gone, another workspace's or read-only; false then, and the caller finds out which.
   * The checks and the increment are one statement, so concurrent adds can never exceed the cap; in
   * PostgreSQL the row lock it takes also serialises the session's adds until commit.
   */
  public static boolean takeFileSlot(
      Tx tx, String workspaceId, String sessionId, int max, String now) {
    return Sql.update(
            tx,
            "UPDATE sessions SET file_count = file_count + 1, updated_at = ?"
                + " WHERE id = ? AND workspace_id = ? AND "
                + CHANGEABLE
                + " AND file_count < ?",
            now,
            sessionId,
            workspaceId,
            max)
        == 1;
  }

  /**
   * Gives back {@code slots} file slots of the caller's session after a resource went; false, and
   * nothing changed, when the session is gone, another workspace's or read-only.
   */
  public static boolean releaseFileSlots(
      Tx tx, String workspaceId, String sessionId, int slots, String now) {
    return Sql.update(
            tx,
            "UPDATE sessions SET file_count = file_count - ?, updated_at = ?"
                + " WHERE id = ? AND workspace_id = ? AND "
                + CHANGEABLE,
            slots,
            now,
            sessionId,
            workspaceId)
        == 1;
  }

  public static void delete(Tx tx, String sessionId) {
    Sql.update(tx, "DELETE FROM sessions WHERE id = ?", sessionId);
  }

  public Page<Session> list(String workspaceId, SessionFilter f, PageRequest page) {
    if (f.matchNothing()) {
      return new Page<>(List.of(), Optional.empty(), Optional.empty());
    }
    Keyset.Query query = listQuery(workspaceId, f, page);
    return db.read(
        tx ->
            Keyset.page(
                page,
                Sql.list(tx, query.sql(), query.params(), SessionStore::row),
                Session::id,
                true));
  }

  /** The query of one page of {@link #list}, for a filter that may match something. */
  static Keyset.Query listQuery(String workspaceId, SessionFilter f, PageRequest page) {
    List<Object> params = new ArrayList<>();
    StringBuilder sql =
        new StringBuilder("SELECT " + COLUMNS + " FROM sessions WHERE workspace_id = ?");
    params.add(workspaceId);
    if (!f.includeArchived()) {
      sql.append(" AND archived_at IS NULL");
    }
    f.agentId()
        .ifPresent(
            a -> {
              sql.append(" AND agent_id = ?");
              params.add(a);
              f.agentVersion()
                  .ifPresent(
                      v -> {
                        sql.append(" AND agent_version = ?");
                        params.add(v);
                      });
            });
    f.memoryStoreId()
        .ifPresent(
            m -> {
              sql.append(
                  " AND id IN (SELECT session_id FROM session_resources"
                      + " WHERE memory_store_id = ? AND workspace_id = ?)");
              params.add(m);
              params.add(workspaceId);
            });
    if (!f.statuses().isEmpty()) {
      sql.append(" AND status IN (")
          .append(String.join(", ", Collections.nCopies(f.statuses().size(), "?")))
          .append(")");
      params.addAll(f.statuses());
    }
    bound(sql, params, " AND created_at > ?", f.createdGt());
    bound(sql, params, " AND created_at >= ?", f.createdGte());
    bound(sql, params, " AND created_at < ?", f.createdLt());
    bound(sql, params, " AND created_at <= ?", f.createdLte());
    sql.append(Keyset.where(page, f.descending()));
    page.after().ifPresent(params::add);
    sql.append(Keyset.orderBy(page, f.descending()));
    return new Keyset.Query(sql.toString(), params);
  }

  /** Every session id with its workspace, for start-up reconciliation. */
  public List<String> allIds() {
    return db.read(tx -> Sql.list(tx, "SELECT id FROM sessions", List.of(), rs -> rs.getString(1)));
  }

  /** Whether a session with this id exists, in any workspace. */
  public boolean exists(String id) {
    return !db.read(
            tx ->
                Sql.list(
                    tx, "SELECT 1 FROM sessions WHERE id = ?", List.<Object>of(id), rs -> true))
        .isEmpty();
  }

  private static void bound(
      StringBuilder sql, List<Object> params, String clause, Optional<String> value) {
    value.ifPresent(
        v -> {
          sql.append(clause);
          params.add(v);
        });
  }

  private static Session row(ResultSet rs) throws SQLException {
    String budget = rs.getString("budget");
    return new Session(
        rs.getString("id"),
        rs.getString("workspace_id"),
        rs.getString("agent_id"),
        rs.getInt("agent_version"),
        (ObjectNode) Json.parse(rs.getString("agent")),
        rs.getString("environment_id"),
        Optional.ofNullable(rs.getString("title")),
        Json.read(rs.getString("metadata"), new TypeReference<Map<String, String>>() {}),
        Json.read(rs.getString("vault_ids"), new TypeReference<List<String>>() {}),
        Optional.ofNullable(budget).map(Json::parse),
        rs.getString("status"),
        Optional.ofNullable(rs.getString("archived_at")),
        rs.getString("created_at"),
        rs.getString("updated_at"));
  }
}
