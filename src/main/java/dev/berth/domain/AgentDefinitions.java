package dev.berth.domain;

import static dev.berth.domain.JsonFields.allowOnly;
import static dev.berth.domain.JsonFields.array;
import static dev.berth.domain.JsonFields.index;
import static dev.berth.domain.JsonFields.invalid;
import static dev.berth.domain.JsonFields.isNull;
import static dev.berth.domain.JsonFields.nonEmptyString;
import static dev.berth.domain.JsonFields.object;
import static dev.berth.domain.JsonFields.oneOf;
import static dev.berth.domain.JsonFields.optionalBoolean;
import static dev.berth.domain.JsonFields.optionalInt;
import static dev.berth.domain.JsonFields.optionalObject;
import static dev.berth.domain.JsonFields.optionalString;
import static dev.berth.domain.JsonFields.optionalStrings;
import static dev.berth.domain.JsonFields.path;
import static dev.berth.domain.JsonFields.requiredString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.json.Json;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns agent params into the resolved form that responses carry (spec §4.0): a model string
 * becomes {@code {"id": …}}, a bare effort becomes {@code {"type": …}}, the agent toolset expands
 * to a config for each of its eight tools, and every omitted default is filled in. Errors are 400s
 * naming the field by its path.
 */
final class AgentDefinitions {
  static final int MAX_TOOLS = 256;
  static final int MAX_MCP_SERVERS = 20;
  static final String AGENT_TOOLSET = "agent_toolset_20260401";
  static final List<String> TOOLSET_TOOLS =
      List.of("bash", "edit", "read", "write", "glob", "grep", "web_fetch", "web_search");
  static final List<String> EFFORTS = List.of("low", "medium", "high", "xhigh", "max");
  static final List<String> POLICIES = List.of("always_allow", "always_ask", "auto");
  private static final List<String> TOOL_TYPES = List.of(AGENT_TOOLSET, "mcp_toolset", "custom");
  private static final List<String> TOOL_CONFIG_FIELDS =
      List.of("name", "type", "enabled", "permission_policy");
  private static final List<String> DOMAIN_FIELDS = List.of("allowed_domains", "blocked_domains");
  private static final Pattern CUSTOM_TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
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
      if (!isHttpUrl(url)) {
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

  static ArrayNode tools(JsonNode v, String path) {
    List<JsonNode> items = array(v, path);
    if (items.size() > MAX_TOOLS) {
      throw invalid(path + " may hold at most " + MAX_TOOLS + " tools, got " + items.size());
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    boolean toolset = false;
    Set<String> servers = new HashSet<>();
    Set<String> customNames = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String p = index(path, i);
      ObjectNode o = object(items.get(i), p);
      switch (JsonFields.type(o, p, TOOL_TYPES)) {
        case AGENT_TOOLSET -> {
          if (toolset) {
            throw invalid(path + " may hold only one " + AGENT_TOOLSET);
          }
          toolset = true;
          out.add(agentToolset(o, p));
        }
        case "mcp_toolset" -> {
          ObjectNode t = mcpToolset(o, p);
          if (!servers.add(t.get("mcp_server_name").textValue())) {
            throw invalid(
                path
                    + " has more than one mcp_toolset for server '"
                    + t.get("mcp_server_name").textValue()
                    + "'");
          }
          out.add(t);
        }
        default -> {
          ObjectNode t = customTool(o, p);
          if (!customNames.add(t.get("name").textValue())) {
            throw invalid(
                path + " has more than one custom tool named '" + t.get("name").textValue() + "'");
          }
          out.add(t);
        }
      }
    }
    return out;
  }

  /**
   * spec §4.1: every MCP server must be used by an {@code mcp_toolset}, and every toolset must name
   * a listed server.
   */
  static void checkMcpReferences(ArrayNode mcpServers, ArrayNode tools) {
    Set<String> declared = new HashSet<>();
    mcpServers.forEach(s -> declared.add(s.get("name").textValue()));
    Set<String> used = new HashSet<>();
    for (int i = 0; i < tools.size(); i++) {
      JsonNode t = tools.get(i);
      if (t.get("type").textValue().equals("mcp_toolset")) {
        String server = t.get("mcp_server_name").textValue();
        if (!declared.contains(server)) {
          throw invalid(
              "tools["
                  + i
                  + "].mcp_server_name '"
                  + server
                  + "' does not name a server in mcp_servers");
        }
        used.add(server);
      }
    }
    for (int i = 0; i < mcpServers.size(); i++) {
      String name = mcpServers.get(i).get("name").textValue();
      if (!used.contains(name)) {
        throw invalid(
            "mcp_servers["
                + i
                + "] '"
                + name
                + "' is not used by any mcp_toolset in tools; add {\"type\":\"mcp_toolset\","
                + "\"mcp_server_name\":\""
                + name
                + "\"}");
      }
    }
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

  private static ObjectNode agentToolset(ObjectNode o, String path) {
    allowOnly(o, path, "type", "default_config", "configs");
    ObjectNode defaults =
        defaultConfig(
            optionalObject(o, "default_config", path),
            path(path, "default_config"),
            "always_allow");
    Map<String, ObjectNode> given = new LinkedHashMap<>();
    Map<String, String> paths = new LinkedHashMap<>();
    String cp = path(path, "configs");
    List<JsonNode> configs = array(o.get("configs"), cp);
    for (int i = 0; i < configs.size(); i++) {
      String p = index(cp, i);
      ObjectNode c = object(configs.get(i), p);
      String name = oneOf(requiredString(c, "name", p), path(p, "name"), TOOLSET_TOOLS);
      List<String> allowed = new ArrayList<>(TOOL_CONFIG_FIELDS);
      if (name.equals("web_fetch")) {
        allowed.addAll(DOMAIN_FIELDS);
        allowed.addAll(List.of("max_content_tokens", "url_sources"));
      } else if (name.equals("web_search")) {
        allowed.addAll(DOMAIN_FIELDS);
        allowed.add("user_location");
      }
      allowOnly(c, p, allowed);
      optionalString(c, "type", p)
          .ifPresent(
              t -> {
                if (!t.equals(name)) {
                  throw invalid(path(p, "type") + " must be '" + name + "', got '" + t + "'");
                }
              });
      if (given.put(name, c) != null) {
        throw invalid(cp + " configures '" + name + "' more than once");
      }
      paths.put(name, p);
    }
    ObjectNode out = Json.MAPPER.createObjectNode().put("type", AGENT_TOOLSET);
    out.set("default_config", defaults);
    ArrayNode resolved = out.putArray("configs");
    for (String name : TOOLSET_TOOLS) {
      ObjectNode c = given.getOrDefault(name, Json.MAPPER.createObjectNode());
      String p = paths.getOrDefault(name, cp);
      ObjectNode r = resolved.addObject().put("type", name).put("name", name);
      resolveEnabledAndPolicy(c, p, defaults, r);
      if (name.equals("web_fetch") || name.equals("web_search")) {
        for (String f : DOMAIN_FIELDS) {
          optionalStrings(c, f, p).ifPresent(list -> list.forEach(r.putArray(f)::add));
        }
      }
      if (name.equals("web_fetch")) {
        optionalInt(c, "max_content_tokens", p)
            .ifPresent(
                n -> {
                  if (n < 1) {
                    throw invalid(path(p, "max_content_tokens") + " must be positive, got " + n);
                  }
                  r.put("max_content_tokens", n);
                });
        JsonNode sources = c.get("url_sources");
        r.set(
            "url_sources",
            isNull(sources)
                ? Json.MAPPER.nullNode()
                : urlSources(object(sources, path(p, "url_sources")), path(p, "url_sources")));
      }
      if (name.equals("web_search")) {
        optionalObject(c, "user_location", p)
            .ifPresent(l -> r.set("user_location", userLocation(l, path(p, "user_location"))));
      }
    }
    return out;
  }

  private static ObjectNode mcpToolset(ObjectNode o, String path) {
    allowOnly(o, path, "type", "mcp_server_name", "default_config", "configs");
    String server = nonEmptyString(o, "mcp_server_name", path);
    ObjectNode defaults =
        defaultConfig(
            optionalObject(o, "default_config", path), path(path, "default_config"), "always_ask");
    ObjectNode out = Json.MAPPER.createObjectNode().put("type", "mcp_toolset");
    out.put("mcp_server_name", server);
    out.set("default_config", defaults);
    ArrayNode resolved = out.putArray("configs");
    Set<String> names = new HashSet<>();
    String cp = path(path, "configs");
    List<JsonNode> configs = array(o.get("configs"), cp);
    for (int i = 0; i < configs.size(); i++) {
      String p = index(cp, i);
      ObjectNode c =
          allowOnly(object(configs.get(i), p), p, "name", "enabled", "permission_policy");
      String name = nonEmptyString(c, "name", p);
      if (!names.add(name)) {
        throw invalid(cp + " configures '" + name + "' more than once");
      }
      resolveEnabledAndPolicy(c, p, defaults, resolved.addObject().put("name", name));
    }
    return out;
  }

  private static ObjectNode customTool(ObjectNode o, String path) {
    allowOnly(o, path, "type", "name", "description", "input_schema");
    String name = nonEmptyString(o, "name", path);
    if (!CUSTOM_TOOL_NAME.matcher(name).matches()) {
      throw invalid(
          path(path, "name") + " must be 1 to 64 letters, digits, '_' or '-', got '" + name + "'");
    }
    String description = requiredString(o, "description", path);
    String sp = path(path, "input_schema");
    if (isNull(o.get("input_schema"))) {
      throw invalid(sp + " is required");
    }
    ObjectNode schema = object(o.get("input_schema"), sp);
    optionalString(schema, "type", sp)
        .ifPresent(t -> oneOf(t, path(sp, "type"), List.of("object")));
    optionalObject(schema, "properties", sp);
    optionalStrings(schema, "required", sp);
    ObjectNode resolvedSchema = Json.MAPPER.createObjectNode().put("type", "object");
    schema
        .properties()
        .forEach(
            e -> {
              if (!e.getKey().equals("type") && !e.getValue().isNull()) {
                resolvedSchema.set(e.getKey(), e.getValue().deepCopy());
              }
            });
    ObjectNode out = Json.MAPPER.createObjectNode().put("type", "custom");
    out.put("name", name).put("description", description);
    out.set("input_schema", resolvedSchema);
    return out;
  }

  private static ObjectNode defaultConfig(
      Optional<ObjectNode> given, String path, String defaultPolicy) {
    ObjectNode c = given.orElse(Json.MAPPER.createObjectNode());
    allowOnly(c, path, "enabled", "permission_policy");
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("enabled", optionalBoolean(c, "enabled", path).orElse(true));
    out.set(
        "permission_policy",
        optionalObject(c, "permission_policy", path)
            .map(pp -> policy(pp, path(path, "permission_policy")))
            .orElse(Json.MAPPER.createObjectNode().put("type", defaultPolicy)));
    return out;
  }

  /** A tool's own {@code enabled} and policy, falling back to its toolset's default config. */
  private static void resolveEnabledAndPolicy(
      ObjectNode given, String path, ObjectNode defaults, ObjectNode out) {
    out.put(
        "enabled",
        optionalBoolean(given, "enabled", path).orElse(defaults.get("enabled").booleanValue()));
    out.set(
        "permission_policy",
        optionalObject(given, "permission_policy", path)
            .map(pp -> policy(pp, path(path, "permission_policy")))
            .orElse(defaults.get("permission_policy").deepCopy()));
  }

  private static ObjectNode policy(ObjectNode o, String path) {
    allowOnly(o, path, "type");
    return Json.MAPPER.createObjectNode().put("type", JsonFields.type(o, path, POLICIES));
  }

  private static ObjectNode urlSources(ObjectNode o, String path) {
    allowOnly(o, path, "client_tool_results", "server_tool_results", "user_input");
    ObjectNode out = Json.MAPPER.createObjectNode();
    for (String f : List.of("client_tool_results", "server_tool_results")) {
      JsonNode v = o.get(f);
      if (!isNull(v)) {
        out.set(f, toolFilter(v, path(path, f)));
      }
    }
    JsonNode user = o.get("user_input");
    if (!isNull(user)) {
      String p = path(path, "user_input");
      String type;
      if (user.isTextual()) {
        type = oneOf(user.textValue(), p, List.of("all", "none"));
      } else {
        ObjectNode u = allowOnly(object(user, p), p, "type");
        type = JsonFields.type(u, p, List.of("all", "none"));
      }
      out.putObject("user_input").put("type", type);
    }
    return out;
  }

  /** A shorthand {@code "all"}/{@code "none"}, a filter object, or a list of tool references. */
  private static JsonNode toolFilter(JsonNode v, String path) {
    if (v.isTextual()) {
      return Json.MAPPER
          .createObjectNode()
          .put("type", oneOf(v.textValue(), path, List.of("all", "none")));
    }
    if (v.isArray()) {
      return toolReferences(v, path);
    }
    ObjectNode o = object(v, path);
    String type = JsonFields.type(o, path, List.of("all", "none", "only", "except"));
    ObjectNode out = Json.MAPPER.createObjectNode().put("type", type);
    if (type.equals("all") || type.equals("none")) {
      allowOnly(o, path, "type");
      return out;
    }
    allowOnly(o, path, "type", "tools");
    if (isNull(o.get("tools"))) {
      throw invalid(path(path, "tools") + " is required");
    }
    out.set("tools", toolReferences(o.get("tools"), path(path, "tools")));
    return out;
  }

  private static ArrayNode toolReferences(JsonNode v, String path) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    List<JsonNode> items = array(v, path);
    for (int i = 0; i < items.size(); i++) {
      String p = index(path, i);
      ObjectNode o = allowOnly(object(items.get(i), p), p, "type", "name");
      optionalString(o, "type", p)
          .ifPresent(t -> oneOf(t, path(p, "type"), List.of("tool_reference")));
      out.addObject().put("type", "tool_reference").put("name", nonEmptyString(o, "name", p));
    }
    return out;
  }

  private static ObjectNode userLocation(ObjectNode o, String path) {
    allowOnly(o, path, "type", "city", "country", "region", "timezone");
    optionalString(o, "type", path)
        .ifPresent(t -> oneOf(t, path(path, "type"), List.of("approximate")));
    ObjectNode out = Json.MAPPER.createObjectNode().put("type", "approximate");
    for (String f : List.of("city", "country", "region", "timezone")) {
      optionalString(o, f, path).ifPresent(s -> out.put(f, s));
    }
    return out;
  }

  private static boolean isHttpUrl(String url) {
    try {
      URI uri = new URI(url);
      return ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
          && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
