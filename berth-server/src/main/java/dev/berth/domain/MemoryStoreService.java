package dev.berth.domain;

import dev.berth.error.ApiException;
import dev.berth.model.MemoryStoreRecord;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import dev.berth.store.MemoryStoreStore;
import java.util.Map;
import java.util.Optional;

/**
 * Memory stores' own rules (the Memory Stores API): names, descriptions and metadata within their
 * limits, and archiving, which cannot be undone and leaves a store readable but closed to memory
 * writes and to updates. Its memories are {@link MemoryService}'s.
 */
public final class MemoryStoreService {
  static final int MAX_NAME = 255;
  static final int MAX_DESCRIPTION = 1024;

  private final MemoryStoreStore stores;

  public MemoryStoreService(MemoryStoreStore stores) {
    this.stores = stores;
  }

  /** The body of a create: {@code description} absent is empty, {@code metadata} absent none. */
  public record CreateParams(
      String name, Optional<String> description, Map<String, String> metadata) {}

  /**
   * The body of an update: an empty {@code name} or {@code description} keeps the stored one
   * ({@code ""} clears the description); {@code metadata} maps a key to its new value, or to empty
   * to delete it, and keeps the keys it leaves out.
   */
  public record UpdateParams(
      Optional<String> name,
      Optional<String> description,
      Map<String, Optional<String>> metadata) {}

  public MemoryStoreRecord create(String workspaceId, CreateParams params) {
    String now = Timestamps.now();
    var store =
        new MemoryStoreRecord(
            Ids.memoryStore(),
            workspaceId,
            name(params.name()),
            description(params.description().orElse("")),
            Metadata.validate(params.metadata(), null),
            Optional.empty(),
            now,
            now);
    stores.insertStore(store);
    return store;
  }

  public MemoryStoreRecord retrieve(String workspaceId, String storeId) {
    return stores.findStore(workspaceId, storeId).orElseThrow(() -> notFound(storeId));
  }

  public Page<MemoryStoreRecord> list(
      String workspaceId,
      boolean includeArchived,
      Optional<String> createdFrom,
      Optional<String> createdTo,
      PageRequest page) {
    return stores.listStores(workspaceId, includeArchived, createdFrom, createdTo, page);
  }

  /** Applies an update; one that changes nothing returns the store as it was. */
  public MemoryStoreRecord update(String workspaceId, String storeId, UpdateParams params) {
    String now = Timestamps.now();
    return stores
        .updateStore(workspaceId, storeId, current -> apply(current, params, now))
        .orElseThrow(() -> notFound(storeId));
  }

  private static MemoryStoreRecord apply(
      MemoryStoreRecord current, UpdateParams params, String now) {
    if (current.archived()) {
      throw new ApiException.InvalidRequest(
          "memory store '" + current.id() + "' is archived and cannot be updated");
    }
    var next =
        new MemoryStoreRecord(
            current.id(),
            current.workspaceId(),
            params.name().map(MemoryStoreService::name).orElse(current.name()),
            params.description().map(MemoryStoreService::description).orElse(current.description()),
            Metadata.patch(current.metadata(), params.metadata(), null),
            current.archivedAt(),
            current.createdAt(),
            current.updatedAt());
    return next.equals(current) ? current : touched(next, Optional.empty(), now);
  }

  /** Archives a store; archiving again keeps the first {@code archived_at}. */
  public MemoryStoreRecord archive(String workspaceId, String storeId) {
    String now = Timestamps.now();
    return stores
        .updateStore(
            workspaceId, storeId, s -> s.archived() ? s : touched(s, Optional.of(now), now))
        .orElseThrow(() -> notFound(storeId));
  }

  /** Deletes a store with its memories and all their versions. */
  public MemoryStoreRecord delete(String workspaceId, String storeId) {
    return stores.deleteStore(workspaceId, storeId).orElseThrow(() -> notFound(storeId));
  }

  /** {@code s} changed at {@code now}, archived then when {@code archivedAt} says so. */
  private static MemoryStoreRecord touched(
      MemoryStoreRecord s, Optional<String> archivedAt, String now) {
    return new MemoryStoreRecord(
        s.id(),
        s.workspaceId(),
        s.name(),
        s.description(),
        s.metadata(),
        archivedAt.isPresent() ? archivedAt : s.archivedAt(),
        s.createdAt(),
        now);
  }

  static ApiException notFound(String storeId) {
    return new ApiException.NotFound("memory store '" + storeId + "' not found");
  }

  private static String name(String name) {
    int length = name.codePointCount(0, name.length());
    if (length < 1 || length > MAX_NAME) {
      throw new ApiException.InvalidRequest(
          "name must be 1 to " + MAX_NAME + " characters long, got " + length);
    }
    if (name.codePoints().anyMatch(Character::isISOControl)) {
      throw new ApiException.InvalidRequest("name must not contain control characters");
    }
    return name;
  }

  private static String description(String description) {
    int length = description.codePointCount(0, description.length());
    if (length > MAX_DESCRIPTION) {
      throw new ApiException.InvalidRequest(
          "description must be at most " + MAX_DESCRIPTION + " characters long, got " + length);
    }
    return description;
  }
}
