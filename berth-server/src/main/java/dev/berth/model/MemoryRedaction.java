package dev.berth.model;

/** How redacting a memory version ended; only {@link Redacted} may have changed anything. */
public sealed interface MemoryRedaction {
  /** The version as it now is: redacted, now or earlier (a second redaction changes nothing). */
  record Redacted(MemoryVersion version) implements MemoryRedaction {}

  /** No such store in the workspace. */
  record StoreNotFound() implements MemoryRedaction {}

  /** No such version in the store. */
  record VersionNotFound() implements MemoryRedaction {}

  /**
   * The version holds the current content of memory {@code memoryId}, which would be lost with it:
   * the memory must be changed or deleted first.
   */
  record CurrentVersion(String memoryId) implements MemoryRedaction {}
}
