package dev.berth.api;

import dev.berth.model.Memory;
import dev.berth.model.MemoryEntry;

/**
 * An item of a memory list (spec §7.2): {@code BetaManagedAgentsMemory}, whose {@code content} is
 * null unless the view is {@code full}, or {@code BetaManagedAgentsMemoryPrefix}.
 */
public sealed interface MemoryJson permits MemoryJson.Item, MemoryJson.Prefix {

  /** {@code BetaManagedAgentsMemory}. */
  record Item(
      String id,
      String type,
      String memoryStoreId,
      String memoryVersionId,
      String path,
      String content,
      String contentSha256,
      long contentSizeBytes,
      String createdAt,
      String updatedAt)
      implements MemoryJson {}

  /** {@code BetaManagedAgentsMemoryPrefix}: a directory standing for the memories below it. */
  record Prefix(String type, String path) implements MemoryJson {}

  /** The memory as a response shows it: with its content when {@code full}. */
  static Item from(Memory m, boolean full) {
    return new Item(
        m.id(),
        "memory",
        m.storeId(),
        m.versionId(),
        m.path(),
        full ? m.content().orElse(null) : null,
        m.contentSha256(),
        m.contentSizeBytes(),
        m.createdAt(),
        m.updatedAt());
  }

  /** A list item as a response shows it. */
  static MemoryJson from(MemoryEntry e, boolean full) {
    return switch (e) {
      case Memory m -> from(m, full);
      case MemoryEntry.Prefix p -> new Prefix("memory_prefix", p.path());
    };
  }
}
