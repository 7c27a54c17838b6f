package dev.berth.model;

import java.util.Map;
import java.util.Optional;

/** An environment as stored (spec §5.0). */
public record EnvironmentRecord(
    String id,
    String workspaceId,
    String name,
    Optional<String> description,
    EnvironmentConfig config,
    Map<String, String> metadata,
    String scope,
    Optional<String> archivedAt,
    String createdAt,
    String updatedAt) {

  public boolean archived() {
    return archivedAt.isPresent();
  }
}
