package dev.berth.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.berth.json.Json;
import dev.berth.model.Actor;
import dev.berth.model.Memory;
import dev.berth.model.MemoryContent;
import dev.berth.model.MemoryEntry;
import dev.berth.model.MemoryOperation;
import dev.berth.model.MemoryPaths;
import dev.berth.model.MemoryRedaction;
import dev.berth.model.MemorySnapshot;
import dev.berth.model.MemoryStoreRecord;
import dev.berth.model.MemoryVersion;
import dev.berth.model.MemoryWrite;
import dev.berth.model.MemoryWriteResult;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;

/**
 * Memory stores, their memories and the versions of those. Every query is scoped by workspace
 * through the store's row (DESIGN principle 5).
 *
 * <p>Design note. A memory's content lives in one place: the version that wrote it; the {@code
 * memories} row says where the memory is (its path) and which version it is at, with that version's
 * digest and size, so a listing never reads content it does not show. Every write to a store's
 * memories first takes the store's row ({@code FOR UPDATE} on PostgreSQL; SQLite has one writer),
 * so the writes of one store are serialised on every node: the checks a write makes (the
 * precondition, no other memory at, above or below its path) hold until it commits, and the store's
 * {@code revision} gives each version the next number, which is the order they happened in.
 * Redaction takes the row too, so the version it erases cannot meanwhile become current.
 *
 * <p>Paths compare byte by byte on both databases, so a directory's memories are one range of the
 * unique {@code (store_id, path)} index ({@link MemoryPaths#subtreeEnd}): listing by directory and
 * finding a memory above or below a path are index range scans.
 */
public final class MemoryStoreStore {
  private static final String STORE_COLUMNS =
      "id, workspace_id, name, description, metadata, archived_at, created_at, updated_at";
  private static final String MEMORY_COLUMNS =
      "m.id AS id, m.store_id AS store_id, m.path AS path, m.content_sha256 AS content_sha256,"
          + " m.content_size_bytes AS content_size_bytes, m.version_id AS version_id,"
          + " m.created_at AS created_at, m.updated_at AS updated_at";
  private static final String VERSION_COLUMNS =
      "v.id AS id, v.store_id AS store_id, v.memory_id AS memory_id, v.seq AS seq,"
          + " v.operation AS operation, v.path AS path, v.content_sha256 AS content_sha256,"
          + " v.content_size_bytes AS content_size_bytes, v.actor_kind AS actor_kind,"
          + " v.actor_id AS actor_id, v.created_at AS created_at, v.redacted_at AS redacted_at,"
          + " v.redacted_by_kind AS redacted_by_kind, v.redacted_by_id AS redacted_by_id";

  /** The memories of a store of the caller's workspace. */
  private static final String MEMORIES =
      " FROM memories m JOIN memory_stores s ON s.id = m.store_id"
          + " WHERE s.workspace_id = ? AND m.store_id = ?";

  /** The versions of a store of the caller's workspace. */
  private static final String VERSIONS =
      " FROM memory_versions v JOIN memory_stores s ON s.id = v.store_id"
          + " WHERE s.workspace_id = ? AND v.store_id = ?";

  /**
   * The most rows read at a time while rolling memories up into directories. After a directory is
   * skipped one row is read, as the next is often another directory, and twice as many each time
   * the rows read were all shown, up to this.
   */
  private static final int ROLLUP_BATCH = 16;

  /** Memories whose content one query reads ({@link #contents}). */
  private static final int CONTENT_BATCH = 200;

  private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() {};

  private final Database db;

  public MemoryStoreStore(Database db) {
    this.db = db;
  }

  // Stores.

  public void insertStore(MemoryStoreRecord s) {
    db.write(
        tx ->
            Sql.updateNullable(
                tx,
                "INSERT INTO memory_stores (" + STORE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                Arrays.asList(
                    s.id(),
                    s.workspaceId(),
                    s.name(),
                    s.description(),
                    Json.write(s.metadata()),
                    s.archivedAt().orElse(null),
                    s.createdAt(),
                    s.updatedAt())));
  }

  public Optional<MemoryStoreRecord> findStore(String workspaceId, String id) {
    return db.read(tx -> findStore(tx, workspaceId, id));
  }

  /** A store of the workspace, read inside the caller's transaction. */
  public static Optional<MemoryStoreRecord> findStore(Tx tx, String workspaceId, String id) {
    return findStore(tx, workspaceId, id, "");
  }

