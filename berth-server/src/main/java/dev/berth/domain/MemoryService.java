package dev.berth.domain;

import dev.berth.error.ApiException;
import dev.berth.model.Actor;
import dev.berth.model.Memory;
import dev.berth.model.MemoryContent;
import dev.berth.model.MemoryEntry;
import dev.berth.model.MemoryOperation;
import dev.berth.model.MemoryPaths;
import dev.berth.model.MemoryRedaction;
import dev.berth.model.MemoryVersion;
import dev.berth.model.MemoryWrite;
import dev.berth.model.MemoryWriteResult;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import dev.berth.store.Database;
import dev.berth.store.MemoryStoreStore;
import java.util.List;
import java.util.Optional;

/**
 * Memories and their versions (the Memory Stores API): paths and contents within their rules,
 * preconditions on a memory's digest, and one immutable version for every create, modify and
 * delete, naming who made it. Each write is one transaction in which the store checks its rules
 * ({@link MemoryStoreStore#write}); this class turns what stopped a write into the API's answer.
 */
public final class MemoryService {
  /** At most this many memories or versions a page when they carry their content. */
  public static final int MAX_FULL_PAGE = 20;

  private final Database db;
  private final MemoryStoreStore stores;

  public MemoryService(Database db, MemoryStoreStore stores) {
    this.db = db;
    this.stores = stores;
  }

  /** What a response shows: {@code basic} leaves content out, {@code full} includes it. */
  public enum View {
    BASIC,
    FULL;

    public static View parse(String value) {
      return switch (value) {
        case "basic" -> BASIC;
        case "full" -> FULL;
        default ->
            throw new ApiException.InvalidRequest(
                "view must be 'basic' or 'full', got '" + value + "'");
      };
    }

    /** The page a list asks for, with {@code full} holding at most {@link #MAX_FULL_PAGE}. */
    public PageRequest cap(PageRequest page) {
      return this == FULL && page.limit() > MAX_FULL_PAGE
          ? new PageRequest(MAX_FULL_PAGE, page.after(), page.backward())
          : page;
    }
  }

  /**
   * The body of an update: a new path, new content, or both; what is empty stays. {@code
   * expectedSha256} is the precondition's digest, when one was given.
   */
  public record UpdateParams(
      Optional<String> path, Optional<String> content, Optional<String> expectedSha256) {}

  /** What a list of versions is narrowed to (see {@link #listVersions}). */
  public record VersionQuery(
      Optional<String> memoryId,
      Optional<String> operation,
      Optional<String> apiKeyId,
      Optional<String> sessionId,
      Optional<String> serviceAccountId,
      Optional<String> createdFrom,
      Optional<String> createdTo) {}

  public Memory create(
      String workspaceId, String storeId, String path, String content, Actor actor) {
    var write =
        new MemoryWrite.Create(
            workspaceId,
            storeId,
            Ids.memory(),
            MemoryPaths.validate(path, "path"),
            MemoryContent.of(content),
            actor,
            Ids.memoryVersion(),
            Timestamps.now());
    return written(db.write(tx -> MemoryStoreStore.write(tx, write)), storeId, write.memoryId());
  }

  public Memory retrieve(String workspaceId, String storeId, String memoryId, View view) {
    requireStore(workspaceId, storeId);
    return stores
        .findMemory(workspaceId, storeId, memoryId, view == View.FULL)
        .orElseThrow(() -> memoryNotFound(storeId, memoryId));
  }

  /**
   * A page of a store's memories under {@code prefix} (the whole store when empty), down to {@code
   * depth} levels (0: every level), in path order.
   */
  public Page<MemoryEntry> list(
      String workspaceId,
      String storeId,
      Optional<String> prefix,
      int depth,
      View view,
      PageRequest page) {
    if (depth < 0) {
      throw new ApiException.InvalidRequest("depth must be 0 or more, got " + depth);
    }
    String under = prefix.map(p -> MemoryPaths.validatePrefix(p, "path_prefix")).orElse("/");
    if (page.after().isPresent() && (page.backward() || !page.after().get().startsWith(under))) {
      throw notThisList();
    }
    requireStore(workspaceId, storeId);
    return stores.listMemories(
        workspaceId, storeId, under, depth, view == View.FULL, view.cap(page));
  }

  public Memory update(
      String workspaceId, String storeId, String memoryId, UpdateParams params, Actor actor) {
    var write =
        new MemoryWrite.Modify(
            workspaceId,
            storeId,
            memoryId,
            params.path().map(p -> MemoryPaths.validate(p, "path")),
            params.content().map(MemoryContent::of),
            params
                .expectedSha256()
                .map(s -> MemoryContent.requireDigest(s, "precondition.content_sha256")),
            actor,
            Ids.memoryVersion(),
            Timestamps.now());
    return written(db.write(tx -> MemoryStoreStore.write(tx, write)), storeId, memoryId);
  }

  /** Deletes a memory; its versions stay, and a new one records the deletion. */
  public Memory delete(
      String workspaceId,
      String storeId,
      String memoryId,
      Optional<String> expectedSha256,
      Actor actor) {
    var write =
        new MemoryWrite.Delete(
            workspaceId,
            storeId,
            memoryId,
            expectedSha256.map(s -> MemoryContent.requireDigest(s, "expected_content_sha256")),
            actor,
            Ids.memoryVersion(),
            Timestamps.now());
    return written(db.write(tx -> MemoryStoreStore.write(tx, write)), storeId, memoryId);
  }

