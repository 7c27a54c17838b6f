package dev.berth.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.error.ApiException;
import dev.berth.json.Json;
import dev.berth.model.AgentRecord;
import dev.berth.store.AgentStore;
import dev.berth.store.Database;
import dev.berth.store.WorkspaceStore;
import dev.berth.testing.TestStores;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentServiceTest {
  @TempDir Path dir;
  final TestStores stores = TestStores.provision();
  Database db;
  AgentService agents;
  String workspace;
  String otherWorkspace;

  @BeforeEach
  void open() {
    db = stores.openDatabase(dir);
    var workspaces = new WorkspaceStore(db);
    workspace = workspaces.ensureWorkspace("alpha", Ids.workspace(), Timestamps.now());
    otherWorkspace = workspaces.ensureWorkspace("beta", Ids.workspace(), Timestamps.now());
    agents = new AgentService(new AgentStore(db));
  }

  @AfterEach
  void close() {
    db.close();
    stores.close();
  }

  static JsonNode json(String s) {
    return Json.parse(s);
  }

  AgentRecord create(String name, String tools) {
    return agents.create(
        workspace,
        new AgentService.CreateParams(
            json("\"claude-sonnet-4-6\""),
            name,
            Optional.empty(),
            Optional.of("Be brief."),
            Optional.of(json(tools)),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Map.of("team", "support")));
  }

  /** An agent of {@code model} named {@code name} with nothing else set but a roster, if any. */
  static AgentService.CreateParams bare(String model, String name, Optional<JsonNode> multiagent) {
    return new AgentService.CreateParams(
        json(model),
        name,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        multiagent,
        Map.of());
  }

  static AgentService.UpdateParams update(
      Optional<Long> version, Optional<String> name, Map<String, Optional<String>> metadata) {
    return new AgentService.UpdateParams(
        version,
        Optional.empty(),
        name,
        Patch.absent(),
        Patch.absent(),
        Patch.absent(),
        Patch.absent(),
        Patch.absent(),
        Patch.absent(),
        Patch.absent(),
        metadata);
  }

  @Test
  void realChangeMakesNewVersionAndNoOpDoesNot() {
    var a = create("A", "[]");
    assertThat(a.version()).isEqualTo(1);
    var same =
        agents.update(workspace, a.id(), update(Optional.empty(), Optional.of("A"), Map.of()));
    assertThat(same.version()).isEqualTo(1);
    assertThat(same.updatedAt()).isEqualTo(a.updatedAt());
    var renamed =
        agents.update(workspace, a.id(), update(Optional.of(1L), Optional.of("B"), Map.of()));
    assertThat(renamed.version()).isEqualTo(2);
    assertThat(renamed.definition().name()).isEqualTo("B");
    assertThat(renamed.definition().system()).contains("Be brief.");
    assertThat(agents.retrieve(workspace, a.id(), Optional.of(1)).definition().name())
        .isEqualTo("A");
    assertThat(agents.retrieve(workspace, a.id(), Optional.empty()).version()).isEqualTo(2);
  }

  @Test
  void staleVersionIsAConflict() {
    var a = create("A", "[]");
    agents.update(workspace, a.id(), update(Optional.empty(), Optional.of("B"), Map.of()));
    assertThatThrownBy(
            () ->
                agents.update(
                    workspace, a.id(), update(Optional.of(1L), Optional.of("C"), Map.of())))
        .isInstanceOf(ApiException.Conflict.class);
  }

  @Test
  void metadataPatchUpsertsAndDeletes() {
    var a = create("A", "[]");
    var patched =
        agents.update(
            workspace,
            a.id(),
            update(
                Optional.empty(),
                Optional.empty(),
                Map.of("team", Optional.empty(), "tier", Optional.of("gold"))));
    assertThat(patched.definition().metadata()).containsExactly(Map.entry("tier", "gold"));
    assertThat(patched.version()).isEqualTo(2);
  }

  @Test
  void toolsReplaceWholesaleAndNullClears() {
    var a = create("A", "[{\"type\":\"agent_toolset_20260401\"}]");
    var cleared =
        agents.update(
            workspace,
            a.id(),
            new AgentService.UpdateParams(
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Patch.absent(),
                Patch.absent(),
                Patch.of(Json.MAPPER.nullNode()),
                Patch.absent(),
                Patch.absent(),
                Patch.absent(),
                Patch.absent(),
                Map.of()));
    assertThat(cleared.definition().tools()).isEmpty();
  }

  @Test
  void sessionGetsLatestVersionWithoutAgentLevelFields() {
    var a = create("A", "[]");
    var resolved = agents.resolveForSession(workspace, json("\"" + a.id() + "\""));
    assertThat(resolved.id()).isEqualTo(a.id());
    assertThat(resolved.version()).isEqualTo(1);
    assertThat(resolved.sessionAgent())
        .isEqualTo(
            json(
                "{\"id\":\""
                    + a.id()
                    + "\",\"type\":\"agent\",\"version\":1,\"name\":\"A\",\"description\":null,"
                    + "\"system\":\"Be brief.\",\"model\":{\"id\":\"claude-sonnet-4-6\"},"
                    + "\"execution_identity\":{\"type\":\"service_account\"},\"mcp_servers\":[],"
                    + "\"skills\":[],\"tools\":[],\"multiagent\":null}"));
  }

  @Test
  void sessionCanPinAnOlderVersion() {
    var a = create("A", "[]");
    agents.update(workspace, a.id(), update(Optional.empty(), Optional.of("B"), Map.of()));
    var pinned =
        agents.resolveForSession(
            workspace, json("{\"type\":\"agent\",\"id\":\"" + a.id() + "\",\"version\":1}"));
    assertThat(pinned.version()).isEqualTo(1);
    assertThat(pinned.sessionAgent().get("name").asText()).isEqualTo("A");
    assertThat(agents.resolveForSession(workspace, json("\"" + a.id() + "\"")).version())
        .isEqualTo(2);
  }

  @Test
  void overridesReplaceFieldsForTheSessionOnly() {
    var a = create("A", "[{\"type\":\"agent_toolset_20260401\"}]");
    var resolved =
        agents.resolveForSession(
            workspace,
            json(
                "{\"type\":\"agent_with_overrides\",\"id\":\""
                    + a.id()
                    + "\",\"model\":{\"id\":\"claude-opus-4-6\",\"effort\":\"high\"},"
                    + "\"system\":null,\"tools\":[{\"type\":\"mcp_toolset\","
                    + "\"mcp_server_name\":\"docs\"}],\"mcp_servers\":[{\"type\":\"url\","
                    + "\"name\":\"docs\",\"url\":\"https://mcp.example.com\"}],"
                    + "\"skills\":[{\"type\":\"custom\",\"skill_id\":\"s1\",\"version\":\"2\"}]}"));
    JsonNode agent = resolved.sessionAgent();
    assertThat(agent.get("model"))
        .isEqualTo(json("{\"id\":\"claude-opus-4-6\",\"effort\":{\"type\":\"high\"}}"));
    assertThat(agent.get("system").isNull()).isTrue();
    assertThat(agent.get("tools").get(0).get("type").asText()).isEqualTo("mcp_toolset");
    assertThat(agent.get("mcp_servers")).hasSize(1);
    assertThat(agent.get("skills").get(0).get("version").asText()).isEqualTo("2");
    var stored = agents.retrieve(workspace, a.id(), Optional.empty());
    assertThat(stored.version()).isEqualTo(1);
    assertThat(stored.definition().tools().get(0).get("type").asText())
        .isEqualTo("agent_toolset_20260401");
  }

  @Test
  void overridesFollowTheCreateRules() {
    var a = create("A", "[]");
    assertThatThrownBy(
            () ->
                agents.resolveForSession(
                    workspace,
                    json(
                        "{\"type\":\"agent_with_overrides\",\"id\":\""
                            + a.id()
                            + "\",\"mcp_servers\":[{\"name\":\"docs\","
                            + "\"url\":\"https://mcp.example.com\"}]}")))
        .isInstanceOf(ApiException.InvalidRequest.class)
        .hasMessageContaining("not used by any mcp_toolset");
  }

  @Test
  void sessionAgentParamErrors() {
    var a = create("A", "[]");
    assertThatThrownBy(() -> agents.resolveForSession(workspace, json("42")))
        .isInstanceOf(ApiException.InvalidRequest.class);
    assertThatThrownBy(
            () ->
                agents.resolveForSession(
                    workspace,
                    json("{\"type\":\"agent\",\"id\":\"" + a.id() + "\",\"version\":0}")))
        .isInstanceOf(ApiException.InvalidRequest.class)
        .hasMessageContaining("agent.version must be at least 1");
    assertThatThrownBy(
            () ->
                agents.resolveForSession(
                    workspace,
                    json("{\"type\":\"agent\",\"id\":\"" + a.id() + "\",\"model\":\"m\"}")))
        .hasMessageContaining("unknown field 'agent.model'");
    assertThatThrownBy(
            () -> agents.resolveForSession(workspace, json("{\"type\":\"robot\",\"id\":\"x\"}")))
        .hasMessageContaining("agent.type");
    assertThatThrownBy(
            () ->
                agents.resolveForSession(
                    workspace,
                    json("{\"type\":\"agent\",\"id\":\"" + a.id() + "\",\"version\":9}")))
        .isInstanceOf(ApiException.NotFound.class);
    assertThatThrownBy(() -> agents.resolveForSession(workspace, json("\"agent_missing\"")))
        .isInstanceOf(ApiException.NotFound.class);
    assertThatThrownBy(() -> agents.resolveForSession(otherWorkspace, json("\"" + a.id() + "\"")))
        .isInstanceOf(ApiException.NotFound.class);
    agents.archive(workspace, a.id());
    assertThatThrownBy(() -> agents.resolveForSession(workspace, json("\"" + a.id() + "\"")))
        .isInstanceOf(ApiException.InvalidRequest.class)
        .hasMessageContaining("archived");
  }

  @Test
  void sessionRosterExpandsToFullAgentDefinitions() {
    var helper = create("Helper", "[]");
    var lead =
        agents.create(
            workspace,
            bare(
                "\"claude-sonnet-4-6\"",
                "Lead",
                Optional.of(
                    json(
                        "{\"type\":\"coordinator\",\"agents\":[\""
                            + helper.id()
                            + "\",{\"type\":\"self\"}]}"))));
    assertThat(lead.definition().multiagent().orElseThrow().get("agents").get(1))
        .isEqualTo(json("{\"type\":\"agent\",\"id\":\"" + lead.id() + "\",\"version\":1}"));
    var resolved = agents.resolveForSession(workspace, json("\"" + lead.id() + "\""));
    JsonNode roster = resolved.sessionAgent().get("multiagent").get("agents");
    assertThat(roster.get(0).get("name").asText()).isEqualTo("Helper");
    assertThat(roster.get(0).get("version").asInt()).isEqualTo(1);
    assertThat(roster.get(0).has("multiagent")).isFalse();
    assertThat(roster.get(1).get("name").asText()).isEqualTo("Lead");
  }

  @Test
  void rosterNamingAnAgentOfAnotherWorkspaceIsNotFound() {
    var elsewhere = agents.create(otherWorkspace, bare("\"m\"", "X", Optional.empty()));
    assertThatThrownBy(
            () ->
                agents.create(
                    workspace,
                    bare(
                        "\"m\"",
                        "Lead",
                        Optional.of(
                            json(
                                "{\"type\":\"coordinator\",\"agents\":[\""
                                    + elsewhere.id()
                                    + "\"]}")))))
        .isInstanceOf(ApiException.NotFound.class);
  }
}
