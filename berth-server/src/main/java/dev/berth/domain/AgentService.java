package dev.berth.domain;

import static dev.berth.model.JsonFields.isNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.error.ApiException;
import dev.berth.json.Json;
import dev.berth.model.AgentDefinition;
import dev.berth.model.AgentRecord;
import dev.berth.model.JsonFields;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import dev.berth.store.AgentStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The Agents API's rules (spec §4), and the agent a new session copies (spec §3.1). */
public final class AgentService {
  /** Concurrent updates without a {@code version} are retried this often before giving up. */
  private static final int UPDATE_ATTEMPTS = 3;

  private final AgentStore agents;

  public AgentService(AgentStore agents) {
    this.agents = agents;
  }

  /**
   * The body of a create. {@code model} and the optional JSON parts are the raw request values;
   * they are validated and resolved here.
   */
  public record CreateParams(
      JsonNode model,
      String name,
      Optional<String> description,
      Optional<String> system,
      Optional<JsonNode> tools,
      Optional<JsonNode> mcpServers,
      Optional<JsonNode> skills,
      Optional<JsonNode> executionIdentity,
      Optional<JsonNode> multiagent,
      Map<String, String> metadata) {}

  /**
   * The body of an update (spec §4.3): empty or absent parts keep the stored value, a present
   * {@link Patch} with null or {@code []} clears it, and {@code metadata} maps a key to its new
   * value, or to empty to delete it. {@code version}, when given, must be the current version.
   */
  public record UpdateParams(
      Optional<Long> version,
      Optional<JsonNode> model,
      Optional<String> name,
      Patch<String> description,
      Patch<String> system,
      Patch<JsonNode> tools,
      Patch<JsonNode> mcpServers,
      Patch<JsonNode> skills,
      Patch<JsonNode> executionIdentity,
      Patch<JsonNode> multiagent,
      Map<String, Optional<String>> metadata) {}

  /** The agent a session uses: its id, the version taken, and the session's copy of it. */
  public record ResolvedAgent(String id, int version, ObjectNode sessionAgent) {}

  public AgentRecord create(String workspaceId, CreateParams params) {
    String id = Ids.agent();
    ArrayNode tools = AgentTools.tools(params.tools().orElse(null), "tools");
    ArrayNode mcpServers =
        AgentDefinitions.mcpServers(params.mcpServers().orElse(null), "mcp_servers");
    AgentTools.checkMcpReferences(mcpServers, tools);
    var definition =
        new AgentDefinition(
            name(params.name()),
            params.description(),
            params.system(),
            AgentDefinitions.model(params.model(), "model"),
            AgentDefinitions.executionIdentity(
                params.executionIdentity().orElse(null), "execution_identity"),
            mcpServers,
            AgentDefinitions.skills(params.skills().orElse(null), "skills"),
            tools,
            AgentDefinitions.multiagent(
                params.multiagent().orElse(null), "multiagent", roster(workspaceId, id, 1)),
            Metadata.validate(params.metadata(), null));
    String now = Timestamps.now();
    var agent = new AgentRecord(id, workspaceId, 1, definition, Optional.empty(), now, now);
    agents.insert(agent);
    return agent;
  }

  /** The latest version, or the given one. */
  public AgentRecord retrieve(String workspaceId, String agentId, Optional<Integer> version) {
    if (version.isEmpty()) {
      return agents.find(workspaceId, agentId).orElseThrow(() -> notFound(agentId));
    }
    AgentDefinitions.requirePositive(version.get(), "version");
    return agents
        .findVersion(workspaceId, agentId, version.get())
        .orElseThrow(
            () ->
                agents.find(workspaceId, agentId).isPresent()
                    ? versionNotFound(agentId, version.get())
                    : notFound(agentId));
  }

  public Page<AgentRecord> list(
      String workspaceId,
      boolean includeArchived,
      Optional<String> createdFrom,
      Optional<String> createdTo,
      PageRequest page) {
    return agents.list(workspaceId, includeArchived, createdFrom, createdTo, page);
  }