  /** The memory a write left, or the API error for the rule that stopped it. */
  private static Memory written(MemoryWriteResult result, String storeId, String memoryId) {
    return switch (result) {
      case MemoryWriteResult.Written w -> w.memory();
      case MemoryWriteResult.Unchanged u -> u.memory();
      case MemoryWriteResult.StoreNotFound n -> throw MemoryStoreService.notFound(storeId);
      case MemoryWriteResult.MemoryNotFound n -> throw memoryNotFound(storeId, memoryId);
      case MemoryWriteResult.StoreArchived a ->
          throw new ApiException.InvalidRequest(
              "memory store '"
                  + storeId
                  + "' is archived: its memories can be read and deleted, not created or changed");
      case MemoryWriteResult.PreconditionFailed p ->
          throw new ApiException.PreconditionFailed(
              "memory '"
                  + memoryId
                  + "' no longer has the content_sha256 given (its content changed since it was"
                  + " read); retrieve the memory again and retry with its current content_sha256");
      case MemoryWriteResult.PathConflict c ->
          throw new ApiException.PathConflict(
              "path '"
                  + c.path()
                  + "' is taken by memory '"
                  + c.memoryId()
                  + "', whose path is the one asked for or lies above or below it; rename or"
                  + " delete that memory first, or update it instead",
              c.path(),
              c.memoryId());
    };
  }

  /**
   * A page of a store's versions, newest first. Filters on an author Berth never records (a service
   * account), or on two authors at once, match nothing.
   */
  public Page<MemoryVersion> listVersions(
      String workspaceId, String storeId, VersionQuery query, View view, PageRequest page) {
    if (page.after().isPresent() && (page.backward() || !isVersionPosition(page.after().get()))) {
      throw notThisList();
    }
    var operation =
        query
            .operation()
            .map(
                op ->
                    MemoryOperation.parse(op)
                        .orElseThrow(
                            () ->
                                new ApiException.InvalidRequest(
                                    "operation must be 'created', 'modified' or 'deleted', got '"
                                        + op
                                        + "'")));
    requireStore(workspaceId, storeId);
    int authors =
        (query.apiKeyId().isPresent() ? 1 : 0)
            + (query.sessionId().isPresent() ? 1 : 0)
            + (query.serviceAccountId().isPresent() ? 1 : 0);
    if (query.serviceAccountId().isPresent() || authors > 1) {
      return new Page<>(List.of(), Optional.empty(), Optional.empty());
    }
    Optional<Actor> author =
        query
            .apiKeyId()
            .<Actor>map(Actor.ApiKey::new)
            .or(() -> query.sessionId().map(Actor.Session::new));
    return stores.listVersions(
        workspaceId,
        storeId,
        new MemoryStoreStore.VersionFilter(
            query.memoryId(), operation, author, query.createdFrom(), query.createdTo()),
        view == View.FULL,
        view.cap(page));
  }

  /** Whether {@code position} is a place in a list of versions. */
  public static boolean isVersionPosition(String position) {
    return MemoryStoreStore.parseVersionPosition(position).isPresent();
  }

  public MemoryVersion retrieveVersion(
      String workspaceId, String storeId, String versionId, View view) {
    requireStore(workspaceId, storeId);
    return stores
        .findVersion(workspaceId, storeId, versionId, view == View.FULL)
        .orElseThrow(() -> versionNotFound(storeId, versionId));
  }

  /**
   * Redacts a version: its path and content are erased, from the database's files too, and who
   * redacted it is recorded; the version itself stays. The version that holds a memory's current
   * content cannot be redacted (409): change or delete the memory first.
   */
  public MemoryVersion redact(String workspaceId, String storeId, String versionId, Actor actor) {
    MemoryRedaction result =
        stores.redact(workspaceId, storeId, versionId, actor, Timestamps.now());
    return switch (result) {
      case MemoryRedaction.Redacted r -> r.version();
      case MemoryRedaction.StoreNotFound n -> throw MemoryStoreService.notFound(storeId);
      case MemoryRedaction.VersionNotFound n -> throw versionNotFound(storeId, versionId);
      case MemoryRedaction.CurrentVersion c ->
          throw new ApiException.Conflict(
              "memory version '"
                  + versionId
                  + "' holds the current content of memory '"
                  + c.memoryId()
                  + "'; update or delete the memory first, then redact this version");
    };
  }

  private void requireStore(String workspaceId, String storeId) {
    if (stores.findStore(workspaceId, storeId).isEmpty()) {
      throw MemoryStoreService.notFound(storeId);
    }
  }

  private static ApiException notThisList() {
    return new ApiException.InvalidRequest(
        "page is not a cursor of this list; pass next_page unchanged");
  }

  private static ApiException memoryNotFound(String storeId, String memoryId) {
    return new ApiException.NotFound(
        "memory '" + memoryId + "' not found in memory store '" + storeId + "'");
  }

  private static ApiException versionNotFound(String storeId, String versionId) {
    return new ApiException.NotFound(
        "memory version '" + versionId + "' not found in memory store '" + storeId + "'");
  }
}
