package dev.berth.sdk;

import static dev.berth.testing.SdkClients.expectApiError;
import static dev.berth.testing.SdkFixtures.agent;
import static dev.berth.testing.SdkFixtures.environment;
import static dev.berth.testing.SdkFixtures.sandboxPath;
import static dev.berth.testing.SdkFixtures.session;
import static dev.berth.testing.SdkFixtures.upload;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.ConflictException;
import com.anthropic.errors.ContentTooLargeException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.beta.agents.AgentUpdateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.environments.BetaEnvironment;
import com.anthropic.models.beta.environments.BetaEnvironmentNotFoundException;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileListParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsAgentParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsDeletedSession;
import com.anthropic.models.beta.sessions.BetaManagedAgentsFileResourceParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.SessionListPage;
import com.anthropic.models.beta.sessions.SessionListParams;
import com.anthropic.models.beta.sessions.SessionUpdateParams;
import dev.berth.testing.SdkClients;
import dev.berth.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sessions (spec §3) through the official Java SDK with strict response validation. */
class SessionsSdkIT {
  private static final String UNKNOWN_SESSION = "sesn_01" + "0".repeat(22);
  private static final String UNKNOWN_AGENT = "agent_01" + "0".repeat(22);
  private static final String UNKNOWN_ENV = "env_01" + "0".repeat(22);
  private static final String UNKNOWN_FILE = "file_01" + "0".repeat(22);

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

  static BetaManagedAgentsSession create(Consumer<SessionCreateParams.Builder> params) {
    SessionCreateParams.Builder b = SessionCreateParams.builder();
    params.accept(b);
    return alpha.beta().sessions().create(b.build()).validate();
  }

  static List<String> listIds(Consumer<SessionListParams.Builder> params) {
    SessionListParams.Builder b = SessionListParams.builder().limit(2);
    params.accept(b);
    List<String> ids = new ArrayList<>();
    for (BetaManagedAgentsSession s : alpha.beta().sessions().list(b.build()).autoPager()) {
      ids.add(s.validate().id());
    }
    return ids;
  }

  static Map<String, JsonValue> metadata(BetaManagedAgentsSession s) {
    return s.metadata()._additionalProperties();
  }

  @Test
  void createWithAnAgentIdReturnsAFreshIdleSession() {
    BetaEnvironment env = environment(alpha);
    BetaManagedAgentsAgent agent = agent(alpha);
    BetaManagedAgentsSession session =
        create(
            p ->
                p.agent(agent.id())
                    .environmentId(env.id())
                    .title("First")
                    .metadata(
                        SessionCreateParams.Metadata.builder()
                            .putAdditionalProperty("team", JsonValue.from("a"))
                            .build()));
    assertThat(session.id()).matches("sesn_01[0-9A-Za-z]{22}");
    assertThat(session.status()).isEqualTo(BetaManagedAgentsSession.Status.IDLE);
    assertThat(session.environmentId()).isEqualTo(env.id());
    assertThat(session.title()).contains("First");
    assertThat(metadata(session)).containsEntry("team", JsonValue.from("a"));
    assertThat(session.resources()).isEmpty();
    assertThat(session.vaultIds()).isEmpty();
    assertThat(session.outcomeEvaluations()).isEmpty();
    assertThat(session.archivedAt()).isEmpty();
    assertThat(session.agent().id()).isEqualTo(agent.id());
    assertThat(session.agent().version()).isEqualTo(1);
    assertThat(session.agent().name()).isEqualTo(agent.name());
    BetaManagedAgentsSession got = alpha.beta().sessions().retrieve(session.id()).validate();
    assertThat(got.toBuilder().stats(session.stats()).usage(session.usage()).build())
        .isEqualTo(session);
  }

