package dev.berth.sdk;

import static dev.berth.testing.SdkClients.expectApiError;
import static dev.berth.testing.SdkFixtures.environment;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.ConflictException;
import com.anthropic.errors.ContentTooLargeException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.AgentListParams;
import com.anthropic.models.beta.agents.AgentRetrieveParams;
import com.anthropic.models.beta.agents.AgentUpdateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolset20260401;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolset20260401Params;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.agents.versions.VersionListParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsAgentParams;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import dev.berth.testing.SdkClients;
import dev.berth.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Agents (spec §4) through the official Java SDK with strict response validation. */
class AgentsSdkIT {
  private static final String UNKNOWN_AGENT = "agent_01" + "0".repeat(22);

  static TestServer server;
  static AnthropicClient alpha;
  static AnthropicClient beta;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    alpha = SdkClients.client(server);
    beta = SdkClients.client(server, TestServer.OTHER_KEY);
  }

  @AfterAll
  static void stop() {
    alpha.close();
    beta.close();
    server.close();
  }

  static BetaManagedAgentsAgent create(String name) {
    return alpha
        .beta()
        .agents()
        .create(
            AgentCreateParams.builder()
                .name(name)
                .model(BetaManagedAgentsModel.CLAUDE_SONNET_4_6)
                .build())
        .validate();
  }

  static BetaManagedAgentsAgent update(String id, AgentUpdateParams params) {
    return alpha.beta().agents().update(id, params).validate();
  }

  static List<String> listIds(AgentListParams params) {
    List<String> ids = new ArrayList<>();
    for (BetaManagedAgentsAgent a : alpha.beta().agents().list(params).autoPager()) {
      ids.add(a.validate().id());
    }
    return ids;
  }

  @Test
  void createWithAModelStringFillsTheDefaults() {
    BetaManagedAgentsAgent agent = create("Helper");
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
    assertThat(alpha.beta().agents().retrieve(agent.id()).validate()).isEqualTo(agent);
  }

  @Test
  void createWithTheToolsetResolvesItsConfigs() {
    BetaManagedAgentsAgent agent =
        alpha
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
    BetaManagedAgentsAgent agent = create("v1");
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

    assertThat(alpha.beta().agents().retrieve(agent.id()).validate().version()).isEqualTo(3);
    BetaManagedAgentsAgent old =
        alpha
            .beta()
            .agents()
            .retrieve(agent.id(), AgentRetrieveParams.builder().version(1).build())
            .validate();
    assertThat(old.version()).isEqualTo(1);
    assertThat(old.name()).isEqualTo("v1");
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () ->
            alpha
                .beta()
                .agents()
                .retrieve(agent.id(), AgentRetrieveParams.builder().version(4).build()));
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () ->
            alpha
                .beta()
                .agents()
                .retrieve(agent.id(), AgentRetrieveParams.builder().version(0).build()));

    List<Integer> versions = new ArrayList<>();
    for (BetaManagedAgentsAgent v :
        alpha
            .beta()
            .agents()
            .versions()
            .list(agent.id(), VersionListParams.builder().limit(2).build())
            .autoPager()) {
      versions.add(v.validate().version());
    }
    assertThat(versions).containsExactly(3, 2, 1);
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> alpha.beta().agents().versions().list(UNKNOWN_AGENT));
  }

  @Test
  void staleVersionIsAConflict() {
    BetaManagedAgentsAgent agent = create("a");
    update(agent.id(), AgentUpdateParams.builder().version(1).name("b").build());
    var e =
        expectApiError(
            ConflictException.class,
            409,
            "conflict_error",
            () -> update(agent.id(), AgentUpdateParams.builder().version(1).name("c").build()));
    assertThat(e.headers().values("x-should-retry")).containsExactly("false");
    BetaManagedAgentsAgent current = alpha.beta().agents().retrieve(agent.id()).validate();
    assertThat(current.version()).isEqualTo(2);
    assertThat(current.name()).isEqualTo("b");
  }

  @Test
  void listAutoPagesAndHidesArchivedAgents() {
    List<BetaManagedAgentsAgent> mine = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      mine.add(create("list-" + i));
    }
    alpha.beta().agents().archive(mine.get(0).id()).validate();
    List<String> ids = listIds(AgentListParams.builder().limit(2).build());
    assertThat(ids).doesNotHaveDuplicates().contains(mine.get(1).id(), mine.get(2).id());
    assertThat(ids).doesNotContain(mine.get(0).id());
    assertThat(listIds(AgentListParams.builder().limit(2).includeArchived(true).build()))
        .contains(mine.get(0).id());
    assertThat(listIds(AgentListParams.builder().createdAtGte(mine.get(1).createdAt()).build()))
        .contains(mine.get(2).id())
        .doesNotContain(mine.get(0).id());
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () -> alpha.beta().agents().list(AgentListParams.builder().limit(0).build()));
  }

  @Test
  void archivedAgentCannotStartASession() {
    BetaManagedAgentsAgent agent = create("old");
    String env = environment(alpha).id();
    BetaManagedAgentsAgent archived = alpha.beta().agents().archive(agent.id()).validate();
    assertThat(archived.archivedAt()).isPresent();
    assertThat(alpha.beta().agents().archive(agent.id()).validate().archivedAt())
        .isEqualTo(archived.archivedAt());
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () ->
            alpha
                .beta()
                .sessions()
                .create(
                    SessionCreateParams.builder().agent(agent.id()).environmentId(env).build()));
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () ->
            alpha
                .beta()
                .sessions()
                .create(
                    SessionCreateParams.builder()
                        .agent(
                            BetaManagedAgentsAgentParams.builder()
                                .id(agent.id())
                                .version(1)
                                .build())
                        .environmentId(env)
                        .build()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> alpha.beta().agents().archive(UNKNOWN_AGENT));
  }

  @Test
  void createValidatesItsBody() {
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () ->
            alpha
                .beta()
                .agents()
                .create(
                    AgentCreateParams.builder()
                        .name("")
                        .model(BetaManagedAgentsModel.CLAUDE_SONNET_4_6)
                        .build()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> update(UNKNOWN_AGENT, AgentUpdateParams.builder().version(1).name("x").build()));
  }

  @Test
  void otherWorkspacesAgentsAreNotFound() {
    BetaManagedAgentsAgent agent = create("private");
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().agents().retrieve(agent.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () ->
            beta.beta()
                .agents()
                .update(agent.id(), AgentUpdateParams.builder().version(1).name("x").build()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().agents().archive(agent.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().agents().versions().list(agent.id()));
    assertThat(
            beta
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
    AnthropicClient stranger = SdkClients.client(server, "sk-not-a-key-of-this-server");
    try {
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () ->
              stranger
                  .beta()
                  .agents()
                  .create(
                      AgentCreateParams.builder()
                          .name("x")
                          .model(BetaManagedAgentsModel.CLAUDE_SONNET_4_6)
                          .build()));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().agents().list());
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().agents().retrieve(UNKNOWN_AGENT));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () ->
              stranger
                  .beta()
                  .agents()
                  .update(UNKNOWN_AGENT, AgentUpdateParams.builder().version(1).build()));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().agents().versions().list(UNKNOWN_AGENT));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().agents().archive(UNKNOWN_AGENT));
    } finally {
      stranger.close();
    }
  }

  @Test
  void createBodyOverTheJsonLimitIsContentTooLarge() {
    TestServer limited = TestServer.start(SessionResourcesSdkIT::smallJson);
    AnthropicClient client = SdkClients.client(limited);
    try {
      expectApiError(
          ContentTooLargeException.class,
          413,
          "request_too_large",
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
    } finally {
      client.close();
      limited.close();
    }
  }
}
