package dev.berth.api;

import dev.berth.model.MemoryStoreRecord;
import java.util.Map;

/** {@code BetaManagedAgentsMemoryStore} (spec §7.1). */
public record MemoryStoreJson(
    String id,
    String type,
    String name,
    String description,
    Map<String, String> metadata,
    String archivedAt,
    String createdAt,
    String updatedAt) {

  public static MemoryStoreJson from(MemoryStoreRecord s) {
    return new MemoryStoreJson(
        s.id(),
        "memory_store",
        s.name(),
        s.description(),
        s.metadata(),
        s.archivedAt().orElse(null),
        s.createdAt(),
        s.updatedAt());
  }
}
