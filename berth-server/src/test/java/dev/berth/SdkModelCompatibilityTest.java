package dev.berth;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.beta.agents.AgentListPageResponse;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.agents.versions.VersionListPageResponse;
import com.anthropic.models.beta.environments.BetaEnvironment;
import com.anthropic.models.beta.environments.BetaEnvironmentDeleteResponse;
import com.anthropic.models.beta.environments.EnvironmentListPageResponse;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSessionAgent;
import dev.berth.domain.AgentService;
import dev.berth.domain.Ids;
import dev.berth.json.Json;
import dev.berth.store.AgentStore;
import dev.berth.store.Database;
import dev.berth.store.WorkspaceStore;
import dev.berth.testing.Http;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every agent and environment shape Berth sends is read by the official Java SDK's models and
 * passes their strict {@code validate()} (spec §1.13).
 */
class SdkModelCompatibilityTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  static <T> T read(Http.Response r, Class<T> type) throws Exception {
    assertThat(r.status()).as(String.valueOf(r.json())).isEqualTo(200);
    String body = new String(r.raw().body(), StandardCharsets.UTF_8);
    T model = ObjectMappers.jsonMapper().readValue(body, type);
    type.getMethod("validate").invoke(model);
    return model;
  }

  static final String WITH_TOOLSET =
      "{\"model\":{\"id\":\"claude-sonnet-4-6\",\"effort\":\"medium\",\"speed\":\"standard\","
          + "\"inference_geo\":\"us\"},\"name\":\"Support"
          + " Agent\",\"system\":\"Help.\","
          + "\"tools\":[{\"type\":\"agent_toolset_20260401\",\"default_config\":{\"enabled\":true},"
          + "\"configs\":[{\"name\":\"web_fetch\",\"permission_policy\":{\"type\":\"auto\"},"
          + "\"allowed_domains\":[\"example.com\"],\"max_content_tokens\":5000,"
          + "\"url_sources\":{\"user_input\":\"all\",\"client_tool_results\":\"none\","
          + "\"server_tool_results\":{\"type\":\"except\",\"tools\":[{\"name\":\"x\"}]}}},"
          + "{\"name\":\"web_search\",\"blocked_domains\":[\"bad.example\"],"
          + "\"user_location\":{\"type\":\"approximate\",\"country\":\"NO\"}},"
          + "{\"name\":\"bash\",\"enabled\":false,"
          + "\"permission_policy\":{\"type\":\"always_ask\"}}]}],"
          + "\"skills\":[{\"type\":\"anthropic\",\"skill_id\":\"xlsx\"},"
          + "{\"type\":\"custom\",\"skill_id\":\"skill_1\",\"version\":\"3\"}],"
          + "\"metadata\":{\"team\":\"support\"}}";

  static final String WITH_MCP_AND_CUSTOM =
      "{\"model\":\"claude-opus-4-6\",\"name\":\"Researcher\",\"description\":\"Finds things\","
          + "\"tools\":[{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"docs\",\"configs\":"
          + "[{\"name\":\"search\",\"permission_policy\":{\"type\":\"always_allow\"}}]},"
          + "{\"type\":\"custom\",\"name\":\"get_weather\",\"description\":\"Weather\","
          + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
          + "\"required\":[\"city\"],\"additionalProperties\":false}}],"
          + "\"mcp_servers\":[{\"type\":\"url\",\"name\":\"docs\","
          + "\"url\":\"https://mcp.example.com\"}],"
          + "\"execution_identity\":{\"type\":\"aws_role\","
          + "\"role_arn\":\"arn:aws:iam::1:role/r\"}}";

  @Test
  void minimalAgentPassesStrictValidation() throws Exception {
    var agent =
        read(
            server.http().post("/v1/agents", "{\"model\":\"claude-sonnet-4-6\",\"name\":\"A\"}"),
            BetaManagedAgentsAgent.class);
    assertThat(agent.version()).isEqualTo(1);
    assertThat(agent.archivedAt()).isEmpty();
  }

  @Test
  void agentWithToolsetPassesStrictValidation() throws Exception {
    var agent = read(server.http().post("/v1/agents", WITH_TOOLSET), BetaManagedAgentsAgent.class);
    var toolset = agent.tools().get(0).asAgentToolset20260401();
    assertThat(toolset.configs()).hasSize(8);
    assertThat(agent.model().effort()).isPresent();
    assertThat(agent.skills()).hasSize(2);
  }

  @Test
  void agentWithMcpToolsetAndCustomToolPassesStrictValidation() throws Exception {
    var agent =
        read(server.http().post("/v1/agents", WITH_MCP_AND_CUSTOM), BetaManagedAgentsAgent.class);
    assertThat(agent.tools().get(0).asMcpToolset().mcpServerName()).isEqualTo("docs");
    assertThat(agent.tools().get(1).asCustom().name()).isEqualTo("get_weather");
    assertThat(agent.executionIdentity().isAwsRole()).isTrue();
  }

  @Test
  void agentWithRostersPassesStrictValidation() throws Exception {
    String helper =
        read(
                server.http().post("/v1/agents", "{\"model\":\"m\",\"name\":\"H\"}"),
                BetaManagedAgentsAgent.class)
            .id();
    read(
        server
            .http()
            .post(
                "/v1/agents",
                "{\"model\":\"m\",\"name\":\"Lead\",\"multiagent\":{\"type\":\"coordinator\","
                    + "\"agents\":"
                    + "[\""
                    + helper
                    + "\",{\"type\":\"self\"},{\"type\":\"advisor\",\"model\":\"claude-opus-4-6\"}]}}"),
        BetaManagedAgentsAgent.class);
    read(
        server
            .http()
            .post(
                "/v1/agents",
                "{\"model\":\"m\",\"name\":\"Lead2\",\"multiagent\":{\"type\":\"multiagent_20261001\","
                    + "\"advisor\":{\"type\":\"enabled\",\"model\":\"claude-opus-4-6\"},"
                    + "\"subagents\":{\"type\":\"enabled\",\"predefined_agents\":[\""
                    + helper
                    + "\"]}}}"),
        BetaManagedAgentsAgent.class);
  }

  @Test
  void updatedArchivedAndListedAgentsPassStrictValidation() throws Exception {
    String id =
        read(server.http().post("/v1/agents", WITH_TOOLSET), BetaManagedAgentsAgent.class).id();
    read(server.http().post("/v1/agents/" + id, "{\"name\":\"B\"}"), BetaManagedAgentsAgent.class);
    read(server.http().get("/v1/agents/" + id + "?version=1"), BetaManagedAgentsAgent.class);
    var archived =
        read(server.http().post("/v1/agents/" + id + "/archive"), BetaManagedAgentsAgent.class);
    assertThat(archived.archivedAt()).isPresent();
    read(server.http().get("/v1/agents?include_archived=true"), AgentListPageResponse.class);
    var versions =
        read(server.http().get("/v1/agents/" + id + "/versions"), VersionListPageResponse.class);
    assertThat(versions.data()).hasSize(2);
  }

  @Test
  void sessionAgentPassesStrictValidation(@TempDir Path dir) throws Exception {
    try (TestStores stores = TestStores.provision();
        Database db = stores.openDatabase(dir)) {
      String workspace =
          new WorkspaceStore(db).ensureWorkspace("w", Ids.workspace(), "2026-01-01T00:00:00Z");
      var agents = new AgentService(new AgentStore(db));
      var helper = createDirect(agents, workspace, "{\"model\":\"m\",\"name\":\"H\"}");
      var lead =
          createDirect(
              agents,
              workspace,
              "{\"model\":\"m\",\"name\":\"L\",\"multiagent\":{\"type\":\"coordinator\","
                  + "\"agents\":[\""
                  + helper
                  + "\",{\"type\":\"advisor\",\"model\":\"x\"}]}}");
      var toolset = createDirect(agents, workspace, WITH_TOOLSET);
      for (String param :
          new String[] {
            "\"" + lead + "\"",
            "{\"type\":\"agent\",\"id\":\"" + toolset + "\",\"version\":1}",
            "{\"type\":\"agent_with_overrides\",\"id\":\""
                + toolset
                + "\",\"tools\":[{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"s\"}],"
                + "\"mcp_servers\":[{\"type\":\"url\",\"name\":\"s\",\"url\":\"https://s.io\"}]}"
          }) {
        var resolved = agents.resolveForSession(workspace, Json.parse(param));
        var model =
            ObjectMappers.jsonMapper()
                .readValue(
                    Json.write(resolved.sessionAgent()), BetaManagedAgentsSessionAgent.class);
        model.validate();
        assertThat(model.id()).isEqualTo(resolved.id());
      }
    }
  }

  /** Creates through the service, reading the create body as the HTTP layer would. */
  private static String createDirect(AgentService agents, String workspace, String body) {
    var o = Json.parse(body);
    var params =
        new AgentService.CreateParams(
            o.get("model"),
            o.get("name").asText(),
            Optional.empty(),
            Optional.ofNullable(o.get("system")).map(s -> s.asText()),
            Optional.ofNullable(o.get("tools")),
            Optional.ofNullable(o.get("mcp_servers")),
            Optional.ofNullable(o.get("skills")),
            Optional.empty(),
            Optional.ofNullable(o.get("multiagent")),
            Map.of());
    return agents.create(workspace, params).id();
  }

  @Test
  void environmentsOfAllThreeConfigKindsPassStrictValidation() throws Exception {
    var cloud =
        read(server.http().post("/v1/environments", "{\"name\":\"cloud\"}"), BetaEnvironment.class);
    assertThat(cloud.config().isCloud()).isTrue();
    var limited =
        read(
            server
                .http()
                .post(
                    "/v1/environments",
                    "{\"name\":\"limited\",\"config\":{\"type\":\"cloud\",\"networking\":{\"type\":"
                        + "\"limited\",\"allowed_hosts\":[\"api.example.com\"],"
                        + "\"allow_package_managers\":true},"
                        + "\"packages\":{\"pip\":[\"pandas==2.2.2\"]}}}"),
            BetaEnvironment.class);
    assertThat(limited.config().asCloud().networking().isLimited()).isTrue();
    var selfHosted =
        read(
            server
                .http()
                .post(
                    "/v1/environments",
                    "{\"name\":\"on-prem\",\"description\":\"d\",\"config\":{\"type\":\"self_hosted\"},"
                        + "\"metadata\":{\"team\":\"infra\"}}"),
            BetaEnvironment.class);
    assertThat(selfHosted.config().isSelfHosted()).isTrue();

    read(
        server.http().post("/v1/environments/" + limited.id(), "{\"description\":\"x\"}"),
        BetaEnvironment.class);
    var archived =
        read(
            server.http().post("/v1/environments/" + cloud.id() + "/archive"),
            BetaEnvironment.class);
    assertThat(archived.archivedAt()).isPresent();
    read(
        server.http().get("/v1/environments?include_archived=true"),
        EnvironmentListPageResponse.class);
    read(
        server.http().delete("/v1/environments/" + selfHosted.id()),
        BetaEnvironmentDeleteResponse.class);
  }
}
