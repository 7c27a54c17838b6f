package dev.berth.store;

import dev.berth.json.Json;
import dev.berth.model.MemoryMount;
import dev.berth.model.MountPaths;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import dev.berth.model.Repository;
import dev.berth.model.Resource;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Session resource rows. The UNIQUE (session_id, mount_path) constraint is the last word on a taken
 * path; overlapping paths are found by {@link #overlapping} inside the same transaction, after the
 * session's file slot (and, in PostgreSQL, its row lock) has been taken.
 */
public final class ResourceStore {
  private static final String COLUMNS =
      "id, session_id, type, file_id, sha256, mount_path, body, created_at, updated_at";

  private final Database db;

  public ResourceStore(Database db) {
    this.db = db;
  }

  /**
   * Inserts a resource unless a mount in the session lies at, above or below its path; false, and
   * nothing written, when one does (find it with {@link #overlapping}). The check is part of the
   * INSERT; the UNIQUE (session_id, mount_path) constraint stays the last word for writers racing
   * on the same path, and also answers false. It does so through {@code ON CONFLICT DO NOTHING}
   * rather than a failed statement, which in PostgreSQL would abort the caller's transaction before
   * it could look up the winner.
   */
  public static boolean insert(Tx tx, String workspaceId, Resource r) {
    return insert(tx, workspaceId, r, null);
  }

  /**
   * {@link #insert(Tx, String, Resource)}, with the resource's encrypted token ({@code secret},
   * null for none), kept apart from the columns a read returns ({@link #secret}).
   */
  public static boolean insert(Tx tx, String workspaceId, Resource r, String secret) {
    Overlap overlap = Overlap.of(r.sessionId(), r.mountPath());
    List<Object> params = new ArrayList<>();
    Collections.addAll(
        params,
        r.id(),
        r.sessionId(),
        workspaceId,
        r.type(),
        r.fileId(),
        r.sha256(),
        r.mountPath(),
        r.repository()
            .map(repo -> Json.write(repo.toJson()))
            .or(() -> r.memoryStore().map(m -> Json.write(m.toJson())))
            .orElse("{}"),
        r.memoryStore().map(MemoryMount::storeId).orElse(null),
        secret,
        r.createdAt(),
        r.updatedAt());
    params.addAll(overlap.params());
    return Sql.updateNullable(
            tx,
            "INSERT INTO session_resources (id, session_id, workspace_id, type, file_id, sha256,"
                + " mount_path, body, memory_store_id, secret, created_at, updated_at)"
                + " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
                + " WHERE NOT EXISTS (SELECT 1 FROM session_resources WHERE "
                + overlap.atOrAbove()
                + ") AND NOT EXISTS (SELECT 1 FROM session_resources WHERE "
                + overlap.below()
                + ") ON CONFLICT (session_id, mount_path) DO NOTHING",
            params)
        == 1;
  }

  /** A mounted path equal to, above or below {@code path} in the session, if any. */
  public static Optional<Resource> overlapping(Tx tx, String sessionId, String path) {
    Overlap overlap = Overlap.of(sessionId, path);
    return Sql.one(
        tx,
        "SELECT "
            + COLUMNS
            + " FROM session_resources WHERE "
            + overlap.atOrAbove()
            + " UNION ALL SELECT "
            + COLUMNS
            + " FROM session_resources WHERE "
            + overlap.below()
            + " LIMIT 1",
        overlap.params(),
        ResourceStore::row);
  }

  /**
   * The conditions matching a session's mounts at or above a path ({@code atOrAbove}) and below it
   * ({@code below}), with their parameters. Each is asked on its own, as one search of the UNIQUE
   * (session_id, mount_path) index: joined by OR under one {@code session_id = ?}, SQLite walked
   * all the session's mounts, so the check cost more the more mounts the session held.
   */
  private record Overlap(
      String atOrAbove, List<Object> atOrAboveParams, String below, List<Object> belowParams) {
    static Overlap of(String sessionId, String path) {
      List<String> ancestors = MountPaths.ancestors(path);
      List<Object> at = new ArrayList<>();
      at.add(sessionId);
      at.add(path);
      at.addAll(ancestors);
      return new Overlap(
          "session_id = ? AND mount_path IN ("
              + String.join(", ", Collections.nCopies(at.size() - 1, "?"))
              + ")",
          at,
          "session_id = ? AND mount_path >= ? AND mount_path < ?",
          // '0' sorts right after '/': the range holds exactly the descendants
          List.of(sessionId, path + "/", path + "0"));
    }

    List<Object> params() {
      List<Object> all = new ArrayList<>(atOrAboveParams);
      all.addAll(belowParams);
      return all;
    }
  }

  /**
   * The resource of {@code sessionId} whose session copy is {@code fileId}, if one is mounted: a
   * search of that session's resources (the primary key on SQLite, the by-session index on
   * PostgreSQL), so no index by file has to be written on every add and delete.
   */
  public static Optional<String> resourceBackedBy(Tx tx, String sessionId, String fileId) {
    return Sql.one(
        tx,
        "SELECT id FROM session_resources WHERE session_id = ? AND file_id = ?",
        List.of(sessionId, fileId),
        rs -> rs.getString(1));
  }

  public static Optional<Resource> find(Tx tx, String sessionId, String id) {
    return Sql.one(
        tx,
        "SELECT " + COLUMNS + " FROM session_resources WHERE session_id = ? AND id = ?",
        List.of(sessionId, id),
        ResourceStore::row);
  }

  public Optional<Resource> find(String sessionId, String id) {
    return db.read(tx -> find(tx, sessionId, id));
  }

  /** Deletes the caller's resource and returns what it was; empty if there was none. */
  public static Optional<Resource> delete(Tx tx, String workspaceId, String sessionId, String id) {
    return Sql.one(
        tx,
        "DELETE FROM session_resources WHERE id = ? AND session_id = ? AND workspace_id = ?"
            + " RETURNING "
            + COLUMNS,
        List.of(id, sessionId, workspaceId),
        ResourceStore::row);
  }

  /** The encrypted token of a resource; empty when it has none (or there is no such resource). */
  public static Optional<String> secret(Tx tx, String sessionId, String id) {
    return Sql.one(
            tx,
            "SELECT secret FROM session_resources WHERE session_id = ? AND id = ?",
            List.of(sessionId, id),
            rs -> Optional.ofNullable(rs.getString(1)))
        .flatMap(s -> s);
  }

  public Optional<String> secret(String sessionId, String id) {
    return db.read(tx -> secret(tx, sessionId, id));
  }

  /**
   * Replaces a resource's encrypted token and moves its {@code updated_at}; the resource as it is
   * now, or empty when there is no such resource.
   */
  public static Optional<Resource> replaceSecret(
      Tx tx, String sessionId, String id, String secret, String now) {
    return Sql.one(
        tx,
        "UPDATE session_resources SET secret = ?, updated_at = ? WHERE session_id = ? AND id = ?"
            + " RETURNING "
            + COLUMNS,
        List.of(secret, now, sessionId, id),
        ResourceStore::row);
  }

  public static void deleteAll(Tx tx, String sessionId) {
    Sql.update(tx, "DELETE FROM session_resources WHERE session_id = ?", sessionId);
  }

  /** All of a session's resources in attach order. */
  public static List<Resource> all(Tx tx, String sessionId) {
    return Sql.list(
        tx,
        "SELECT " + COLUMNS + " FROM session_resources WHERE session_id = ? ORDER BY id",
        List.of(sessionId),
        ResourceStore::row);
  }

  public List<Resource> all(String sessionId) {
    return db.read(tx -> all(tx, sessionId));
  }

  /** The resources of several sessions in one query, each session's in attach order. */
  public Map<String, List<Resource>> allOf(List<String> sessionIds) {
    if (sessionIds.isEmpty()) {
      return Map.of();
    }
    return db.read(
        tx -> {
          Map<String, List<Resource>> out = new LinkedHashMap<>();
          String marks = String.join(", ", Collections.nCopies(sessionIds.size(), "?"));
          for (Resource r :
              Sql.list(
                  tx,
                  "SELECT "
                      + COLUMNS
                      + " FROM session_resources WHERE session_id IN ("
                      + marks
                      + ") ORDER BY id",
                  sessionIds,
                  ResourceStore::row)) {
            out.computeIfAbsent(r.sessionId(), k -> new ArrayList<>()).add(r);
          }
          return out;
        });
  }

  /**
   * The file resource mounted at {@code path}, or else one mounted above or below it: what the
   * sandbox must show at that path. One indexed read, whatever the session holds.
   */
  public Optional<Resource> mountAround(String sessionId, String path) {
    return db.read(tx -> overlapping(tx, sessionId, path));
  }

  /** See {@link Database#visibleSequence}. */
  public long visibleSequence() {
    return db.visibleSequence();
  }

  /** What the session's sandbox must hold: mount path → blob. */
  public Map<String, String> mounts(String sessionId) {
    return mounts(all(sessionId));
  }

  /** The file mounts among {@code resources}: mount path → blob. */
  public static Map<String, String> mounts(List<Resource> resources) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Resource r : resources) {
      if (r.isFile()) {
        out.put(r.mountPath(), r.sha256());
      }
    }
    return out;
  }

  /** Attach order (ids sort by creation time). */
  public Page<Resource> list(String sessionId, PageRequest page) {
    return db.read(
        tx -> {
          List<Object> params = new ArrayList<>();
          params.add(sessionId);
          String sql =
              "SELECT "
                  + COLUMNS
                  + " FROM session_resources WHERE session_id = ?"
                  + Keyset.where(page, false);
          page.after().ifPresent(params::add);
          sql += Keyset.orderBy(page, false);
          return Keyset.page(
              page, Sql.list(tx, sql, params, ResourceStore::row), Resource::id, false);
        });
  }

  private static Resource row(ResultSet rs) throws SQLException {
    return new Resource(
        rs.getString("id"),
        rs.getString("session_id"),
        rs.getString("type"),
        rs.getString("file_id"),
        rs.getString("sha256"),
        rs.getString("mount_path"),
        Resource.GITHUB_REPOSITORY.equals(rs.getString("type"))
            ? Optional.of(Repository.fromJson(Json.parse(rs.getString("body"))))
            : Optional.empty(),
        Resource.MEMORY_STORE.equals(rs.getString("type"))
            ? Optional.of(MemoryMount.fromJson(Json.parse(rs.getString("body"))))
            : Optional.empty(),
        rs.getString("created_at"),
        rs.getString("updated_at"));
  }
}
