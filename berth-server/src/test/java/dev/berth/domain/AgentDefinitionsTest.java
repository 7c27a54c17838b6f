package dev.berth.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.error.ApiException;
import dev.berth.json.Json;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AgentDefinitionsTest {
  static JsonNode json(String s) {
    return Json.parse(s);
  }

  static final AgentDefinitions.Roster NO_AGENTS =
      new AgentDefinitions.Roster() {
        @Override
        public ObjectNode reference(String agentId, Optional<Integer> version, String path) {
          if (!agentId.equals("agent_known")) {
            throw new ApiException.NotFound(path + ": agent '" + agentId + "' not found");
          }
          return Json.MAPPER
              .createObjectNode()
              .put("type", "agent")
              .put("id", agentId)
              .put("version", version.orElse(3));
        }

        @Override
        public ObjectNode self() {
          return Json.MAPPER
              .createObjectNode()
              .put("type", "agent")
              .put("id", "agent_self")
              .put("version", 1);
        }
      };

  @Test
  void modelStringBecomesObjectWithId() {
    assertThat(AgentDefinitions.model(json("\"claude-sonnet-4-6\""), "model"))
        .isEqualTo(json("{\"id\":\"claude-sonnet-4-6\"}"));
  }

  @Test
  void bareEffortStringBecomesTypedObject() {
    var model =
        AgentDefinitions.model(
            json("{\"id\":\"m\",\"effort\":\"high\",\"speed\":\"fast\",\"inference_geo\":\"us\"}"),
            "model");
    assertThat(Json.write(model))
        .isEqualTo(
            "{\"id\":\"m\",\"effort\":{\"type\":\"high\"},\"speed\":\"fast\","
                + "\"inference_geo\":\"us\"}");
    assertThat(AgentDefinitions.model(json("{\"id\":\"m\",\"effort\":{\"type\":\"max\"}}"), "m"))
        .isEqualTo(json("{\"id\":\"m\",\"effort\":{\"type\":\"max\"}}"));
  }

  @Test
  void badModelValuesAreRejectedNamingTheField() {
    assertThatThrownBy(
            () -> AgentDefinitions.model(json("{\"id\":\"m\",\"effort\":\"huge\"}"), "model"))
        .hasMessageContaining("model.effort")
        .hasMessageContaining("'huge'");
    assertThatThrownBy(
            () -> AgentDefinitions.model(json("{\"id\":\"m\",\"speed\":\"slow\"}"), "model"))
        .hasMessageContaining("model.speed");
    assertThatThrownBy(() -> AgentDefinitions.model(json("{\"effort\":\"high\"}"), "model"))
        .hasMessageContaining("model.id is required");
    assertThatThrownBy(() -> AgentDefinitions.model(json("42"), "model"))
        .hasMessageContaining("model must be a model name");
    assertThatThrownBy(() -> AgentDefinitions.model(null, "model"))
        .hasMessageContaining("model is required");
    assertThatThrownBy(() -> AgentDefinitions.model(json("{\"id\":\"m\",\"x\":1}"), "model"))
        .hasMessageContaining("unknown field 'model.x'");
  }

  @Test
  void agentToolsetExpandsToAllEightToolsWithDefaults() {
    ArrayNode tools = AgentTools.tools(json("[{\"type\":\"agent_toolset_20260401\"}]"), "tools");
    JsonNode toolset = tools.get(0);
    assertThat(toolset.get("default_config"))
        .isEqualTo(json("{\"enabled\":true,\"permission_policy\":{\"type\":\"always_allow\"}}"));
    assertThat(toolset.get("configs")).hasSize(8);
    assertThat(toolset.get("configs").findValuesAsText("name"))
        .containsExactly(
            "bash", "edit", "read", "write", "glob", "grep", "web_fetch", "web_search");
    for (JsonNode c : toolset.get("configs")) {
      assertThat(c.get("type")).isEqualTo(c.get("name"));
      assertThat(c.get("enabled").booleanValue()).isTrue();
      assertThat(c.get("permission_policy").get("type").asText()).isEqualTo("always_allow");
    }
    JsonNode webFetch = toolset.get("configs").get(6);
    assertThat(webFetch.has("url_sources")).isTrue();
    assertThat(webFetch.get("url_sources").isNull()).isTrue();
    assertThat(toolset.get("configs").get(7).has("url_sources")).isFalse();
  }

  @Test
  void agentToolsetHonoursDefaultAndPerToolConfigs() {
    ArrayNode tools =
        AgentTools.tools(
            json(
                "[{\"type\":\"agent_toolset_20260401\",\"default_config\":{\"permission_policy\":"
                    + "{\"type\":\"always_ask\"}},\"configs\":[{\"name\":\"bash\","
                    + "\"enabled\":false},"
                    + "{\"name\":\"web_fetch\",\"type\":\"web_fetch\",\"permission_policy\":"
                    + "{\"type\":\"auto\"},\"allowed_domains\":[\"example.com\"],"
                    + "\"max_content_tokens\":1000,\"url_sources\":{\"user_input\":\"all\","
                    + "\"client_tool_results\":{\"type\":\"only\",\"tools\":[{\"name\":\"x\"}]}}},"
                    + "{\"name\":\"web_search\",\"user_location\":{\"city\":\"Oslo\"}}]}]"),
            "tools");
    JsonNode configs = tools.get(0).get("configs");
    assertThat(configs.get(0))
        .isEqualTo(
            json(
                "{\"type\":\"bash\",\"name\":\"bash\",\"enabled\":false,"
                    + "\"permission_policy\":{\"type\":\"always_ask\"}}"));
    assertThat(configs.get(1).get("permission_policy").get("type").asText())
        .isEqualTo("always_ask");
    assertThat(configs.get(6))
        .isEqualTo(
            json(
                "{\"type\":\"web_fetch\",\"name\":\"web_fetch\",\"enabled\":true,"
                    + "\"permission_policy\":{\"type\":\"auto\"},"
                    + "\"allowed_domains\":[\"example.com\"],\"max_content_tokens\":1000,"
                    + "\"url_sources\":{\"client_tool_results\":{\"type\":\"only\",\"tools\":"
                    + "[{\"type\":\"tool_reference\",\"name\":\"x\"}]},"
                    + "\"user_input\":{\"type\":\"all\"}}}"));
    assertThat(configs.get(7).get("user_location"))
        .isEqualTo(json("{\"type\":\"approximate\",\"city\":\"Oslo\"}"));
  }

  @Test
  void agentToolsetRejectsUnknownToolsAndDuplicates() {
    assertThatThrownBy(
            () ->
                AgentTools.tools(
                    json(
                        "[{\"type\":\"agent_toolset_20260401\",\"configs\":[{\"name\":\"ssh\"}]}]"),
                    "tools"))
        .hasMessageContaining("tools[0].configs[0].name")
        .hasMessageContaining("'ssh'");
    assertThatThrownBy(
            () ->
                AgentTools.tools(
                    json(
                        "[{\"type\":\"agent_toolset_20260401\",\"configs\":[{\"name\":\"bash\"},"
                            + "{\"name\":\"bash\"}]}]"),
                    "tools"))
        .hasMessageContaining("more than once");
    assertThatThrownBy(
            () ->
                AgentTools.tools(
                    json(
                        "[{\"type\":\"agent_toolset_20260401\",\"configs\":[{\"name\":\"bash\","
                            + "\"max_content_tokens\":5}]}]"),
                    "tools"))
        .hasMessageContaining("unknown field 'tools[0].configs[0].max_content_tokens'");
    assertThatThrownBy(
            () ->
                AgentTools.tools(
                    json(
                        "[{\"type\":\"agent_toolset_20260401\"},"
                            + "{\"type\":\"agent_toolset_20260401\"}]"),
                    "tools"))
        .hasMessageContaining("only one");
    assertThatThrownBy(
            () ->
                AgentTools.tools(
                    json(
                        "[{\"type\":\"agent_toolset_20260401\",\"default_config\":"
                            + "{\"permission_policy\":{\"type\":\"never\"}}}]"),
                    "tools"))
        .hasMessageContaining("tools[0].default_config.permission_policy.type");
  }

  @Test
  void mcpToolsetDefaultsToAlwaysAsk() {
    ArrayNode tools =
        AgentTools.tools(
            json(
                "[{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"docs\",\"configs\":"
                    + "[{\"name\":\"search\",\"permission_policy\":{\"type\":\"always_allow\"}},"
                    + "{\"name\":\"fetch\",\"enabled\":false}]}]"),
            "tools");
    assertThat(tools.get(0))
        .isEqualTo(
            json(
                "{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"docs\",\"default_config\":"
                    + "{\"enabled\":true,\"permission_policy\":{\"type\":\"always_ask\"}},"
                    + "\"configs\":[{\"name\":\"search\",\"enabled\":true,\"permission_policy\":"
                    + "{\"type\":\"always_allow\"}},{\"name\":\"fetch\",\"enabled\":false,"
                    + "\"permission_policy\":{\"type\":\"always_ask\"}}]}"));
  }

  @Test
  void customToolKeepsItsSchema() {
    ArrayNode tools =
        AgentTools.tools(
            json(
                "[{\"type\":\"custom\",\"name\":\"get_weather\",\"description\":\"Weather\","
                    + "\"input_schema\":{\"properties\":{\"city\":{\"type\":\"string\"}},"
                    + "\"required\":[\"city\"]}}]"),
            "tools");
    assertThat(tools.get(0))
        .isEqualTo(
            json(
                "{\"type\":\"custom\",\"name\":\"get_weather\",\"description\":\"Weather\","
                    + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":"
                    + "{\"type\":\"string\"}},\"required\":[\"city\"]}}"));
  }

  @Test
  void customToolNeedsNameDescriptionAndObjectSchema() {
    assertThatThrownBy(
            () ->
                AgentTools.tools(
                    json("[{\"type\":\"custom\",\"name\":\"t\",\"input_schema\":{}}]"), "tools"))
        .hasMessageContaining("tools[0].description is required");
    assertThatThrownBy(
            () ->
                AgentTools.tools(
                    json("[{\"type\":\"custom\",\"name\":\"t\",\"description\":\"d\"}]"), "tools"))
        .hasMessageContaining("tools[0].input_schema is required");
    assertThatThrownBy(
            () ->
                AgentTools.tools(
                    json(
                        "[{\"type\":\"custom\",\"name\":\"bad name\",\"description\":\"d\","
                            + "\"input_schema\":{}}]"),
                    "tools"))
        .hasMessageContaining("tools[0].name");
    assertThatThrownBy(
            () ->
                AgentTools.tools(
                    json(
                        "[{\"type\":\"custom\",\"name\":\"t\",\"description\":\"d\","
                            + "\"input_schema\":{\"type\":\"array\"}}]"),
                    "tools"))
        .hasMessageContaining("tools[0].input_schema.type");
  }

  @Test
  void unknownToolTypeIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> AgentTools.tools(json("[{\"type\":\"browser\"}]"), "tools"))
        .hasMessageContaining("tools[0].type")
        .hasMessageContaining("'browser'");
  }

  @Test
  void atMost256Tools() {
    ArrayNode many = Json.MAPPER.createArrayNode();
    for (int i = 0; i < 257; i++) {
      many.addObject()
          .put("type", "custom")
          .put("name", "t" + i)
          .put("description", "d")
          .putObject("input_schema");
    }
    assertThatThrownBy(() -> AgentTools.tools(many, "tools")).hasMessageContaining("at most 256");
    many.remove(256);
    assertThat(AgentTools.tools(many, "tools")).hasSize(256);
  }

  @Test
  void mcpServersMustBeFewUniqueAndReferenced() {
    ArrayNode servers =
        AgentDefinitions.mcpServers(
            json("[{\"type\":\"url\",\"name\":\"docs\",\"url\":\"https://mcp.example.com/sse\"}]"),
            "mcp_servers");
    assertThatThrownBy(() -> AgentTools.checkMcpReferences(servers, Json.MAPPER.createArrayNode()))
        .hasMessageContaining("mcp_servers[0] 'docs' is not used");
    ArrayNode tools =
        AgentTools.tools(
            json("[{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"other\"}]"), "tools");
    assertThatThrownBy(() -> AgentTools.checkMcpReferences(servers, tools))
        .hasMessageContaining("tools[0].mcp_server_name 'other'");
    AgentTools.checkMcpReferences(
        servers,
        AgentTools.tools(
            json("[{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"docs\"}]"), "tools"));

    assertThatThrownBy(
            () ->
                AgentDefinitions.mcpServers(
                    json(
                        "[{\"name\":\"a\",\"url\":\"https://x.io\"},"
                            + "{\"name\":\"a\",\"url\":\"https://y.io\"}]"),
                    "mcp_servers"))
        .hasMessageContaining("more than once");
    assertThatThrownBy(
            () ->
                AgentDefinitions.mcpServers(
                    json("[{\"name\":\"a\",\"url\":\"ftp://x.io\"}]"), "mcp_servers"))
        .hasMessageContaining("mcp_servers[0].url");
    ArrayNode tooMany = Json.MAPPER.createArrayNode();
    for (int i = 0; i < 21; i++) {
      tooMany.addObject().put("name", "s" + i).put("url", "https://x.io");
    }
    assertThatThrownBy(() -> AgentDefinitions.mcpServers(tooMany, "mcp_servers"))
        .hasMessageContaining("at most 20");
  }

  @Test
  void skillsDefaultToLatestVersion() {
    assertThat(
            AgentDefinitions.skills(
                json("[{\"type\":\"anthropic\",\"skill_id\":\"xlsx\"}]"), "skills"))
        .isEqualTo(json("[{\"type\":\"anthropic\",\"skill_id\":\"xlsx\",\"version\":\"latest\"}]"));
    assertThatThrownBy(
            () -> AgentDefinitions.skills(json("[{\"type\":\"magic\",\"skill_id\":\"x\"}]"), "s"))
        .hasMessageContaining("s[0].type");
  }

  @Test
  void executionIdentityDefaultsToServiceAccount() {
    assertThat(AgentDefinitions.executionIdentity(null, "execution_identity"))
        .isEqualTo(json("{\"type\":\"service_account\"}"));
    assertThat(
            AgentDefinitions.executionIdentity(
                json("{\"type\":\"aws_role\",\"role_arn\":\"arn:aws:iam::1:role/x\"}"), "e"))
        .isEqualTo(json("{\"type\":\"aws_role\",\"role_arn\":\"arn:aws:iam::1:role/x\"}"));
    assertThatThrownBy(
            () -> AgentDefinitions.executionIdentity(json("{\"type\":\"aws_role\"}"), "e"))
        .hasMessageContaining("e.role_arn is required");
  }

  @Test
  void multiagentRosterPinsVersionsAndResolvesSelf() {
    var coordinator =
        AgentDefinitions.multiagent(
            json(
                "{\"type\":\"coordinator\",\"agents\":[\"agent_known\",{\"type\":\"agent\","
                    + "\"id\":\"agent_known\",\"version\":2},{\"type\":\"self\"},"
                    + "{\"type\":\"advisor\",\"model\":\"claude-opus-4-6\"}]}"),
            "multiagent",
            NO_AGENTS);
    assertThat(coordinator.orElseThrow())
        .isEqualTo(
            json(
                "{\"type\":\"coordinator\",\"agents\":[{\"type\":\"agent\",\"id\":\"agent_known\","
                    + "\"version\":3},{\"type\":\"agent\",\"id\":\"agent_known\",\"version\":2},"
                    + "{\"type\":\"agent\",\"id\":\"agent_self\",\"version\":1},"
                    + "{\"type\":\"advisor\",\"model\":\"claude-opus-4-6\"}]}"));
    var multi =
        AgentDefinitions.multiagent(
            json("{\"type\":\"multiagent_20261001\",\"subagents\":{\"type\":\"enabled\"}}"),
            "multiagent",
            NO_AGENTS);
    assertThat(multi.orElseThrow())
        .isEqualTo(
            json(
                "{\"type\":\"multiagent_20261001\",\"advisor\":{\"type\":\"disabled\"},"
                    + "\"subagents\":{\"type\":\"enabled\","
                    + "\"inline_agents\":{\"type\":\"enabled\"},"
                    + "\"predefined_agents\":[]},\"workflows\":{\"type\":\"disabled\"}}"));
    assertThat(AgentDefinitions.multiagent(null, "multiagent", NO_AGENTS)).isEmpty();
  }

  @Test
  void multiagentRosterRejectsUnknownAgentsAndBadVersions() {
    assertThatThrownBy(
            () ->
                AgentDefinitions.multiagent(
                    json("{\"type\":\"coordinator\",\"agents\":[\"agent_nope\"]}"),
                    "multiagent",
                    NO_AGENTS))
        .isInstanceOf(ApiException.NotFound.class);
    assertThatThrownBy(
            () ->
                AgentDefinitions.multiagent(
                    json(
                        "{\"type\":\"coordinator\",\"agents\":[{\"type\":\"agent\","
                            + "\"id\":\"agent_known\",\"version\":0}]}"),
                    "multiagent",
                    NO_AGENTS))
        .hasMessageContaining("multiagent.agents[0].version must be at least 1");
    assertThatThrownBy(
            () ->
                AgentDefinitions.multiagent(json("{\"type\":\"swarm\"}"), "multiagent", NO_AGENTS))
        .hasMessageContaining("'swarm'");
  }
}
