package dev.berth.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A memory store: a workspace's named collection of memories. Archiving cannot be undone; an
 * archived store keeps serving reads but takes no more memory writes.
 */
public record MemoryStoreRecord(
    String id,
    String workspaceId,
    String name,
    String description,
    Map<String, String> metadata,
    Optional<String> archivedAt,
    String createdAt,
    String updatedAt) {

  public MemoryStoreRecord {
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata)); // keeps the order
  }

  public boolean archived() {
    return archivedAt.isPresent();
  }
}
