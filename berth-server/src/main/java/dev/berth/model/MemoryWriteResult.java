package dev.berth.model;

/**
 * How a {@link MemoryWrite} ended. Only {@link Written} changed anything; every other outcome left
 * the store as it was, and says which rule stopped the write.
 */
public sealed interface MemoryWriteResult {
  /**
   * The write made {@code version}. {@code memory} is the memory as it now is, with its content;
   * after a delete, as it was just before.
   */
  record Written(Memory memory, MemoryVersion version) implements MemoryWriteResult {}

  /** The memory already had the path and content asked for: no version was made. */
  record Unchanged(Memory memory) implements MemoryWriteResult {}

  /** No such store in the workspace. */
  record StoreNotFound() implements MemoryWriteResult {}

  /** The store is archived: its memories can be read and deleted, not created or changed. */
  record StoreArchived() implements MemoryWriteResult {}

  /** No such memory in the store. */
  record MemoryNotFound() implements MemoryWriteResult {}

  /** The memory's digest is not the one the write expected. */
  record PreconditionFailed(String currentSha256) implements MemoryWriteResult {}

  /**
   * Another memory, {@code memoryId}, is at {@code path}: the path asked for, or one above or below
   * it.
   */
  record PathConflict(String path, String memoryId) implements MemoryWriteResult {}
}