  private static Optional<MemoryStoreRecord> findStore(
      Tx tx, String workspaceId, String id, String lock) {
    return Sql.one(
        tx,
        "SELECT " + STORE_COLUMNS + " FROM memory_stores WHERE workspace_id = ? AND id = ?" + lock,
        List.of(workspaceId, id),
        MemoryStoreStore::storeRow);
  }

  /**
   * Reads a store to change it or its memories, holding its row until the transaction ends: the
   * writes of one store take turns (see the class note).
   */
  private static Optional<MemoryStoreRecord> lockStore(Tx tx, String workspaceId, String id) {
    return findStore(tx, workspaceId, id, Sql.forUpdate(tx));
  }

  /** Newest first; archived stores only when asked for; bounds inclusive, as stored. */
  public Page<MemoryStoreRecord> listStores(
      String workspaceId,
      boolean includeArchived,
      Optional<String> createdFrom,
      Optional<String> createdTo,
      PageRequest page) {
    return db.read(
        tx -> {
          List<Object> params = new ArrayList<>(List.of(workspaceId));
          String sql = "SELECT " + STORE_COLUMNS + " FROM memory_stores WHERE workspace_id = ?";
          if (!includeArchived) {
            sql += " AND archived_at IS NULL";
          }
          sql += Sql.createdBetween("created_at", createdFrom, createdTo, params);
          return Keyset.newestFirst(
              tx, page, sql, params, MemoryStoreStore::storeRow, MemoryStoreRecord::id);
        });
  }

  /**
   * Replaces a store's name, description, metadata, archiving and {@code updated_at} with those of
   * {@code change} applied to it, in one transaction; a change that throws writes nothing, and one
   * that returns the store as it was writes nothing either. Empty when there is no such store.
   */
  public Optional<MemoryStoreRecord> updateStore(
      String workspaceId, String id, UnaryOperator<MemoryStoreRecord> change) {
    return db.write(
        tx -> {
          Optional<MemoryStoreRecord> current = lockStore(tx, workspaceId, id);
          if (current.isEmpty()) {
            return current;
          }
          MemoryStoreRecord next = change.apply(current.get());
          if (!next.equals(current.get())) {
            Sql.updateNullable(
                tx,
                "UPDATE memory_stores SET name = ?, description = ?, metadata = ?, archived_at = ?,"
                    + " updated_at = ? WHERE workspace_id = ? AND id = ?",
                Arrays.asList(
                    next.name(),
                    next.description(),
                    Json.write(next.metadata()),
                    next.archivedAt().orElse(null),
                    next.updatedAt(),
                    workspaceId,
                    id));
          }
          return Optional.of(next);
        });
  }

  /**
   * Deletes a store with all its memories and versions; returns it if it existed. On SQLite their
   * bytes are overwritten as for a redaction ({@link #redact}).
   */
  public Optional<MemoryStoreRecord> deleteStore(String workspaceId, String id) {
    Optional<MemoryStoreRecord> gone =
        db.write(
            tx -> {
              Optional<MemoryStoreRecord> found = lockStore(tx, workspaceId, id);
              if (found.isPresent()) {
                Sql.update(tx, "DELETE FROM memories WHERE store_id = ?", id);
                Sql.update(tx, "DELETE FROM memory_versions WHERE store_id = ?", id);
                Sql.update(tx, "DELETE FROM memory_stores WHERE id = ?", id);
              }
              return found;
            });
    if (gone.isPresent()) {
      var unused = db.truncateLogSoon(); // as for a redaction
    }
    return gone;
  }

  /**
   * The store's change marker: how many memory versions it has had written. It grows with every
   * memory created, modified or deleted, and with nothing else. Empty when there is no such store.
   */
  public OptionalLong revision(String workspaceId, String storeId) {
    return db.read(tx -> revision(tx, workspaceId, storeId));
  }

  private static OptionalLong revision(Tx tx, String workspaceId, String storeId) {
    return Sql.one(
            tx,
            "SELECT revision FROM memory_stores WHERE workspace_id = ? AND id = ?",
            List.of(workspaceId, storeId),
            rs -> rs.getLong(1))
        .map(OptionalLong::of)
        .orElse(OptionalLong.empty());
  }

  // Memories.

