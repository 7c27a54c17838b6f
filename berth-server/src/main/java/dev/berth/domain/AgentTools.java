package dev.berth.domain;

import static dev.berth.model.JsonFields.allowOnly;
import static dev.berth.model.JsonFields.array;
import static dev.berth.model.JsonFields.index;
import static dev.berth.model.JsonFields.invalid;
import static dev.berth.model.JsonFields.isNull;
import static dev.berth.model.JsonFields.nonEmptyString;
import static dev.berth.model.JsonFields.object;
import static dev.berth.model.JsonFields.oneOf;
import static dev.berth.model.JsonFields.optionalBoolean;
import static dev.berth.model.JsonFields.optionalInt;
import static dev.berth.model.JsonFields.optionalObject;
import static dev.berth.model.JsonFields.optionalString;
import static dev.berth.model.JsonFields.optionalStrings;
import static dev.berth.model.JsonFields.path;
import static dev.berth.model.JsonFields.requiredString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.json.Json;
import dev.berth.model.JsonFields;
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
 * The {@code tools} of agent params (spec §4.0): the agent toolset expanded to a config for each of
 * its eight tools, MCP toolsets and custom tools, each with every omitted default filled in. Apart
 * from {@link AgentDefinitions} because tools are most of the agent schema's rules.
 */
final class AgentTools {
  static final int MAX_TOOLS = 256;
  static final String AGENT_TOOLSET = "agent_toolset_20260401";
  static final List<String> TOOLSET_TOOLS =
      List.of("bash", "edit", "read", "write", "glob", "grep", "web_fetch", "web_search");
  static final List<String> POLICIES = List.of("always_allow", "always_ask", "auto");
  private static final List<String> TOOL_TYPES = List.of(AGENT_TOOLSET, "mcp_toolset", "custom");
  private static final List<String> TOOL_CONFIG_FIELDS =
      List.of("name", "type", "enabled", "permission_policy");
  private static final List<String> DOMAIN_FIELDS = List.of("allowed_domains", "blocked_domains");
  private static final Pattern CUSTOM_TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

  private AgentTools() {}

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

  static boolean isHttpUrl(String url) {
    try {
      URI uri = new URI(url);
      return ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
          && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
