package dev.berth.sdk;

import static dev.berth.testing.SdkClients.expectBadRequest;
import static dev.berth.testing.SdkClients.expectConflict;
import static dev.berth.testing.SdkClients.expectNotFound;
import static dev.berth.testing.SdkClients.expectTooLarge;
import static dev.berth.testing.SdkFixtures.agent;
import static dev.berth.testing.SdkFixtures.agentVersion;
import static dev.berth.testing.SdkFixtures.environment;
import static dev.berth.testing.SdkServer.withLimitedServer;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.JsonValue;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.AgentListParams;
import com.anthropic.models.beta.agents.AgentRetrieveParams;
import com.anthropic.models.beta.agents.AgentUpdateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolset20260401;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolset20260401Params;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.agents.versions.VersionListParams;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import dev.berth.testing.SdkServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Agents (spec §4) through the official Java SDK with strict response validation. */
class AgentsSdkIT {
  private static final String UNKNOWN_AGENT = "agent_01" + "0".repeat(22);

  @RegisterExtension static final SdkServer server = new SdkServer();

  static BetaManagedAgentsAgent update(String id, AgentUpdateParams params) {
    return server.alphaClient().beta().agents().update(id, params).validate();
  }

  static List<String> listIds(AgentListParams params) {
    List<String> ids = new ArrayList<>();
    for (BetaManagedAgentsAgent a : server.alphaClient().beta().agents().list(params).autoPager()) {
      ids.add(a.validate().id());
    }
    return ids;
  }

  @Test
  void createWithAModelStringFillsTheDefaults() {
    BetaManagedAgentsAgent agent = agent(server.alphaClient(), "Helper");
    assertThat(agent.id()).matches("agent_01[0-9A-Za-z]{22}");
    assertThat(agent.version()).isEqualTo(1);
    assertThat(agent.name()).isEqualTo("Helper");
    assertThat(agent.model().id()).isEqualTo(BetaManagedAgentsModel.CLAUDE_SONNET_4_6);
    assertThat(agent.description()).isEmpty();
    assertThat(agent.system()).isEmpty();
    assertThat(agent.executionIdentity().isServiceAccount()).isTrue();
    assertThat(agent.tools()).isEmpty();
    assertThat(agent.mcpServers()).isEmpty();
    assertThat(agent.skills()).isEmpty();
    assertThat(agent.metadata()._additionalProperties()).isEmpty();
    assertThat(agent.archivedAt()).isEmpty();
    assertThat(server.alphaClient().beta().agents().retrieve(agent.id()).validate())
        .isEqualTo(agent);
  }

  @Test
  void createWithTheToolsetResolvesItsConfigs() {
    BetaManagedAgentsAgent agent =
        server
            .alphaClient()
            .beta()
            .agents()
            .create(
                AgentCreateParams.builder()
                    .name("Coder")
                    .model(BetaManagedAgentsModel.of("claude-opus-4-6"))
                    .system("You write code.")
                    .addTool(BetaManagedAgentsAgentToolset20260401Params.builder().build())
                    .metadata(
                        AgentCreateParams.Metadata.builder()
                            .putAdditionalProperty("team", JsonValue.from("infra"))
                            .build())
                    .build())
            .validate();
    assertThat(agent.system()).contains("You write code.");
    assertThat(agent.tools()).hasSize(1);
    BetaManagedAgentsAgentToolset20260401 toolset = agent.tools().get(0).asAgentToolset20260401();
    assertThat(toolset.defaultConfig().enabled()).isTrue();
    assertThat(toolset.defaultConfig().permissionPolicy().isAlwaysAllow()).isTrue();
    assertThat(toolset.configs())
        .extracting(c -> c.type().toString())
        .containsExactly(
            "bash", "edit", "read", "write", "glob", "grep", "web_fetch", "web_search");
    assertThat(toolset.configs()).allSatisfy(c -> assertThat(c.enabled()).isTrue());
    assertThat(agent.metadata()._additionalProperties())
        .isEqualTo(Map.of("team", JsonValue.from("infra")));
  }

  @Test
  void updateBumpsTheVersionAndEveryVersionStaysReadable() {
    BetaManagedAgentsAgent agent = agent(server.alphaClient(), "v1");
    BetaManagedAgentsAgent v2 =
        update(
            agent.id(),
            AgentUpdateParams.builder().version(1).name("v2").description("second").build());
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.name()).isEqualTo("v2");
    assertThat(v2.description()).contains("second");
    assertThat(v2.createdAt()).isEqualTo(agent.createdAt());
    BetaManagedAgentsAgent v3 =
        update(
            agent.id(),
            AgentUpdateParams.builder()
                .version(2)
                .addTool(BetaManagedAgentsAgentToolset20260401Params.builder().build())
                .build());
    assertThat(v3.version()).isEqualTo(3);
    assertThat(v3.tools()).hasSize(1);

    assertThat(server.alphaClient().beta().agents().retrieve(agent.id()).validate().version())
        .isEqualTo(3);
    BetaManagedAgentsAgent old =
        server
            .alphaClient()
            .beta()
            .agents()
            .retrieve(agent.id(), AgentRetrieveParams.builder().version(1).build())
            .validate();
    assertThat(old.version()).isEqualTo(1);
    assertThat(old.name()).isEqualTo("v1");
    expectNotFound(
        () ->
            server
                .alphaClient()
                .beta()
                .agents()
                .retrieve(agent.id(), AgentRetrieveParams.builder().version(4).build()));
    expectBadRequest(
        () ->
            server
                .alphaClient()
                .beta()
                .agents()
                .retrieve(agent.id(), AgentRetrieveParams.builder().version(0).build()));

