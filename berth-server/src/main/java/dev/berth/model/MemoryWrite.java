package dev.berth.model;

import java.util.Optional;

/**
 * A change to one memory of a store, as the API or an agent's write asks for it: its rules (the
 * store exists and takes writes, the precondition, the path is free) are checked by the store in
 * the transaction that records it, and it becomes one new version written by {@code actor}.
 * Contents and paths come already checked ({@link MemoryContent#of}, {@link MemoryPaths#validate});
 * ids and the time are the caller's.
 */
public sealed interface MemoryWrite {
  String workspaceId();

  String storeId();

  Actor actor();

  /** The id the version this write makes will have. */
  String versionId();

  String now();

  /** A new memory at {@code path}. */
  record Create(
      String workspaceId,
      String storeId,
      String memoryId,
      String path,
      MemoryContent content,
      Actor actor,
      String versionId,
      String now)
      implements MemoryWrite {}

  /**
   * New content, a new path, or both, for memory {@code memoryId}; what is empty stays. {@code
   * expectedSha256}, when given, must be the memory's current digest, unless the memory already is
   * what was asked for.
   */
  record Modify(
      String workspaceId,
      String storeId,
      String memoryId,
      Optional<String> path,
      Optional<MemoryContent> content,
      Optional<String> expectedSha256,
      Actor actor,
      String versionId,
      String now)
      implements MemoryWrite {}

  /** Deletes memory {@code memoryId}; {@code expectedSha256}, when given, must be its digest. */
  record Delete(
      String workspaceId,
      String storeId,
      String memoryId,
      Optional<String> expectedSha256,
      Actor actor,
      String versionId,
      String now)
      implements MemoryWrite {}
}
