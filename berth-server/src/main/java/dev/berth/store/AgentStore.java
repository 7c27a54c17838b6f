package dev.berth.store;

import dev.berth.json.Json;
import dev.berth.model.AgentDefinition;
import dev.berth.model.AgentRecord;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Agents and their versions: one {@code agents} row holds the latest version number and the
 * agent-wide state (archiving, timestamps); one {@code agent_versions} row per version holds what
 * that version says. Every query is scoped by workspace (DESIGN principle 5).
 */
public final class AgentStore {
  /** One version joined with its agent; the latest version takes the agent's updated_at. */
  private static final String SELECT =
      "SELECT a.id AS id, a.workspace_id AS workspace_id, v.version AS version,"
          + " a.archived_at AS archived_at, a.created_at AS created_at,"
          + " CASE WHEN v.version = a.version THEN a.updated_at ELSE v.created_at END"
          + " AS updated_at, v.body AS body"
          + " FROM agents a JOIN agent_versions v ON v.agent_id = a.id";

  private final Database db;

  public AgentStore(Database db) {
    this.db = db;
  }

  /** Inserts a new agent and its first version. */
  public void insert(AgentRecord a) {
    db.write(
        tx -> {
          Sql.updateNullable(
              tx,
              "INSERT INTO agents (id, workspace_id, version, archived_at, created_at, updated_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?)",
              Arrays.asList(
                  a.id(),
                  a.workspaceId(),
                  a.version(),
                  a.archivedAt().orElse(null),
                  a.createdAt(),
                  a.updatedAt()));
          insertVersion(tx, a);
          return null;
        });
  }

  /** The latest version. */
  public Optional<AgentRecord> find(String workspaceId, String id) {
    return db.read(tx -> find(tx, workspaceId, id));
  }

  private static Optional<AgentRecord> find(Tx tx, String workspaceId, String id) {
    return Sql.one(
        tx,
        SELECT + " AND v.version = a.version WHERE a.workspace_id = ? AND a.id = ?",
        List.of(workspaceId, id),
        AgentStore::row);
  }

  public Optional<AgentRecord> findVersion(String workspaceId, String id, int version) {
    return db.read(
        tx ->
            Sql.one(
                tx,
                SELECT + " WHERE a.workspace_id = ? AND a.id = ? AND v.version = ?",
                List.of(workspaceId, id, version),
                AgentStore::row));
  }

  /** Latest versions, newest agent first; bounds are inclusive, in the stored timestamp form. */
  public Page<AgentRecord> list(
      String workspaceId,
      boolean includeArchived,
      Optional<String> createdFrom,
      Optional<String> createdTo,
      PageRequest page) {
    return db.read(
        tx -> {
          List<Object> params = new ArrayList<>();
          params.add(workspaceId);
          String sql = SELECT + " AND v.version = a.version WHERE a.workspace_id = ?";
          if (!includeArchived) {
            sql += " AND a.archived_at IS NULL";
          }
          sql += Sql.createdBetween("a.created_at", createdFrom, createdTo, params);
          return Keyset.newestFirst(tx, page, sql, params, AgentStore::row, AgentRecord::id);
        });
  }

  /** A page position in a list of versions: {@code v<number>}. */
  public static String versionPosition(int version) {
    return "v" + version;
  }

  /** The version number of a position, or empty when it is not one. */
  public static Optional<Integer> parseVersionPosition(String position) {
    if (!position.matches("v[0-9]{1,9}")) {
      return Optional.empty();
    }
    return Optional.of(Integer.parseInt(position.substring(1)));
  }

  /**
   * Every version of one agent, newest first. The page position is a {@link #versionPosition},
   * which the caller has checked.
   */
  public Page<AgentRecord> listVersions(String workspaceId, String id, PageRequest page) {
    return db.read(
        tx -> {
          List<Object> params = new ArrayList<>(List.of(workspaceId, id));
          String sql = SELECT + " WHERE a.workspace_id = ? AND a.id = ?";
          boolean descending = !page.backward();
          if (page.after().isPresent()) {
            sql += descending ? " AND v.version < ?" : " AND v.version > ?";
            params.add(parseVersionPosition(page.after().get()).orElseThrow());
          }
          sql +=
              " ORDER BY v.version "
                  + (descending ? "DESC" : "ASC")
                  + " LIMIT "
                  + (page.limit() + 1);
          return Keyset.page(
              page,
              Sql.list(tx, sql, params, AgentStore::row),
              a -> versionPosition(a.version()),
              false);
        });
  }

  /**
   * Makes {@code next} the latest version if the latest is still {@code expectedVersion}; false
   * when another update got there first.
   */
  public boolean replace(AgentRecord next, int expectedVersion) {
    return db.write(
        tx -> {
          int changed =
              Sql.update(
                  tx,
                  "UPDATE agents SET version = ?, updated_at = ?"
                      + " WHERE workspace_id = ? AND id = ? AND version = ?",
                  next.version(),
                  next.updatedAt(),
                  next.workspaceId(),
                  next.id(),
                  expectedVersion);
          if (changed == 0) {
            return false;
          }
          insertVersion(tx, next);
          return true;
        });
  }

  /** Sets {@code archived_at} unless already set; returns the latest version, if any. */
  public Optional<AgentRecord> archive(String workspaceId, String id, String now) {
    return db.write(
        tx -> {
          Sql.update(
              tx,
              "UPDATE agents SET archived_at = ?, updated_at = ?"
                  + " WHERE workspace_id = ? AND id = ? AND archived_at IS NULL",
              now,
              now,
              workspaceId,
              id);
          return find(tx, workspaceId, id);
        });
  }

  private static void insertVersion(Tx tx, AgentRecord a) {
    Sql.update(
        tx,
        "INSERT INTO agent_versions (agent_id, version, body, created_at) VALUES (?, ?, ?, ?)",
        a.id(),
        a.version(),
        Json.write(a.definition().toJson()),
        a.updatedAt());
  }

  static AgentRecord row(ResultSet rs) throws SQLException {
    return new AgentRecord(
        rs.getString("id"),
        rs.getString("workspace_id"),
        rs.getInt("version"),
        AgentDefinition.fromJson(Json.parse(rs.getString("body"))),
        Optional.ofNullable(rs.getString("archived_at")),
        rs.getString("created_at"),
        rs.getString("updated_at"));
  }
}