  /** Whether {@code position} is a place in a list of an agent's versions. */
  public static boolean isVersionPosition(String position) {
    return AgentStore.parseVersionPosition(position).isPresent();
  }

  /** Every version of an agent, newest first (spec §4.4). */
  public Page<AgentRecord> listVersions(String workspaceId, String agentId, PageRequest page) {
    if (page.after().isPresent() && !isVersionPosition(page.after().get())) {
      throw new ApiException.InvalidRequest(
          "page is not a cursor of this list; pass next_page unchanged");
    }
    if (agents.find(workspaceId, agentId).isEmpty()) {
      throw notFound(agentId);
    }
    return agents.listVersions(workspaceId, agentId, page);
  }

  /**
   * Applies an update. A real change makes a new version; an update that changes nothing returns
   * the current version as it is.
   */
  public AgentRecord update(String workspaceId, String agentId, UpdateParams params) {
    for (int attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      AgentRecord current = agents.find(workspaceId, agentId).orElseThrow(() -> notFound(agentId));
      if (params.version().isPresent() && params.version().get() != current.version()) {
        throw new ApiException.Conflict(
            "agent '"
                + agentId
                + "' is at version "
                + current.version()
                + ", not "
                + params.version().get()
                + "; retrieve it and apply the change again");
      }
      if (current.archived()) {
        throw new ApiException.InvalidRequest(
            "agent '" + agentId + "' is archived and cannot be updated");
      }
      // A roster's "self" pins a version, so compare with the current one before minting a new one.
      AgentDefinition same = apply(workspaceId, current, params, current.version());
      if (same.equals(current.definition())) {
        return current;
      }
      int version = current.version() + 1;
      var next =
          new AgentRecord(
              agentId,
              workspaceId,
              version,
              apply(workspaceId, current, params, version),
              current.archivedAt(),
              current.createdAt(),
              Timestamps.now());
      if (agents.replace(next, current.version())) {
        return next;
      }
      if (params.version().isPresent()) {
        break;
      }
    }
    throw new ApiException.Conflict(
        "agent '" + agentId + "' was changed by another request; retrieve it and try again");
  }

  private AgentDefinition apply(
      String workspaceId, AgentRecord current, UpdateParams params, int selfVersion) {
    AgentDefinition d = current.definition();
    ArrayNode tools =
        params.tools().present() ? AgentTools.tools(params.tools().value(), "tools") : d.tools();
    ArrayNode mcpServers =
        params.mcpServers().present()
            ? AgentDefinitions.mcpServers(params.mcpServers().value(), "mcp_servers")
            : d.mcpServers();
    AgentTools.checkMcpReferences(mcpServers, tools);
    return new AgentDefinition(
        params.name().map(AgentService::name).orElse(d.name()),
        params.description().present()
            ? Optional.ofNullable(params.description().value())
            : d.description(),
        params.system().present() ? Optional.ofNullable(params.system().value()) : d.system(),
        params.model().map(m -> AgentDefinitions.model(m, "model")).orElse(d.model()),
        params.executionIdentity().present()
            ? AgentDefinitions.executionIdentity(
                params.executionIdentity().value(), "execution_identity")
            : d.executionIdentity(),
        mcpServers,
        params.skills().present()
            ? AgentDefinitions.skills(params.skills().value(), "skills")
            : d.skills(),
        tools,
        params.multiagent().present()
            ? AgentDefinitions.multiagent(
                params.multiagent().value(),
                "multiagent",
                roster(workspaceId, current.id(), selfVersion))
            : d.multiagent(),
        Metadata.patch(d.metadata(), params.metadata(), null));
  }

  /** Archives an agent; archiving again keeps the first {@code archived_at}. */
  public AgentRecord archive(String workspaceId, String agentId) {
    return agents
        .archive(workspaceId, agentId, Timestamps.now())
        .orElseThrow(() -> notFound(agentId));
  }

