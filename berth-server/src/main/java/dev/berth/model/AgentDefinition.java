package dev.berth.model;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What one version of an agent says, already in the resolved wire form of spec §4.0 (tools
 * expanded, defaults filled in). Two definitions are equal exactly when an update changes nothing.
 * The JSON parts are never mutated after construction.
 */
public record AgentDefinition(
    String name,
    Optional<String> description,
    Optional<String> system,
    ObjectNode model,
    ObjectNode executionIdentity,
    ArrayNode mcpServers,
    ArrayNode skills,
    ArrayNode tools,
    Optional<ObjectNode> multiagent,
    Map<String, String> metadata) {
  private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() {};

  /** The stored form: the versioned fields of the agent object. */
  public ObjectNode toJson() {
    ObjectNode o = Json.MAPPER.createObjectNode().put("name", name);
    o.put("description", description.orElse(null));
    o.put("system", system.orElse(null));
    o.set("model", model);
    o.set("execution_identity", executionIdentity);
    o.set("mcp_servers", mcpServers);
    o.set("skills", skills);
    o.set("tools", tools);
    o.set("multiagent", multiagent.<JsonNode>map(m -> m).orElse(Json.MAPPER.nullNode()));
    o.set("metadata", Json.MAPPER.valueToTree(metadata));
    return o;
  }

  public static AgentDefinition fromJson(JsonNode o) {
    return new AgentDefinition(
        o.get("name").textValue(),
        Optional.ofNullable(o.get("description").textValue()),
        Optional.ofNullable(o.get("system").textValue()),
        (ObjectNode) o.get("model"),
        (ObjectNode) o.get("execution_identity"),
        (ArrayNode) o.get("mcp_servers"),
        (ArrayNode) o.get("skills"),
        (ArrayNode) o.get("tools"),
        o.get("multiagent") instanceof ObjectNode m ? Optional.of(m) : Optional.empty(),
        Json.MAPPER.convertValue(o.get("metadata"), MAP));
  }
}
