package dev.berth.domain;

import static dev.berth.model.JsonFields.allowOnly;
import static dev.berth.model.JsonFields.array;
import static dev.berth.model.JsonFields.index;
import static dev.berth.model.JsonFields.invalid;
import static dev.berth.model.JsonFields.isNull;
import static dev.berth.model.JsonFields.nonEmptyString;
import static dev.berth.model.JsonFields.object;
import static dev.berth.model.JsonFields.oneOf;
import static dev.berth.model.JsonFields.optionalInt;
import static dev.berth.model.JsonFields.optionalObject;
import static dev.berth.model.JsonFields.optionalString;
import static dev.berth.model.JsonFields.path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.json.Json;
import dev.berth.model.JsonFields;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns agent params into the resolved form that responses carry (spec §4.0): a model string
 * becomes {@code {"id": …}}, a bare effort becomes {@code {"type": …}}, the agent toolset expands
 * to a config for each of its eight tools, and every omitted default is filled in. Errors are 400s
 * naming the field by its path.
 */
final class AgentDefinitions {
  static final int MAX_MCP_SERVERS = 20;
  static final List<String> EFFORTS = List.of("low", "medium", "high", "xhigh", "max");
  private static final List<String> ON_OFF = List.of("enabled", "disabled");

  private AgentDefinitions() {}

  /** Looks up the agents a multiagent roster names, so the stored form pins their versions. */
  interface Roster {
    /** {@code {"type":"agent","id","version"}} for an existing agent; 404 when there is none. */
    ObjectNode reference(String agentId, Optional<Integer> version, String path);

    /** The reference an entry {@code {"type":"self"}} stands for. */
    ObjectNode self();
  }