  /** A memory of a store; its content only when {@code withContent}. */
  public Optional<Memory> findMemory(
      String workspaceId, String storeId, String memoryId, boolean withContent) {
    return db.read(tx -> findMemory(tx, workspaceId, storeId, "m.id", memoryId, withContent));
  }

  /** The memory at {@code path} in a store, if any; its content only when {@code withContent}. */
  public Optional<Memory> findMemoryAtPath(
      String workspaceId, String storeId, String path, boolean withContent) {
    return db.read(tx -> findMemory(tx, workspaceId, storeId, "m.path", path, withContent));
  }

  private static Optional<Memory> findMemory(
      Tx tx, String workspaceId, String storeId, String column, String value, boolean withContent) {
    return Sql.one(
        tx,
        selectMemories(withContent) + " AND " + column + " = ?",
        List.of(workspaceId, storeId, value),
        withContent ? MemoryStoreStore::memoryWithContent : MemoryStoreStore::memoryRow);
  }

  /**
   * Every memory of a store, without content, in path order, and the store's revision read just
   * before them: what a reader needs to bring a copy of the store up to date and to tell later
   * whether it changed since. Empty when there is no such store.
   */
  public Optional<MemorySnapshot> snapshot(String workspaceId, String storeId) {
    return db.read(
        tx -> {
          OptionalLong revision = revision(tx, workspaceId, storeId);
          if (revision.isEmpty()) {
            return Optional.empty();
          }
          List<Memory> memories =
              Sql.list(
                  tx,
                  selectMemories(false) + " ORDER BY m.path",
                  List.of(workspaceId, storeId),
                  MemoryStoreStore::memoryRow);
          return Optional.of(new MemorySnapshot(revision.getAsLong(), memories));
        });
  }

  /**
   * The content of each of the given memories of a store that still exists, by memory id; one query
   * for every {@value #CONTENT_BATCH} of them.
   */
  public Map<String, String> contents(
      String workspaceId, String storeId, java.util.Collection<String> memoryIds) {
    List<String> ids = List.copyOf(memoryIds);
    Map<String, String> out = new LinkedHashMap<>();
    for (int from = 0; from < ids.size(); from += CONTENT_BATCH) {
      List<String> batch = ids.subList(from, Math.min(ids.size(), from + CONTENT_BATCH));
      List<Object> params = new ArrayList<>(List.of(workspaceId, storeId));
      params.addAll(batch);
      db.read(
              tx ->
                  Sql.list(
                      tx,
                      selectMemories(true)
                          + " AND m.id IN ("
                          + String.join(", ", Collections.nCopies(batch.size(), "?"))
                          + ")",
                      params,
                      MemoryStoreStore::memoryWithContent))
          .forEach(m -> out.put(m.id(), m.content().orElseThrow()));
    }
    return out;
  }

  /**
   * A page of the memories under {@code prefix} (a directory, {@code /} for the whole store), in
   * path order. With {@code depth} 0 every memory below the prefix is listed; otherwise those at
   * most {@code depth} segments below it, and each directory {@code depth} segments below that
   * holds deeper ones stands for them once, as a {@link MemoryEntry.Prefix}. The page's position is
   * the last entry's path: a directory's resumes after everything under it. The caller checks that
   * a position given lies under the prefix.
   */
  public Page<MemoryEntry> listMemories(
      String workspaceId,
      String storeId,
      String prefix,
      int depth,
      boolean withContent,
      PageRequest page) {
    return db.read(
        tx -> {
          List<MemoryEntry> rows = new ArrayList<>();
          String end = MemoryPaths.subtreeEnd(prefix);
          // the next path to read from, and whether that path itself is included
          String from = page.after().map(MemoryStoreStore::resumeAt).orElse(prefix);
          boolean inclusive = page.after().map(p -> p.endsWith("/")).orElse(true);
          int wanted = page.limit() + 1;
          boolean more = true;
          int rollup = 1;
          while (rows.size() < wanted && more) {
            int batch = depth == 0 ? wanted - rows.size() : Math.min(wanted - rows.size(), rollup);
            List<Memory> read =
                Sql.list(
                    tx,
                    selectMemories(withContent)
                        + (inclusive ? " AND m.path >= ?" : " AND m.path > ?")
                        + " AND m.path < ? ORDER BY m.path LIMIT "
                        + batch,
                    List.of(workspaceId, storeId, from, end),
                    withContent
                        ? MemoryStoreStore::memoryWithContent
                        : MemoryStoreStore::memoryRow);
            more = read.size() == batch;
            rollup = Math.min(rollup * 2, ROLLUP_BATCH);
            for (Memory m : read) {
              String shown = MemoryPaths.shownAt(prefix, depth, m.path());
              if (shown.equals(m.path())) {
                rows.add(m);
                from = m.path();
                inclusive = false;
              } else {
                rows.add(new MemoryEntry.Prefix(shown));
                from = MemoryPaths.subtreeEnd(shown);
                inclusive = true;
                more = true; // read again from past the directory
                rollup = 1;
                break;
              }
              if (rows.size() == wanted) {
                break;
              }
            }
          }
          return Keyset.page(page, rows, MemoryEntry::path, false);
        });
  }

