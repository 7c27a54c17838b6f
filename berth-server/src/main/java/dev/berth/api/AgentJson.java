package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.model.AgentDefinition;
import dev.berth.model.AgentRecord;
import java.util.Map;

/** {@code BetaManagedAgentsAgent} (spec §4.0); nested parts are already in resolved form. */
public record AgentJson(
    String id,
    String type,
    int version,
    String name,
    String description,
    String system,
    JsonNode model,
    JsonNode executionIdentity,
    JsonNode mcpServers,
    JsonNode skills,
    JsonNode tools,
    JsonNode multiagent,
    Map<String, String> metadata,
    String archivedAt,
    String createdAt,
    String updatedAt) {

  public static AgentJson from(AgentRecord a) {
    AgentDefinition d = a.definition();
    return new AgentJson(
        a.id(),
        "agent",
        a.version(),
        d.name(),
        d.description().orElse(null),
        d.system().orElse(null),
        d.model(),
        d.executionIdentity(),
        d.mcpServers(),
        d.skills(),
        d.tools(),
        d.multiagent().orElse(null),
        d.metadata(),
        a.archivedAt().orElse(null),
        a.createdAt(),
        a.updatedAt());
  }
}
