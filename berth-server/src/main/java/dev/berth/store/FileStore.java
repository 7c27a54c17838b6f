package dev.berth.store;

import dev.berth.model.FileRecord;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** File records. Every query is scoped by workspace (DESIGN principle 5). */
public final class FileStore {
  private static final String COLUMNS =
      "id, workspace_id, filename, mime_type, size_bytes, sha256, downloadable,"
          + " scope_session_id, source_file_id, created_at, expires_at";

  private final Database db;

  public FileStore(Database db) {
    this.db = db;
  }

  public void insert(FileRecord f) {
    db.write(
        tx -> {
          insert(tx, f);
          return null;
        });
  }

  /** Inserts inside a caller's transaction. */
  public static void insert(Tx tx, FileRecord f) {
    Sql.updateNullable(
        tx,
        "INSERT INTO files (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        java.util.Arrays.asList(
            f.id(),
            f.workspaceId(),
            f.filename(),
            f.mimeType(),
            f.sizeBytes(),
            f.sha256(),
            f.downloadable(),
            f.scopeSessionId().orElse(null),
            f.sourceFileId().orElse(null),
            f.createdAt(),
            f.expiresAt().orElse(null)));
  }

  public Optional<FileRecord> find(String workspaceId, String id) {
    return db.read(tx -> find(tx, workspaceId, id));
  }

  /**
   * Records a session's copy of the caller's file {@code sourceId}: a new, non-downloadable record
   * scoped to the session that shares the source's blob. Empty, and nothing written, when the
   * source is not the caller's or has expired. The source stays locked until the transaction ends
   * ({@link Sql#forShare}), so a concurrent delete of it cannot collect the blob before the copy
   * pointing at it is committed.
   *
   * @return the blob the copy shares
   */
  public static Optional<String> copyForSession(
      Tx tx, String workspaceId, String sourceId, String copyId, String sessionId, String now) {
    return Sql.one(
        tx,
        "INSERT INTO files ("
            + COLUMNS
            + ") SELECT ?, workspace_id, filename, mime_type, size_bytes, sha256, 0, ?, id, ?, NULL"
            + " FROM files WHERE workspace_id = ? AND id = ?"
            + " AND (expires_at IS NULL OR expires_at > ?)"
            + Sql.forShare(tx)
            + " RETURNING sha256",
        List.of(copyId, sessionId, now, workspaceId, sourceId, now),
        rs -> rs.getString(1));
  }

  public static Optional<FileRecord> find(Tx tx, String workspaceId, String id) {
    return find(tx, workspaceId, id, "");
  }

  /** As {@link #find}, and locks the file until the transaction ends, to delete it. */
  public static Optional<FileRecord> findToDelete(Tx tx, String workspaceId, String id) {
    return find(tx, workspaceId, id, Sql.forUpdate(tx));
  }

  private static Optional<FileRecord> find(Tx tx, String workspaceId, String id, String lock) {
    return Sql.one(
        tx,
        "SELECT " + COLUMNS + " FROM files WHERE workspace_id = ? AND id = ?" + lock,
        List.of(workspaceId, id),
        FileStore::row);
  }

  /** Newest first; {@code scope} empty lists workspace-level files only. */
  public Page<FileRecord> list(String workspaceId, Optional<String> scope, PageRequest page) {
    Keyset.Query query = listQuery(workspaceId, scope, page);
    return db.read(
        tx ->
            Keyset.page(
                page,
                Sql.list(tx, query.sql(), query.params(), FileStore::row),
                FileRecord::id,
                false));
  }

  /** The query of one page of {@link #list}. */
  static Keyset.Query listQuery(String workspaceId, Optional<String> scope, PageRequest page) {
    List<Object> params = new ArrayList<>();
    params.add(workspaceId);
    String sql = "SELECT " + COLUMNS + " FROM files WHERE workspace_id = ?";
    if (scope.isPresent()) {
      sql += " AND scope_session_id = ?";
      params.add(scope.get());
    } else {
      sql += " AND scope_session_id IS NULL";
    }
    return Keyset.newestFirstQuery(page, sql, params);
  }

  /** The listed files that exist, newest first. */
  public List<FileRecord> listByIds(String workspaceId, List<String> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    return db.read(
        tx -> {
          List<Object> params = new ArrayList<>();
          params.add(workspaceId);
          params.addAll(ids);
          String marks = String.join(", ", Collections.nCopies(ids.size(), "?"));
          return Sql.list(
              tx,
              "SELECT "
                  + COLUMNS
                  + " FROM files WHERE workspace_id = ? AND id IN ("
                  + marks
                  + ") ORDER BY id DESC",
              params,
              FileStore::row);
        });
  }

  /**
   * Points a file at new bytes inside a caller's transaction, as when an agent rewrites an output.
   *
   * @return the blob it pointed at before, if the file exists
   */
  public static Optional<String> replaceContent(
      Tx tx, String id, String mimeType, long sizeBytes, String sha256) {
    Optional<String> before =
        Sql.one(tx, "SELECT sha256 FROM files WHERE id = ?", List.of(id), rs -> rs.getString(1));
    if (before.isPresent()) {
      Sql.update(
          tx,
          "UPDATE files SET mime_type = ?, size_bytes = ?, sha256 = ? WHERE id = ?",
          mimeType,
          sizeBytes,
          sha256,
          id);
    }
    return before;
  }

  /**
   * Locks a file record until the transaction ends (in PostgreSQL; SQLite has one writer anyway),
   * so changes that touch a file and the output row pointing at it take them in the same order.
   */
  public static void lock(Tx tx, String id) {
    Sql.list(tx, "SELECT 1 FROM files WHERE id = ?" + Sql.forUpdate(tx), List.of(id), rs -> 1);
  }

  /**
   * Deletes one file record inside a caller's transaction; the blob it pointed at, if it existed.
   */
  public static Optional<String> deleteReturningBlob(Tx tx, String id) {
    return Sql.one(
        tx, "DELETE FROM files WHERE id = ? RETURNING sha256", List.of(id), rs -> rs.getString(1));
  }

  /** Deletes one file record inside a caller's transaction. */
  public static void deleteFile(Tx tx, String id) {
    Sql.update(tx, "DELETE FROM files WHERE id = ?", id);
  }

  /** Deletes every file scoped to a session inside a caller's transaction; returns their blobs. */
  public static List<String> deleteScopedTo(Tx tx, String sessionId) {
    List<String> blobs =
        Sql.list(
            tx,
            "SELECT DISTINCT sha256 FROM files WHERE scope_session_id = ?",
            List.of(sessionId),
            rs -> rs.getString(1));
    Sql.update(tx, "DELETE FROM files WHERE scope_session_id = ?", sessionId);
    return blobs;
  }

  /** Every blob some file record points at. */
  public java.util.Set<String> referencedBlobs() {
    return db.read(
        tx ->
            new java.util.HashSet<>(
                Sql.list(
                    tx, "SELECT DISTINCT sha256 FROM files", List.of(), rs -> rs.getString(1))));
  }

  /** Whether any file record, in any workspace, still points at the blob. */
  public boolean isBlobReferenced(String sha256) {
    return db.read(tx -> isBlobReferenced(tx, sha256));
  }

  /** {@link #isBlobReferenced(String)} inside a caller's transaction. */
  public static boolean isBlobReferenced(Tx tx, String sha256) {
    return Sql.one(tx, "SELECT 1 FROM files WHERE sha256 = ? LIMIT 1", List.of(sha256), rs -> 1)
        .isPresent();
  }

  static FileRecord row(ResultSet rs) throws SQLException {
    return new FileRecord(
        rs.getString("id"),
        rs.getString("workspace_id"),
        rs.getString("filename"),
        rs.getString("mime_type"),
        rs.getLong("size_bytes"),
        rs.getString("sha256"),
        rs.getInt("downloadable") != 0,
        Optional.ofNullable(rs.getString("scope_session_id")),
        Optional.ofNullable(rs.getString("source_file_id")),
        rs.getString("created_at"),
        Optional.ofNullable(rs.getString("expires_at")));
  }
}