  static ObjectNode model(JsonNode v, String path) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    if (isNull(v)) {
      throw invalid(path + " is required");
    }
    if (v.isTextual()) {
      if (v.textValue().isBlank()) {
        throw invalid(path + " must not be empty");
      }
      return out.put("id", v.textValue());
    }
    if (!(v instanceof ObjectNode o)) {
      throw invalid(path + " must be a model name or an object with an id");
    }
    allowOnly(o, path, "id", "effort", "speed", "inference_geo");
    out.put("id", nonEmptyString(o, "id", path));
    JsonNode effort = o.get("effort");
    if (!isNull(effort)) {
      out.set("effort", effort(effort, path(path, "effort")));
    }
    optionalString(o, "speed", path)
        .ifPresent(
            s -> out.put("speed", oneOf(s, path(path, "speed"), List.of("standard", "fast"))));
    optionalString(o, "inference_geo", path).ifPresent(g -> out.put("inference_geo", g));
    return out;
  }

  /** A bare level {@code "high"} or {@code {"type":"high"}} → {@code {"type":"high"}}. */
  static ObjectNode effort(JsonNode v, String path) {
    String level;
    if (v.isTextual()) {
      level = oneOf(v.textValue(), path, EFFORTS);
    } else if (v instanceof ObjectNode o) {
      allowOnly(o, path, "type");
      level = JsonFields.type(o, path, EFFORTS);
    } else {
      throw invalid(path + " must be an effort level or an object with a type");
    }
    return Json.MAPPER.createObjectNode().put("type", level);
  }

  static ObjectNode executionIdentity(JsonNode v, String path) {
    if (isNull(v)) {
      return Json.MAPPER.createObjectNode().put("type", "service_account");
    }
    ObjectNode o = object(v, path);
    String type = JsonFields.type(o, path, List.of("service_account", "aws_role"));
    if (type.equals("service_account")) {
      allowOnly(o, path, "type");
      return Json.MAPPER.createObjectNode().put("type", type);
    }
    allowOnly(o, path, "type", "role_arn");
    return Json.MAPPER
        .createObjectNode()
        .put("type", type)
        .put("role_arn", nonEmptyString(o, "role_arn", path));
  }

  static ArrayNode mcpServers(JsonNode v, String path) {
    List<JsonNode> items = array(v, path);
    if (items.size() > MAX_MCP_SERVERS) {
      throw invalid(
          path + " may hold at most " + MAX_MCP_SERVERS + " servers, got " + items.size());
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String p = index(path, i);
      ObjectNode o = allowOnly(object(items.get(i), p), p, "type", "name", "url");
      optionalString(o, "type", p).ifPresent(t -> oneOf(t, path(p, "type"), List.of("url")));
      String name = nonEmptyString(o, "name", p);
      if (!names.add(name)) {
        throw invalid(path + " names '" + name + "' more than once; names must be unique");
      }
      String url = nonEmptyString(o, "url", p);
      if (!AgentTools.isHttpUrl(url)) {
        throw invalid(path(p, "url") + " must be an http or https URL, got '" + url + "'");
      }
      out.addObject().put("type", "url").put("name", name).put("url", url);
    }
    return out;
  }

  static ArrayNode skills(JsonNode v, String path) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    Set<String> ids = new HashSet<>();
    List<JsonNode> items = array(v, path);
    for (int i = 0; i < items.size(); i++) {
      String p = index(path, i);
      ObjectNode o = allowOnly(object(items.get(i), p), p, "type", "skill_id", "version");
      String type = JsonFields.type(o, p, List.of("anthropic", "custom"));
      String skillId = nonEmptyString(o, "skill_id", p);
      if (!ids.add(skillId)) {
        throw invalid(path + " lists skill '" + skillId + "' more than once");
      }
      out.addObject()
          .put("type", type)
          .put("skill_id", skillId)
          .put("version", optionalString(o, "version", p).orElse("latest"));
    }
    return out;
  }

  static Optional<ObjectNode> multiagent(JsonNode v, String path, Roster roster) {
    if (isNull(v)) {
      return Optional.empty();
    }
    ObjectNode o = object(v, path);
    String type = JsonFields.type(o, path, List.of("coordinator", "multiagent_20261001"));
    ObjectNode out = Json.MAPPER.createObjectNode().put("type", type);
    if (type.equals("coordinator")) {
      allowOnly(o, path, "type", "agents");
      String p = path(path, "agents");
      if (isNull(o.get("agents"))) {
        throw invalid(p + " is required");
      }
      List<JsonNode> entries = array(o.get("agents"), p);
      if (entries.isEmpty()) {
        throw invalid(p + " must list at least one agent");
      }
      ArrayNode agents = out.putArray("agents");
      for (int i = 0; i < entries.size(); i++) {
        agents.add(rosterEntry(entries.get(i), index(p, i), roster, true));
      }
      return Optional.of(out);
    }
    allowOnly(o, path, "type", "advisor", "subagents", "workflows");
    out.set("advisor", advisor(o.get("advisor"), path(path, "advisor")));
    out.set("subagents", delegation(o.get("subagents"), path(path, "subagents"), roster));
    out.set("workflows", delegation(o.get("workflows"), path(path, "workflows"), roster));
    return Optional.of(out);
  }

  private static ObjectNode advisor(JsonNode v, String path) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    if (isNull(v)) {
      return out.put("type", "disabled");
    }
    ObjectNode o = object(v, path);
    if (JsonFields.type(o, path, ON_OFF).equals("disabled")) {
      allowOnly(o, path, "type");
      return out.put("type", "disabled");
    }
    allowOnly(o, path, "type", "model");
    return out.put("type", "enabled").put("model", nonEmptyString(o, "model", path));
  }

  /** {@code subagents} or {@code workflows}: absent means disabled. */
  private static ObjectNode delegation(JsonNode v, String path, Roster roster) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    if (isNull(v)) {
      return out.put("type", "disabled");
    }
    ObjectNode o = object(v, path);
    if (JsonFields.type(o, path, ON_OFF).equals("disabled")) {
      allowOnly(o, path, "type");
      return out.put("type", "disabled");
    }
    allowOnly(o, path, "type", "inline_agents", "predefined_agents");
    out.put("type", "enabled");
    String inline = "enabled";
    Optional<ObjectNode> given = optionalObject(o, "inline_agents", path);
    if (given.isPresent()) {
      String p = path(path, "inline_agents");
      inline = JsonFields.type(allowOnly(given.get(), p, "type"), p, ON_OFF);
    }
    out.putObject("inline_agents").put("type", inline);
    ArrayNode predefined = out.putArray("predefined_agents");
    String p = path(path, "predefined_agents");
    List<JsonNode> entries = array(o.get("predefined_agents"), p);
    for (int i = 0; i < entries.size(); i++) {
      predefined.add(rosterEntry(entries.get(i), index(p, i), roster, false));
    }
    return out;
  }

  private static ObjectNode rosterEntry(
      JsonNode v, String path, Roster roster, boolean allowAdvisor) {
    if (v.isTextual()) {
      if (v.textValue().isBlank()) {
        throw invalid(path + " must not be empty");
      }
      return roster.reference(v.textValue(), Optional.empty(), path);
    }
    if (!(v instanceof ObjectNode o)) {
      throw invalid(path + " must be an agent id or an object");
    }
    List<String> types =
        allowAdvisor ? List.of("agent", "self", "advisor") : List.of("agent", "self");
    return switch (JsonFields.type(o, path, types)) {
      case "agent" -> {
        allowOnly(o, path, "type", "id", "version");
        Optional<Integer> version = optionalInt(o, "version", path);
        version.ifPresent(n -> requirePositive(n, path(path, "version")));
        yield roster.reference(nonEmptyString(o, "id", path), version, path);
      }
      case "self" -> {
        allowOnly(o, path, "type");
        yield roster.self();
      }
      default -> {
        allowOnly(o, path, "type", "model");
        yield Json.MAPPER
            .createObjectNode()
            .put("type", "advisor")
            .put("model", nonEmptyString(o, "model", path));
      }
    };
  }

  static int requirePositive(int version, String path) {
    if (version < 1) {
      throw invalid(path + " must be at least 1, got " + version);
    }
    return version;
  }
}