  /**
   * Resolves a session-create {@code agent} field (spec §3.1): an agent id (latest version), {@code
   * {"type":"agent","id","version"?}}, or {@code {"type":"agent_with_overrides",…}} whose {@code
   * model}, {@code system}, {@code tools}, {@code mcp_servers} and {@code skills} replace the
   * stored ones for this session only. The session's copy has no metadata or timestamps, and a
   * multiagent roster is expanded into full agent definitions.
   */
  public ResolvedAgent resolveForSession(String workspaceId, JsonNode agentParam) {
    String path = "agent";
    String agentId;
    Optional<Integer> version = Optional.empty();
    Optional<ObjectNode> overrides = Optional.empty();
    if (isNull(agentParam)) {
      throw new ApiException.InvalidRequest(path + " is required");
    } else if (agentParam.isTextual()) {
      agentId = agentParam.textValue();
      if (agentId.isBlank()) {
        throw new ApiException.InvalidRequest(path + " must not be empty");
      }
    } else if (agentParam instanceof ObjectNode o) {
      String type = JsonFields.type(o, path, List.of("agent", "agent_with_overrides"));
      if (type.equals("agent")) {
        JsonFields.allowOnly(o, path, "type", "id", "version");
      } else {
        JsonFields.allowOnly(
            o, path, "type", "id", "version", "model", "system", "tools", "mcp_servers", "skills");
        overrides = Optional.of(o);
      }
      agentId = JsonFields.nonEmptyString(o, "id", path);
      version = JsonFields.optionalInt(o, "version", path);
      version.ifPresent(v -> AgentDefinitions.requirePositive(v, path + ".version"));
    } else {
      throw new ApiException.InvalidRequest(path + " must be an agent id or an object");
    }
    AgentRecord latest = agents.find(workspaceId, agentId).orElseThrow(() -> notFound(agentId));
    if (latest.archived()) {
      throw new ApiException.InvalidRequest(
          "agent '" + agentId + "' is archived and cannot be used for new sessions");
    }
    AgentRecord chosen = latest;
    if (version.isPresent() && version.get() != latest.version()) {
      int v = version.get();
      chosen =
          agents
              .findVersion(workspaceId, agentId, v)
              .orElseThrow(() -> versionNotFound(agentId, v));
    }
    AgentDefinition d = chosen.definition();
    if (overrides.isPresent()) {
      d = override(d, overrides.get(), path);
    }
    ObjectNode sessionAgent = threadAgent(chosen.id(), chosen.version(), d);
    sessionAgent.set(
        "multiagent",
        d.multiagent()
            .<JsonNode>map(m -> expandRoster(workspaceId, m))
            .orElse(Json.MAPPER.nullNode()));
    return new ResolvedAgent(chosen.id(), chosen.version(), sessionAgent);
  }

  /**
   * A session update's {@code agent} patch (spec §3.4): {@code tools} and {@code mcp_servers} each
   * replace the session's copy wholesale ({@code null} or {@code []} clears), resolved and checked
   * as on create. Returns the new session agent; the stored agent is untouched.
   */
  public ObjectNode patchSessionAgent(ObjectNode sessionAgent, JsonNode patch) {
    String path = "agent";
    ObjectNode o =
        JsonFields.allowOnly(JsonFields.object(patch, path), path, "tools", "mcp_servers");
    ArrayNode tools =
        o.has("tools")
            ? AgentTools.tools(o.get("tools"), path + ".tools")
            : (ArrayNode) sessionAgent.get("tools");
    ArrayNode mcpServers =
        o.has("mcp_servers")
            ? AgentDefinitions.mcpServers(o.get("mcp_servers"), path + ".mcp_servers")
            : (ArrayNode) sessionAgent.get("mcp_servers");
    AgentTools.checkMcpReferences(mcpServers, tools);
    ObjectNode next = sessionAgent.deepCopy();
    next.set("tools", tools);
    next.set("mcp_servers", mcpServers);
    return next;
  }