  /** Where a listing resumes after the entry at {@code position}. */
  private static String resumeAt(String position) {
    return position.endsWith("/") ? MemoryPaths.subtreeEnd(position) : position;
  }

  private static String selectMemories(boolean withContent) {
    return withContent
        ? "SELECT "
            + MEMORY_COLUMNS
            + ", v.content AS content FROM memories m"
            + " JOIN memory_stores s ON s.id = m.store_id"
            + " JOIN memory_versions v ON v.id = m.version_id"
            + " WHERE s.workspace_id = ? AND m.store_id = ?"
        : "SELECT " + MEMORY_COLUMNS + MEMORIES;
  }

  /**
   * Applies one write to a store's memories inside the caller's transaction, checking its rules
   * there (see {@link MemoryWrite}): the store exists and, unless the write deletes, is not
   * archived; the memory exists; it is not already what was asked for; the precondition holds; no
   * other memory is at, above or below a new path. Then it records the version, with the store's
   * next revision as its {@code seq}, and brings the memory's row in line.
   */
  public static MemoryWriteResult write(Tx tx, MemoryWrite write) {
    Optional<MemoryStoreRecord> store = lockStore(tx, write.workspaceId(), write.storeId());
    if (store.isEmpty()) {
      return new MemoryWriteResult.StoreNotFound();
    }
    return switch (write) {
      case MemoryWrite.Create c -> create(tx, store.get(), c);
      case MemoryWrite.Modify m -> modify(tx, store.get(), m);
      case MemoryWrite.Delete d -> delete(tx, d);
    };
  }

  private static MemoryWriteResult create(Tx tx, MemoryStoreRecord store, MemoryWrite.Create c) {
    if (store.archived()) {
      return new MemoryWriteResult.StoreArchived();
    }
    Optional<MemoryWriteResult> conflict = pathConflict(tx, c.storeId(), c.path(), c.memoryId());
    if (conflict.isPresent()) {
      return conflict.get();
    }
    MemoryVersion version =
        insertVersion(
            tx, c, c.memoryId(), MemoryOperation.CREATED, c.path(), Optional.of(c.content()));
    var memory =
        new Memory(
            c.memoryId(),
            c.storeId(),
            c.path(),
            c.content().sha256(),
            c.content().sizeBytes(),
            version.id(),
            c.now(),
            c.now(),
            Optional.of(c.content().text()));
    Sql.update(
        tx,
        "INSERT INTO memories (id, store_id, path, content_sha256, content_size_bytes, version_id,"
            + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        memory.id(),
        memory.storeId(),
        memory.path(),
        memory.contentSha256(),
        memory.contentSizeBytes(),
        memory.versionId(),
        memory.createdAt(),
        memory.updatedAt());
    return new MemoryWriteResult.Written(memory, version);
  }