    List<Integer> versions = new ArrayList<>();
    for (BetaManagedAgentsAgent v :
        server
            .alphaClient()
            .beta()
            .agents()
            .versions()
            .list(agent.id(), VersionListParams.builder().limit(2).build())
            .autoPager()) {
      versions.add(v.validate().version());
    }
    assertThat(versions).containsExactly(3, 2, 1);
    expectNotFound(() -> server.alphaClient().beta().agents().versions().list(UNKNOWN_AGENT));
  }

  @Test
  void staleVersionIsAConflict() {
    BetaManagedAgentsAgent agent = agent(server.alphaClient(), "a");
    update(agent.id(), AgentUpdateParams.builder().version(1).name("b").build());
    var e =
        expectConflict(
            () -> update(agent.id(), AgentUpdateParams.builder().version(1).name("c").build()));
    assertThat(e.headers().values("x-should-retry")).containsExactly("false");
    BetaManagedAgentsAgent current =
        server.alphaClient().beta().agents().retrieve(agent.id()).validate();
    assertThat(current.version()).isEqualTo(2);
    assertThat(current.name()).isEqualTo("b");
  }

  @Test
  void listAutoPagesAndHidesArchivedAgents() {
    List<BetaManagedAgentsAgent> mine = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      mine.add(agent(server.alphaClient(), "list-" + i));
    }
    server.alphaClient().beta().agents().archive(mine.get(0).id()).validate();
    List<String> ids = listIds(AgentListParams.builder().limit(2).build());
    assertThat(ids).doesNotHaveDuplicates().contains(mine.get(1).id(), mine.get(2).id());
    assertThat(ids).doesNotContain(mine.get(0).id());
    assertThat(listIds(AgentListParams.builder().limit(2).includeArchived(true).build()))
        .contains(mine.get(0).id());
    assertThat(listIds(AgentListParams.builder().createdAtGte(mine.get(1).createdAt()).build()))
        .contains(mine.get(2).id())
        .doesNotContain(mine.get(0).id());
    expectBadRequest(
        () ->
            server.alphaClient().beta().agents().list(AgentListParams.builder().limit(0).build()));
  }

  @Test
  void archivedAgentCannotStartASession() {
    BetaManagedAgentsAgent agent = agent(server.alphaClient(), "old");
    String env = environment(server.alphaClient()).id();
    BetaManagedAgentsAgent archived =
        server.alphaClient().beta().agents().archive(agent.id()).validate();
    assertThat(archived.archivedAt()).isPresent();
    assertThat(server.alphaClient().beta().agents().archive(agent.id()).validate().archivedAt())
        .isEqualTo(archived.archivedAt());
    expectBadRequest(
        () ->
            server
                .alphaClient()
                .beta()
                .sessions()
                .create(
                    SessionCreateParams.builder().agent(agent.id()).environmentId(env).build()));
    expectBadRequest(
        () ->
            server
                .alphaClient()
                .beta()
                .sessions()
                .create(
                    SessionCreateParams.builder()
                        .agent(agentVersion(agent.id(), 1))
                        .environmentId(env)
                        .build()));
    expectNotFound(() -> server.alphaClient().beta().agents().archive(UNKNOWN_AGENT));
  }

  @Test
  void createValidatesItsBody() {
    expectBadRequest(
        () ->
            server
                .alphaClient()
                .beta()
                .agents()
                .create(
                    AgentCreateParams.builder()
                        .name("")
                        .model(BetaManagedAgentsModel.CLAUDE_SONNET_4_6)
                        .build()));
    expectNotFound(
        () -> update(UNKNOWN_AGENT, AgentUpdateParams.builder().version(1).name("x").build()));
  }

  @Test
  void otherWorkspacesAgentsAreNotFound() {
    BetaManagedAgentsAgent agent = agent(server.alphaClient(), "private");
    server.expectNotFoundForBeta(
        other -> other.beta().agents().retrieve(agent.id()),
        other ->
            other
                .beta()
                .agents()
                .update(agent.id(), AgentUpdateParams.builder().version(1).name("x").build()),
        other -> other.beta().agents().archive(agent.id()),
        other -> other.beta().agents().versions().list(agent.id()));
    assertThat(
            server
                .betaClient()
                .beta()
                .agents()
                .list(AgentListParams.builder().includeArchived(true).build())
                .autoPager()
                .stream()
                .map(BetaManagedAgentsAgent::id))
        .doesNotContain(agent.id());
  }

  @Test
  void wrongKeyIsUnauthorizedEverywhere() {
    server.expectUnauthorized(
        stranger ->
            stranger
                .beta()
                .agents()
                .create(
                    AgentCreateParams.builder()
                        .name("x")
                        .model(BetaManagedAgentsModel.CLAUDE_SONNET_4_6)
                        .build()),
        stranger -> stranger.beta().agents().list(),
        stranger -> stranger.beta().agents().retrieve(UNKNOWN_AGENT),
        stranger ->
            stranger
                .beta()
                .agents()
                .update(UNKNOWN_AGENT, AgentUpdateParams.builder().version(1).build()),
        stranger -> stranger.beta().agents().versions().list(UNKNOWN_AGENT),
        stranger -> stranger.beta().agents().archive(UNKNOWN_AGENT));
  }

  @Test
  void createBodyOverTheJsonLimitIsContentTooLarge() {
    withLimitedServer(
        SdkServer.SMALL_JSON,
        client -> {
          expectTooLarge(
              () ->
                  client
                      .beta()
                      .agents()
                      .create(
                          AgentCreateParams.builder()
                              .name("big")
                              .model(BetaManagedAgentsModel.CLAUDE_SONNET_4_6)
                              .system("s".repeat(5000))
                              .build()));
        });
  }
}
