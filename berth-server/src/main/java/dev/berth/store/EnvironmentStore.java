package dev.berth.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.berth.json.Json;
import dev.berth.model.EnvironmentConfig;
import dev.berth.model.EnvironmentRecord;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Environment records. Every query is scoped by workspace (DESIGN principle 5). */
public final class EnvironmentStore {
  private static final String COLUMNS =
      "id, workspace_id, name, description, config, metadata, scope, archived_at, created_at,"
          + " updated_at";
  private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() {};

  private final Database db;

  public EnvironmentStore(Database db) {
    this.db = db;
  }

  public void insert(EnvironmentRecord e) {
    db.write(
        tx ->
            Sql.updateNullable(
                tx,
                "INSERT INTO environments (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                Arrays.asList(
                    e.id(),
                    e.workspaceId(),
                    e.name(),
                    e.description().orElse(null),
                    Json.write(e.config().toJson()),
                    Json.write(e.metadata()),
                    e.scope(),
                    e.archivedAt().orElse(null),
                    e.createdAt(),
                    e.updatedAt())));
  }

  public Optional<EnvironmentRecord> find(String workspaceId, String id) {
    return db.read(tx -> find(tx, workspaceId, id));
  }

  private static Optional<EnvironmentRecord> find(Tx tx, String workspaceId, String id) {
    return find(tx, workspaceId, id, "");
  }

  /** Reads the row to change it, locked until the transaction ends (see {@link Sql#forUpdate}). */
  private static Optional<EnvironmentRecord> findForChange(Tx tx, String workspaceId, String id) {
    return find(tx, workspaceId, id, Sql.forUpdate(tx));
  }

  private static Optional<EnvironmentRecord> find(
      Tx tx, String workspaceId, String id, String lock) {
    return Sql.one(
        tx,
        "SELECT " + COLUMNS + " FROM environments WHERE workspace_id = ? AND id = ?" + lock,
        List.of(workspaceId, id),
        EnvironmentStore::row);
  }

  /** Newest first; archived environments only when asked for. */
  public Page<EnvironmentRecord> list(
      String workspaceId, boolean includeArchived, PageRequest page) {
    return db.read(
        tx -> {
          List<Object> params = new ArrayList<>();
          params.add(workspaceId);
          String sql = "SELECT " + COLUMNS + " FROM environments WHERE workspace_id = ?";
          if (!includeArchived) {
            sql += " AND archived_at IS NULL";
          }
          return Keyset.newestFirst(
              tx, page, sql, params, EnvironmentStore::row, EnvironmentRecord::id);
        });
  }

  /**
   * Replaces an environment with {@code change} applied to it, in one transaction; a change that
   * throws writes nothing. Empty when there is no such environment.
   */
  public Optional<EnvironmentRecord> update(
      String workspaceId, String id, UnaryOperator<EnvironmentRecord> change) {
    return db.write(
        tx -> {
          Optional<EnvironmentRecord> current = findForChange(tx, workspaceId, id);
          if (current.isEmpty()) {
            return current;
          }
          EnvironmentRecord next = change.apply(current.get());
          if (!next.equals(current.get())) {
            Sql.updateNullable(
                tx,
                "UPDATE environments SET name = ?, description = ?, config = ?, metadata = ?, scope"
                    + " = ?, archived_at = ?, updated_at = ? WHERE workspace_id = ? AND id = ?",
                Arrays.asList(
                    next.name(),
                    next.description().orElse(null),
                    Json.write(next.config().toJson()),
                    Json.write(next.metadata()),
                    next.scope(),
                    next.archivedAt().orElse(null),
                    next.updatedAt(),
                    workspaceId,
                    id));
          }
          return Optional.of(next);
        });
  }

  /** Deletes an environment; returns it if it existed. */
  public Optional<EnvironmentRecord> delete(String workspaceId, String id) {
    return db.write(
        tx -> {
          Optional<EnvironmentRecord> e = findForChange(tx, workspaceId, id);
          if (e.isPresent()) {
            Sql.update(
                tx, "DELETE FROM environments WHERE workspace_id = ? AND id = ?", workspaceId, id);
          }
          return e;
        });
  }

  static EnvironmentRecord row(ResultSet rs) throws SQLException {
    Map<String, String> metadata =
        Json.MAPPER.convertValue(Json.parse(rs.getString("metadata")), MAP);
    return new EnvironmentRecord(
        rs.getString("id"),
        rs.getString("workspace_id"),
        rs.getString("name"),
        Optional.ofNullable(rs.getString("description")),
        EnvironmentConfig.parse(Json.parse(rs.getString("config")), "config"),
        metadata,
        rs.getString("scope"),
        Optional.ofNullable(rs.getString("archived_at")),
        rs.getString("created_at"),
        rs.getString("updated_at"));
  }
}