  private static MemoryWriteResult modify(Tx tx, MemoryStoreRecord store, MemoryWrite.Modify m) {
    Optional<Memory> found =
        findMemory(tx, m.workspaceId(), m.storeId(), "m.id", m.memoryId(), true);
    if (found.isEmpty()) {
      return new MemoryWriteResult.MemoryNotFound();
    }
    if (store.archived()) {
      return new MemoryWriteResult.StoreArchived();
    }
    Memory current = found.get();
    String path = m.path().orElse(current.path());
    MemoryContent content =
        m.content()
            .orElseGet(
                () ->
                    new MemoryContent(
                        current.content().orElseThrow(),
                        current.contentSha256(),
                        current.contentSizeBytes()));
    if (path.equals(current.path()) && content.sha256().equals(current.contentSha256())) {
      return new MemoryWriteResult.Unchanged(current);
    }
    if (m.expectedSha256().isPresent()
        && !m.expectedSha256().get().equals(current.contentSha256())) {
      return new MemoryWriteResult.PreconditionFailed(current.contentSha256());
    }
    if (!path.equals(current.path())) {
      Optional<MemoryWriteResult> conflict = pathConflict(tx, m.storeId(), path, m.memoryId());
      if (conflict.isPresent()) {
        return conflict.get();
      }
    }
    MemoryVersion version =
        insertVersion(tx, m, m.memoryId(), MemoryOperation.MODIFIED, path, Optional.of(content));
    Sql.update(
        tx,
        "UPDATE memories SET path = ?, content_sha256 = ?, content_size_bytes = ?, version_id = ?,"
            + " updated_at = ? WHERE id = ?",
        path,
        content.sha256(),
        content.sizeBytes(),
        version.id(),
        m.now(),
        m.memoryId());
    return new MemoryWriteResult.Written(
        new Memory(
            current.id(),
            current.storeId(),
            path,
            content.sha256(),
            content.sizeBytes(),
            version.id(),
            current.createdAt(),
            m.now(),
            Optional.of(content.text())),
        version);
  }

  private static MemoryWriteResult delete(Tx tx, MemoryWrite.Delete d) {
    Optional<Memory> found =
        findMemory(tx, d.workspaceId(), d.storeId(), "m.id", d.memoryId(), true);
    if (found.isEmpty()) {
      return new MemoryWriteResult.MemoryNotFound();
    }
    Memory current = found.get();
    if (d.expectedSha256().isPresent()
        && !d.expectedSha256().get().equals(current.contentSha256())) {
      return new MemoryWriteResult.PreconditionFailed(current.contentSha256());
    }
    MemoryVersion version =
        insertVersion(
            tx, d, d.memoryId(), MemoryOperation.DELETED, current.path(), Optional.empty());
    Sql.update(tx, "DELETE FROM memories WHERE id = ?", d.memoryId());
    return new MemoryWriteResult.Written(current, version);
  }

  /**
   * The memory other than {@code memoryId} at {@code path}, or at a path above or below it, if any:
   * a path is a file, so it can neither share its name nor be a directory of another.
   */
  private static Optional<MemoryWriteResult> pathConflict(
      Tx tx, String storeId, String path, String memoryId) {
    // Two index lookups, the paths at and above first, as they sort before those below: one query
    // with both under an OR was planned by SQLite as a walk of every memory of the store.
    List<String> taken = new ArrayList<>(MemoryPaths.ancestors(path));
    taken.add(path);
    List<Object> params = new ArrayList<>(List.of(storeId, memoryId));
    params.addAll(taken);
    Optional<MemoryWriteResult> atOrAbove =
        Sql.one(
            tx,
            "SELECT path, id FROM memories WHERE store_id = ? AND id <> ? AND path IN ("
                + String.join(", ", Collections.nCopies(taken.size(), "?"))
                + ") ORDER BY path LIMIT 1",
            params,
            MemoryStoreStore::pathConflictRow);
    if (atOrAbove.isPresent()) {
      return atOrAbove;
    }
    String below = path + "/";
    return Sql.one(
        tx,
        "SELECT path, id FROM memories WHERE store_id = ? AND id <> ? AND path >= ? AND path < ?"
            + " ORDER BY path LIMIT 1",
        List.of(storeId, memoryId, below, MemoryPaths.subtreeEnd(below)),
        MemoryStoreStore::pathConflictRow);
  }

  private static MemoryWriteResult pathConflictRow(ResultSet rs) throws SQLException {
    return new MemoryWriteResult.PathConflict(rs.getString(1), rs.getString(2));
  }

