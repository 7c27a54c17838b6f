package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.model.EnvironmentRecord;
import java.util.Map;

/** {@code BetaEnvironment} (spec §5.0). */
public record EnvironmentJson(
    String id,
    String type,
    String name,
    String description,
    JsonNode config,
    Map<String, String> metadata,
    String scope,
    String archivedAt,
    String createdAt,
    String updatedAt) {

  public static EnvironmentJson from(EnvironmentRecord e) {
    return new EnvironmentJson(
        e.id(),
        "environment",
        e.name(),
        e.description().orElse(null),
        e.config().toJson(),
        e.metadata(),
        e.scope(),
        e.archivedAt().orElse(null),
        e.createdAt(),
        e.updatedAt());
  }
}