  @Test
  void createWithAgentReferencePinsTheVersion() {
    BetaEnvironment env = environment(alpha);
    BetaManagedAgentsAgent agent = agent(alpha);
    alpha
        .beta()
        .agents()
        .update(agent.id(), AgentUpdateParams.builder().version(1).name("Renamed").build())
        .validate();
    BetaManagedAgentsSession pinned =
        create(
            p ->
                p.agent(BetaManagedAgentsAgentParams.builder().id(agent.id()).version(1).build())
                    .environmentId(env.id()));
    assertThat(pinned.agent().version()).isEqualTo(1);
    assertThat(pinned.agent().name()).isEqualTo("agent");
    BetaManagedAgentsSession latest = create(p -> p.agent(agent.id()).environmentId(env.id()));
    assertThat(latest.agent().version()).isEqualTo(2);
    assertThat(latest.agent().name()).isEqualTo("Renamed");
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () ->
            create(
                p ->
                    p.agent(
                            BetaManagedAgentsAgentParams.builder()
                                .id(agent.id())
                                .version(9)
                                .build())
                        .environmentId(env.id())));
  }

  @Test
  void createWithFileResourcesMountsThem() throws Exception {
    BetaFileMetadata a = upload(alpha, "a.txt", "alpha bytes");
    BetaFileMetadata b = upload(alpha, "b.txt", "beta bytes");
    BetaManagedAgentsSession session =
        session(
            alpha,
            p ->
                p.addFileResource(a.id())
                    .addResource(
                        BetaManagedAgentsFileResourceParams.builder()
                            .fileId(b.id())
                            .mountPath("/inputs/b.txt")
                            .build()));
    assertThat(session.resources()).hasSize(2).allSatisfy(r -> assertThat(r.isFile()).isTrue());
    var ra = session.resources().get(0).asFile();
    var rb = session.resources().get(1).asFile();
    assertThat(ra.fileId()).isNotEqualTo(a.id());
    assertThat(ra.mountPath()).isEqualTo("/mnt/session/uploads/" + a.id());
    assertThat(rb.mountPath()).isEqualTo("/mnt/session/uploads/inputs/b.txt");
    assertThat(Files.readString(sandboxPath(server, session.id(), ra.mountPath())))
        .isEqualTo("alpha bytes");
    assertThat(Files.readString(sandboxPath(server, session.id(), rb.mountPath())))
        .isEqualTo("beta bytes");
    assertThat(alpha.beta().sessions().resources().list(session.id()).data())
        .isEqualTo(session.resources());
  }

  @Test
  void createIsAllOrNothing() {
    BetaEnvironment env = environment(alpha);
    BetaManagedAgentsAgent agent = agent(alpha);
    BetaFileMetadata good = upload(alpha, "good", "good");
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () ->
            create(
                p ->
                    p.agent(agent.id())
                        .environmentId(env.id())
                        .addFileResource(good.id())
                        .addFileResource(UNKNOWN_FILE)));
    expectApiError(
        ConflictException.class,
        409,
        "conflict_error",
        () ->
            create(
                p -> {
                  var same =
                      BetaManagedAgentsFileResourceParams.builder()
                          .fileId(good.id())
                          .mountPath("/same")
                          .build();
                  p.agent(agent.id()).environmentId(env.id()).addResource(same).addResource(same);
                }));
    assertThat(listIds(p -> p.agentId(agent.id()).includeArchived(true))).isEmpty();
  }

  @Test
  void createErrors() {
    BetaEnvironment env = environment(alpha);
    BetaManagedAgentsAgent agent = agent(alpha);
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> create(p -> p.agent(UNKNOWN_AGENT).environmentId(env.id())));
    var e =
        expectApiError(
            NotFoundException.class,
            404,
            "not_found_error",
            () -> create(p -> p.agent(agent.id()).environmentId(UNKNOWN_ENV)));
    assertThat(e).isInstanceOf(BetaEnvironmentNotFoundException.class);
    BetaFileMetadata file = upload(alpha, "f", "f");
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () ->
            create(
                p ->
                    p.agent(agent.id())
                        .environmentId(env.id())
                        .addResource(
                            BetaManagedAgentsFileResourceParams.builder()
                                .fileId(file.id())
                                .mountPath("rel")
                                .build())));
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () ->
            create(
                p -> {
                  p.agent(agent.id()).environmentId(env.id());
                  for (int i = 0; i < 101; i++) {
                    p.addResource(
                        BetaManagedAgentsFileResourceParams.builder()
                            .fileId(file.id())
                            .mountPath("/f/" + i)
                            .build());
                  }
                }));
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () ->
            create(
                p ->
                    p.agent(
                            BetaManagedAgentsAgentParams.builder()
                                .id(agent.id())
                                .version(0)
                                .build())
                        .environmentId(env.id())));
  }

  @Test
  void listAutoPagesAndFilters() {
    BetaEnvironment env = environment(alpha);
    BetaManagedAgentsAgent agent = agent(alpha);
    List<BetaManagedAgentsSession> mine = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      mine.add(create(p -> p.agent(agent.id()).environmentId(env.id())));
    }
    alpha.beta().sessions().archive(mine.get(0).id()).validate();
    List<String> ids = mine.stream().map(BetaManagedAgentsSession::id).toList();

    SessionListPage first =
        alpha
            .beta()
            .sessions()
            .list(SessionListParams.builder().agentId(agent.id()).limit(2).build());
    assertThat(first.data()).hasSize(2);
    assertThat(first.hasNextPage()).isTrue();
    assertThat(first.nextPage().data()).hasSize(2);

    assertThat(listIds(p -> p.agentId(agent.id()))).isEqualTo(ids.subList(1, 5).reversed());
    assertThat(listIds(p -> p.agentId(agent.id()).includeArchived(true))).isEqualTo(ids.reversed());
    assertThat(listIds(p -> p.agentId(agent.id()).order(SessionListParams.Order.ASC)))
        .isEqualTo(ids.subList(1, 5));
    assertThat(listIds(p -> p.agentId(agent.id()).addStatus(SessionListParams.Status.IDLE)))
        .hasSize(4);
    assertThat(
            listIds(
                p ->
                    p.agentId(agent.id())
                        .addStatus(SessionListParams.Status.RUNNING)
                        .addStatus(SessionListParams.Status.TERMINATED)))
        .isEmpty();
    assertThat(
            listIds(
                p ->
                    p.agentId(agent.id())
                        .createdAtGt(mine.get(2).createdAt())
                        .order(SessionListParams.Order.ASC)))
        .isEqualTo(ids.subList(3, 5));
    assertThat(
            listIds(
                p ->
                    p.agentId(agent.id())
                        .createdAtGte(mine.get(1).createdAt())
                        .createdAtLte(mine.get(2).createdAt())))
        .containsExactly(ids.get(2), ids.get(1));
    // Java sends the offset it is given; +01:00 must name the same instant.
    assertThat(
            listIds(
                p ->
                    p.agentId(agent.id())
                        .createdAtLt(
                            mine.get(2)
                                .createdAt()
                                .withOffsetSameInstant(java.time.ZoneOffset.ofHours(1)))))
        .containsExactly(ids.get(1));
    assertThat(listIds(p -> p.agentId(agent(alpha).id()))).isEmpty();

    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () ->
            alpha
                .beta()
                .sessions()
                .list(
                    SessionListParams.builder()
                        .addStatus(SessionListParams.Status.of("x"))
                        .build()));
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () -> alpha.beta().sessions().list(SessionListParams.builder().limit(101).build()));
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () -> alpha.beta().sessions().list(SessionListParams.builder().page("nope").build()));
  }

  @Test
  void updatePatchesTitleAndMetadata() {
    BetaManagedAgentsSession session =
        session(
            alpha,
            p ->
                p.title("Old")
                    .metadata(
                        SessionCreateParams.Metadata.builder()
                            .putAdditionalProperty("a", JsonValue.from("1"))
                            .putAdditionalProperty("b", JsonValue.from("2"))
                            .build()));
    BetaManagedAgentsSession renamed =
        alpha
            .beta()
            .sessions()
            .update(
                session.id(),
                SessionUpdateParams.builder()
                    .title("New")
                    .metadata(
                        SessionUpdateParams.Metadata.builder()
                            .putAdditionalProperty("a", JsonValue.from(null))
                            .putAdditionalProperty("c", JsonValue.from("3"))
                            .build())
                    .build())
            .validate();
    assertThat(renamed.title()).contains("New");
    assertThat(metadata(renamed))
        .isEqualTo(Map.of("b", JsonValue.from("2"), "c", JsonValue.from("3")));
    assertThat(renamed.updatedAt()).isAfterOrEqualTo(session.updatedAt());
    BetaManagedAgentsSession same = alpha.beta().sessions().update(session.id()).validate();
    assertThat(same.title()).contains("New");
    assertThat(metadata(same)).isEqualTo(metadata(renamed));
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () ->
            alpha
                .beta()
                .sessions()
                .update(
                    session.id(),
                    SessionUpdateParams.builder()
                        .addVaultId("vlt_011CZkZDLs7fYzm1hXNPeRjv")
                        .build()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () ->
            alpha
                .beta()
                .sessions()
                .update(UNKNOWN_SESSION, SessionUpdateParams.builder().title("x").build()));
  }

  @Test
  void archiveIsIdempotentAndMakesTheSessionReadOnly() {
    BetaManagedAgentsSession session = session(alpha);
    BetaManagedAgentsSession archived = alpha.beta().sessions().archive(session.id()).validate();
    assertThat(archived.archivedAt()).isPresent();
    BetaManagedAgentsSession again = alpha.beta().sessions().archive(session.id()).validate();
    assertThat(again.archivedAt()).isEqualTo(archived.archivedAt());
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () ->
            alpha
                .beta()
                .sessions()
                .update(session.id(), SessionUpdateParams.builder().title("x").build()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> alpha.beta().sessions().archive(UNKNOWN_SESSION));
  }

  @Test
  void deleteRemovesTheSessionItsResourcesAndSandbox() {
    BetaFileMetadata file = upload(alpha, "d", "to be deleted");
    BetaManagedAgentsSession session = session(alpha, p -> p.addFileResource(file.id()));
    Path onDisk =
        sandboxPath(server, session.id(), session.resources().get(0).mountPath().orElseThrow());
    assertThat(onDisk).exists();
    BetaManagedAgentsDeletedSession deleted =
        alpha.beta().sessions().delete(session.id()).validate();
    assertThat(deleted.id()).isEqualTo(session.id());
    assertThat(deleted._type().asString()).contains("session_deleted");
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> alpha.beta().sessions().retrieve(session.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> alpha.beta().sessions().delete(session.id()));
    assertThat(onDisk).doesNotExist();
    assertThat(
            alpha
                .beta()
                .files()
                .list(FileListParams.builder().scopeId(session.id()).build())
                .data())
        .isEmpty();
    assertThat(alpha.beta().files().retrieveMetadata(file.id()).validate().id())
        .isEqualTo(file.id());
  }

  @Test
  void otherWorkspacesSessionsAreNotFound() {
    BetaManagedAgentsSession session = session(alpha);
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().sessions().retrieve(session.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () ->
            beta.beta()
                .sessions()
                .update(session.id(), SessionUpdateParams.builder().title("x").build()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().sessions().archive(session.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().sessions().delete(session.id()));
    assertThat(
            beta
                .beta()
                .sessions()
                .list(SessionListParams.builder().includeArchived(true).build())
                .autoPager()
                .stream()
                .map(BetaManagedAgentsSession::id))
        .doesNotContain(session.id());
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () ->
            beta.beta()
                .sessions()
                .create(
                    SessionCreateParams.builder()
                        .agent(session.agent().id())
                        .environmentId(environment(beta).id())
                        .build()));
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
                  .sessions()
                  .create(
                      SessionCreateParams.builder()
                          .agent(UNKNOWN_AGENT)
                          .environmentId(UNKNOWN_ENV)
                          .build()));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().sessions().list());
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().sessions().retrieve(UNKNOWN_SESSION));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().sessions().update(UNKNOWN_SESSION));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().sessions().archive(UNKNOWN_SESSION));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().sessions().delete(UNKNOWN_SESSION));
    } finally {
      stranger.close();
    }
  }

  @Test
  void createBodyOverTheJsonLimitIsContentTooLarge() {
    TestServer limited = TestServer.start(SessionResourcesSdkIT::smallJson);
    AnthropicClient client = SdkClients.client(limited);
    try {
      String env = environment(client).id();
      String agent = agent(client).id();
      expectApiError(
          ContentTooLargeException.class,
          413,
          "request_too_large",
          () ->
              client
                  .beta()
                  .sessions()
                  .create(
                      SessionCreateParams.builder()
                          .agent(agent)
                          .environmentId(env)
                          .title("t".repeat(5000))
                          .build()));
    } finally {
      client.close();
      limited.close();
    }
  }
}
