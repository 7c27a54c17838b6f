package dev.berth.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the output catalogue last saw under each session's {@code /mnt/session/outputs}: one row per
 * catalogued path, with the file record it backs and the stat that tells whether it changed. {@code
 * UNIQUE (session_id, path)} keeps two nodes from cataloguing one path twice.
 */
public final class OutputStore {
  private final Database db;

  public OutputStore(Database db) {
    this.db = db;
  }

  /**
   * One catalogued path.
   *
   * @param fileId the file record; empty once it was deleted through the Files API
   */
  public record Row(
      String path, Optional<String> fileId, long sizeBytes, long mtimeNanos, String inode) {}

  /** The workspace of a session that exists. */
  public Optional<String> workspaceOf(String sessionId) {
    return db.read(
        tx ->
            Sql.one(
                tx,
                "SELECT workspace_id FROM sessions WHERE id = ?",
                List.of(sessionId),
                rs -> rs.getString(1)));
  }

  /** The session's rows by path. */
  public Map<String, Row> rows(String sessionId) {
    return db.read(
        tx -> {
          Map<String, Row> out = new HashMap<>();
          for (Row r :
              Sql.list(
                  tx,
                  "SELECT path, file_id, size_bytes, mtime_ns, inode FROM session_outputs"
                      + " WHERE session_id = ?",
                  List.of(sessionId),
                  rs ->
                      new Row(
                          rs.getString(1),
                          Optional.ofNullable(rs.getString(2)),
                          rs.getLong(3),
                          rs.getLong(4),
                          rs.getString(5)))) {
            out.put(r.path(), r);
          }
          return out;
        });
  }

  /** A catalogued path whose file record is live, with the blob holding its bytes. */
  public record Kept(String path, String fileId, String sha256, long mtimeNanos) {}

  /** The session's paths that back a file record (dismissed ones left out), in path order. */
  public List<Kept> kept(String sessionId) {
    return db.read(
        tx ->
            Sql.list(
                tx,
                "SELECT o.path, o.file_id, f.sha256, o.mtime_ns FROM session_outputs o"
                    + " JOIN files f ON f.id = o.file_id WHERE o.session_id = ? ORDER BY o.path",
                List.of(sessionId),
                rs -> new Kept(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4))));
  }

  /**
   * Records the stat of a path's file after it was put back on disk, if the path still backs {@code
   * fileId} or was dismissed meanwhile (it stays dismissed, as the file is unchanged since); false
   * if the row is gone or backs another file.
   */
  public static boolean restat(
      Tx tx,
      String sessionId,
      String fileId,
      String path,
      long size,
      long mtimeNanos,
      String inode) {
    return Sql.update(
            tx,
            "UPDATE session_outputs SET size_bytes = ?, mtime_ns = ?, inode = ?"
                + " WHERE session_id = ? AND path = ? AND (file_id = ? OR file_id IS NULL)",
            size,
            mtimeNanos,
            inode,
            sessionId,
            path,
            fileId)
        == 1;
  }

  /**
   * Whether the session still exists; in PostgreSQL its row is then locked against deletion until
   * the transaction ends, so the rows written next cannot outlive it.
   */
  public static boolean sessionExists(Tx tx, String sessionId) {
    return Sql.one(
            tx,
            "SELECT 1 FROM sessions WHERE id = ?" + Sql.forShare(tx),
            List.of(sessionId),
            rs -> 1)
        .isPresent();
  }

  /** Adds a row; false if the path has one already (another refresh was first). */
  public static boolean insert(Tx tx, String sessionId, Row row) {
    return Sql.updateNullable(
            tx,
            "INSERT INTO session_outputs (session_id, path, file_id, size_bytes, mtime_ns, inode)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, path) DO NOTHING",
            Arrays.asList(
                sessionId,
                row.path(),
                row.fileId().orElse(null),
                row.sizeBytes(),
                row.mtimeNanos(),
                row.inode()))
        == 1;
  }

  /**
   * Replaces the row of {@code row.path()} if it still backs {@code was}; false if it changed since
   * it was read (deleted, or its file record deleted or replaced).
   */
  public static boolean replace(Tx tx, String sessionId, Optional<String> was, Row row) {
    List<Object> args =
        new ArrayList<>(
            Arrays.asList(
                row.fileId().orElse(null),
                row.sizeBytes(),
                row.mtimeNanos(),
                row.inode(),
                sessionId,
                row.path()));
    was.ifPresent(args::add);
    return Sql.updateNullable(
            tx,
            "UPDATE session_outputs SET file_id = ?, size_bytes = ?, mtime_ns = ?, inode = ?"
                + " WHERE session_id = ? AND path = ? AND "
                + (was.isPresent() ? "file_id = ?" : "file_id IS NULL"),
            args)
        == 1;
  }

  /** Deletes the row of a path; the file record it backed, if it still had one. */
  public static Optional<String> delete(Tx tx, String sessionId, String path) {
    return Sql.one(
            tx,
            "DELETE FROM session_outputs WHERE session_id = ? AND path = ? RETURNING file_id",
            List.of(sessionId, path),
            rs -> Optional.ofNullable(rs.getString(1)))
        .flatMap(f -> f);
  }

  /**
   * Unlinks a file record that is being deleted from its path, which stays dismissed until the
   * agent changes the file.
   */
  public static void forget(Tx tx, String fileId) {
    Sql.update(tx, "UPDATE session_outputs SET file_id = NULL WHERE file_id = ?", fileId);
  }

  /** Deletes every row of a session that is being deleted. */
  public static void deleteAll(Tx tx, String sessionId) {
    Sql.update(tx, "DELETE FROM session_outputs WHERE session_id = ?", sessionId);
  }
}