  private static AgentDefinition override(AgentDefinition d, ObjectNode o, String path) {
    ArrayNode tools =
        o.has("tools") ? AgentTools.tools(o.get("tools"), path + ".tools") : d.tools();
    ArrayNode mcpServers =
        o.has("mcp_servers")
            ? AgentDefinitions.mcpServers(o.get("mcp_servers"), path + ".mcp_servers")
            : d.mcpServers();
    AgentTools.checkMcpReferences(mcpServers, tools);
    return new AgentDefinition(
        d.name(),
        d.description(),
        o.has("system") ? JsonFields.optionalString(o, "system", path) : d.system(),
        o.has("model") ? AgentDefinitions.model(o.get("model"), path + ".model") : d.model(),
        d.executionIdentity(),
        mcpServers,
        o.has("skills") ? AgentDefinitions.skills(o.get("skills"), path + ".skills") : d.skills(),
        tools,
        d.multiagent(),
        d.metadata());
  }

  /** {@code BetaManagedAgentsSessionThreadAgent}: the session agent without its roster. */
  private static ObjectNode threadAgent(String id, int version, AgentDefinition d) {
    ObjectNode o = Json.MAPPER.createObjectNode().put("id", id).put("type", "agent");
    o.put("version", version).put("name", d.name());
    o.put("description", d.description().orElse(null));
    o.put("system", d.system().orElse(null));
    o.set("model", d.model().deepCopy());
    o.set("execution_identity", d.executionIdentity().deepCopy());
    o.set("mcp_servers", d.mcpServers().deepCopy());
    o.set("skills", d.skills().deepCopy());
    o.set("tools", d.tools().deepCopy());
    return o;
  }

  /** Replaces each pinned agent reference of a roster by that agent version's definition. */
  private ObjectNode expandRoster(String workspaceId, ObjectNode multiagent) {
    ObjectNode out = multiagent.deepCopy();
    if (out.path("type").asText().equals("coordinator")) {
      expandReferences(workspaceId, (ArrayNode) out.get("agents"));
    } else {
      for (String f : List.of("subagents", "workflows")) {
        if (out.get(f).get("predefined_agents") instanceof ArrayNode refs) {
          expandReferences(workspaceId, refs);
        }
      }
    }
    return out;
  }

  private void expandReferences(String workspaceId, ArrayNode entries) {
    for (int i = 0; i < entries.size(); i++) {
      JsonNode e = entries.get(i);
      if (e.path("type").asText().equals("agent")) {
        String id = e.get("id").textValue();
        int version = e.get("version").intValue();
        AgentRecord a =
            agents
                .findVersion(workspaceId, id, version)
                .orElseThrow(() -> versionNotFound(id, version));
        entries.set(i, threadAgent(a.id(), a.version(), a.definition()));
      }
    }
  }

  private AgentDefinitions.Roster roster(String workspaceId, String selfId, int selfVersion) {
    return new AgentDefinitions.Roster() {
      @Override
      public ObjectNode reference(String agentId, Optional<Integer> version, String path) {
        AgentRecord latest =
            agents
                .find(workspaceId, agentId)
                .orElseThrow(
                    () -> new ApiException.NotFound(path + ": agent '" + agentId + "' not found"));
        int v = version.orElse(latest.version());
        if (v != latest.version() && agents.findVersion(workspaceId, agentId, v).isEmpty()) {
          throw new ApiException.NotFound(path + ": agent '" + agentId + "' has no version " + v);
        }
        return ref(agentId, v);
      }

      @Override
      public ObjectNode self() {
        return ref(selfId, selfVersion);
      }
    };
  }

  private static ObjectNode ref(String id, int version) {
    return Json.MAPPER
        .createObjectNode()
        .put("type", "agent")
        .put("id", id)
        .put("version", version);
  }

  static ApiException notFound(String agentId) {
    return new ApiException.NotFound("agent '" + agentId + "' not found");
  }

  private static ApiException versionNotFound(String agentId, int version) {
    return new ApiException.NotFound("agent '" + agentId + "' has no version " + version);
  }

  private static String name(String name) {
    if (name.isBlank()) {
      throw new ApiException.InvalidRequest("name must not be empty");
    }
    return name;
  }
}