  /** Takes the store's next revision and records a version with it. */
  private static MemoryVersion insertVersion(
      Tx tx,
      MemoryWrite write,
      String memoryId,
      MemoryOperation operation,
      String path,
      Optional<MemoryContent> content) {
    Sql.update(
        tx, "UPDATE memory_stores SET revision = revision + 1 WHERE id = ?", write.storeId());
    long seq = revision(tx, write.workspaceId(), write.storeId()).orElseThrow();
    var version =
        new MemoryVersion(
            write.versionId(),
            write.storeId(),
            memoryId,
            seq,
            operation,
            Optional.of(path),
            content.map(MemoryContent::text),
            content.map(MemoryContent::sha256),
            content.map(MemoryContent::sizeBytes),
            write.actor(),
            write.now(),
            Optional.empty(),
            Optional.empty());
    Sql.updateNullable(
        tx,
        "INSERT INTO memory_versions (id, store_id, memory_id, seq, operation, path, content,"
            + " content_sha256, content_size_bytes, actor_kind, actor_id, created_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        Arrays.asList(
            version.id(),
            version.storeId(),
            memoryId,
            seq,
            operation.wire(),
            path,
            version.content().orElse(null),
            version.contentSha256().orElse(null),
            version.contentSizeBytes().orElse(null),
            write.actor().kind(),
            write.actor().id(),
            write.now()));
    return version;
  }

  // Versions.

  /** What a list of versions is narrowed to; every part given must hold. */
  public record VersionFilter(
      Optional<String> memoryId,
      Optional<MemoryOperation> operation,
      Optional<Actor> createdBy,
      Optional<String> createdFrom,
      Optional<String> createdTo) {}

  /** A version of a store; its content only when {@code withContent}. */
  public Optional<MemoryVersion> findVersion(
      String workspaceId, String storeId, String versionId, boolean withContent) {
    return db.read(tx -> findVersion(tx, workspaceId, storeId, versionId, withContent));
  }

  private static Optional<MemoryVersion> findVersion(
      Tx tx, String workspaceId, String storeId, String versionId, boolean withContent) {
    return Sql.one(
        tx,
        selectVersions(withContent) + " AND v.id = ?",
        List.of(workspaceId, storeId, versionId),
        withContent ? MemoryStoreStore::versionWithContent : MemoryStoreStore::versionRow);
  }

  /** A page position in a list of versions: {@code seq<number>}. */
  public static String versionPosition(long seq) {
    return "seq" + seq;
  }

  /** The seq of a position, or empty when it is not one. */
  public static OptionalLong parseVersionPosition(String position) {
    if (!position.matches("seq[0-9]{1,18}")) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Long.parseLong(position.substring(3)));
  }

  /**
   * A page of a store's versions, newest first (by seq, the order they were written in). The page
   * position is a {@link #versionPosition}, which the caller has checked.
   */
  public Page<MemoryVersion> listVersions(
      String workspaceId,
      String storeId,
      VersionFilter filter,
      boolean withContent,
      PageRequest page) {
    return db.read(
        tx -> {
          List<Object> params = new ArrayList<>(List.of(workspaceId, storeId));
          String sql = selectVersions(withContent);
          if (filter.memoryId().isPresent()) {
            sql += " AND v.memory_id = ?";
            params.add(filter.memoryId().get());
          }
          if (filter.operation().isPresent()) {
            sql += " AND v.operation = ?";
            params.add(filter.operation().get().wire());
          }
          if (filter.createdBy().isPresent()) {
            sql += " AND v.actor_kind = ? AND v.actor_id = ?";
            params.add(filter.createdBy().get().kind());
            params.add(filter.createdBy().get().id());
          }
          sql +=
              Sql.createdBetween("v.created_at", filter.createdFrom(), filter.createdTo(), params);
          boolean descending = !page.backward();
          if (page.after().isPresent()) {
            sql += descending ? " AND v.seq < ?" : " AND v.seq > ?";
            params.add(parseVersionPosition(page.after().get()).orElseThrow());
          }
          sql +=
              " ORDER BY v.seq " + (descending ? "DESC" : "ASC") + " LIMIT " + (page.limit() + 1);
          return Keyset.page(
              page,
              Sql.list(
                  tx,
                  sql,
                  params,
                  withContent
                      ? MemoryStoreStore::versionWithContent
                      : MemoryStoreStore::versionRow),
              v -> versionPosition(v.seq()),
              false);
        });
  }

  /**
   * Erases a version's path and content (text, digest and size) and records who redacted it and
   * when; the rest of the version stays as the audit trail. A version already redacted is left as
   * it was. The current version of a live memory is refused: erasing it would erase the memory's
   * content. On SQLite the erased bytes are overwritten in the database file ({@code
   * secure_delete}) and, soon after, in its log ({@link Database#truncateLogSoon}).
   */
  public MemoryRedaction redact(
      String workspaceId, String storeId, String versionId, Actor actor, String now) {
    MemoryRedaction result =
        db.write(tx -> redact(tx, workspaceId, storeId, versionId, actor, now));
    if (result instanceof MemoryRedaction.Redacted) {
      // in the background: it logs its own failure, and the redaction is committed either way
      var unused = db.truncateLogSoon();
    }
    return result;
  }

  private static MemoryRedaction redact(
      Tx tx, String workspaceId, String storeId, String versionId, Actor actor, String now) {
    if (lockStore(tx, workspaceId, storeId).isEmpty()) {
      return new MemoryRedaction.StoreNotFound();
    }
    Optional<MemoryVersion> found = findVersion(tx, workspaceId, storeId, versionId, false);
    if (found.isEmpty()) {
      return new MemoryRedaction.VersionNotFound();
    }
    if (found.get().redacted()) {
      return new MemoryRedaction.Redacted(found.get());
    }
    Optional<String> holder =
        Sql.one(
            tx,
            "SELECT id FROM memories WHERE id = ? AND version_id = ?",
            List.of(found.get().memoryId(), versionId),
            rs -> rs.getString(1));
    if (holder.isPresent()) {
      return new MemoryRedaction.CurrentVersion(holder.get());
    }
    Sql.update(
        tx,
        "UPDATE memory_versions SET path = NULL, content = NULL, content_sha256 = NULL,"
            + " content_size_bytes = NULL, redacted_at = ?, redacted_by_kind = ?,"
            + " redacted_by_id = ? WHERE id = ?",
        now,
        actor.kind(),
        actor.id(),
        versionId);
    return new MemoryRedaction.Redacted(
        findVersion(tx, workspaceId, storeId, versionId, false).orElseThrow());
  }

  private static String selectVersions(boolean withContent) {
    return "SELECT " + VERSION_COLUMNS + (withContent ? ", v.content AS content" : "") + VERSIONS;
  }

  // Rows.

  static MemoryStoreRecord storeRow(ResultSet rs) throws SQLException {
    Map<String, String> metadata =
        Json.MAPPER.convertValue(Json.parse(rs.getString("metadata")), MAP);
    return new MemoryStoreRecord(
        rs.getString("id"),
        rs.getString("workspace_id"),
        rs.getString("name"),
        rs.getString("description"),
        metadata,
        Optional.ofNullable(rs.getString("archived_at")),
        rs.getString("created_at"),
        rs.getString("updated_at"));
  }

  private static Memory memoryRow(ResultSet rs) throws SQLException {
    return memory(rs, Optional.empty());
  }

  private static Memory memoryWithContent(ResultSet rs) throws SQLException {
    return memory(rs, Optional.of(rs.getString("content")));
  }

  private static Memory memory(ResultSet rs, Optional<String> content) throws SQLException {
    return new Memory(
        rs.getString("id"),
        rs.getString("store_id"),
        rs.getString("path"),
        rs.getString("content_sha256"),
        rs.getLong("content_size_bytes"),
        rs.getString("version_id"),
        rs.getString("created_at"),
        rs.getString("updated_at"),
        content);
  }

  private static MemoryVersion versionRow(ResultSet rs) throws SQLException {
    return version(rs, Optional.empty());
  }

  private static MemoryVersion versionWithContent(ResultSet rs) throws SQLException {
    return version(rs, Optional.ofNullable(rs.getString("content")));
  }

  private static MemoryVersion version(ResultSet rs, Optional<String> content) throws SQLException {
    long size = rs.getLong("content_size_bytes");
    Optional<Long> sizeBytes = rs.wasNull() ? Optional.empty() : Optional.of(size);
    String redactedByKind = rs.getString("redacted_by_kind");
    return new MemoryVersion(
        rs.getString("id"),
        rs.getString("store_id"),
        rs.getString("memory_id"),
        rs.getLong("seq"),
        MemoryOperation.parse(rs.getString("operation")).orElseThrow(),
        Optional.ofNullable(rs.getString("path")),
        content,
        Optional.ofNullable(rs.getString("content_sha256")),
        sizeBytes,
        Actor.of(rs.getString("actor_kind"), rs.getString("actor_id")),
        rs.getString("created_at"),
        Optional.ofNullable(rs.getString("redacted_at")),
        redactedByKind == null
            ? Optional.empty()
            : Optional.of(Actor.of(redactedByKind, rs.getString("redacted_by_id"))));
  }
}
