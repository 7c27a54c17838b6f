package dev.berth.sdk;

import static dev.berth.testing.SdkClients.expectBadRequest;
import static dev.berth.testing.SdkClients.expectConflict;
import static dev.berth.testing.SdkClients.expectNotFound;
import static dev.berth.testing.SdkClients.expectTooLarge;
import static dev.berth.testing.SdkFixtures.agent;
import static dev.berth.testing.SdkFixtures.agentVersion;
import static dev.berth.testing.SdkFixtures.environment;
import static dev.berth.testing.SdkFixtures.fileResource;
import static dev.berth.testing.SdkFixtures.sandboxPath;
import static dev.berth.testing.SdkFixtures.session;
import static dev.berth.testing.SdkFixtures.sessionFiles;
import static dev.berth.testing.SdkFixtures.upload;
import static dev.berth.testing.SdkServer.withLimitedServer;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.JsonValue;
import com.anthropic.models.beta.agents.AgentUpdateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.environments.BetaEnvironment;
import com.anthropic.models.beta.environments.BetaEnvironmentNotFoundException;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.sessions.BetaManagedAgentsDeletedSession;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.SessionListPage;
import com.anthropic.models.beta.sessions.SessionListParams;
import com.anthropic.models.beta.sessions.SessionUpdateParams;
import dev.berth.testing.SdkServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sessions (spec §3) through the official Java SDK with strict response validation. */
class SessionsSdkIT {
  private static final String UNKNOWN_SESSION = "sesn_01" + "0".repeat(22);
  private static final String UNKNOWN_AGENT = "agent_01" + "0".repeat(22);
  private static final String UNKNOWN_ENV = "env_01" + "0".repeat(22);
  private static final String UNKNOWN_FILE = "file_01" + "0".repeat(22);

  @RegisterExtension static final SdkServer server = new SdkServer();

  static BetaManagedAgentsSession create(Consumer<SessionCreateParams.Builder> params) {
    SessionCreateParams.Builder b = SessionCreateParams.builder();
    params.accept(b);
    return server.alphaClient().beta().sessions().create(b.build()).validate();
  }

  static List<String> listIds(Consumer<SessionListParams.Builder> params) {
    SessionListParams.Builder b = SessionListParams.builder().limit(2);
    params.accept(b);
    List<String> ids = new ArrayList<>();
    for (BetaManagedAgentsSession s :
        server.alphaClient().beta().sessions().list(b.build()).autoPager()) {
      ids.add(s.validate().id());
    }
    return ids;
  }

  static Map<String, JsonValue> metadata(BetaManagedAgentsSession s) {
    return s.metadata()._additionalProperties();
  }

  @Test
  void createWithAnAgentIdReturnsAFreshIdleSession() {
    BetaEnvironment env = environment(server.alphaClient());
    BetaManagedAgentsAgent agent = agent(server.alphaClient());
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
    BetaManagedAgentsSession got =
        server.alphaClient().beta().sessions().retrieve(session.id()).validate();
    assertThat(got.toBuilder().stats(session.stats()).usage(session.usage()).build())
        .isEqualTo(session);
  }

  @Test
  void createWithAgentReferencePinsTheVersion() {
    BetaEnvironment env = environment(server.alphaClient());
    BetaManagedAgentsAgent agent = agent(server.alphaClient());
    server
        .alphaClient()
        .beta()
        .agents()
        .update(agent.id(), AgentUpdateParams.builder().version(1).name("Renamed").build())
        .validate();
    BetaManagedAgentsSession pinned =
        create(p -> p.agent(agentVersion(agent.id(), 1)).environmentId(env.id()));
    assertThat(pinned.agent().version()).isEqualTo(1);
    assertThat(pinned.agent().name()).isEqualTo("agent");
    BetaManagedAgentsSession latest = create(p -> p.agent(agent.id()).environmentId(env.id()));
    assertThat(latest.agent().version()).isEqualTo(2);
    assertThat(latest.agent().name()).isEqualTo("Renamed");
    expectNotFound(() -> create(p -> p.agent(agentVersion(agent.id(), 9)).environmentId(env.id())));
  }

  @Test
  void createWithFileResourcesMountsThem() throws Exception {
    BetaFileMetadata a = upload(server.alphaClient(), "a.txt", "alpha bytes");
    BetaFileMetadata b = upload(server.alphaClient(), "b.txt", "beta bytes");
    BetaManagedAgentsSession session =
        session(
            server.alphaClient(),
            p -> p.addFileResource(a.id()).addResource(fileResource(b.id(), "/inputs/b.txt")));
    assertThat(session.resources()).hasSize(2).allSatisfy(r -> assertThat(r.isFile()).isTrue());
    var ra = session.resources().get(0).asFile();
    var rb = session.resources().get(1).asFile();
    assertThat(ra.fileId()).isNotEqualTo(a.id());
    assertThat(ra.mountPath()).isEqualTo("/mnt/session/uploads/" + a.id());
    assertThat(rb.mountPath()).isEqualTo("/mnt/session/uploads/inputs/b.txt");
    assertThat(Files.readString(sandboxPath(server.get(), session.id(), ra.mountPath())))
        .isEqualTo("alpha bytes");
    assertThat(Files.readString(sandboxPath(server.get(), session.id(), rb.mountPath())))
        .isEqualTo("beta bytes");
    assertThat(server.alphaClient().beta().sessions().resources().list(session.id()).data())
        .isEqualTo(session.resources());
  }

  @Test
  void createIsAllOrNothing() {
    BetaEnvironment env = environment(server.alphaClient());
    BetaManagedAgentsAgent agent = agent(server.alphaClient());
    BetaFileMetadata good = upload(server.alphaClient(), "good", "good");
    expectNotFound(
        () ->
            create(
                p ->
                    p.agent(agent.id())
                        .environmentId(env.id())
                        .addFileResource(good.id())
                        .addFileResource(UNKNOWN_FILE)));
    expectConflict(
        () ->
            create(
                p -> {
                  var same = fileResource(good.id(), "/same");
                  p.agent(agent.id()).environmentId(env.id()).addResource(same).addResource(same);
                }));
    assertThat(listIds(p -> p.agentId(agent.id()).includeArchived(true))).isEmpty();
  }

  @Test
  void createErrors() {
    BetaEnvironment env = environment(server.alphaClient());
    BetaManagedAgentsAgent agent = agent(server.alphaClient());
    expectNotFound(() -> create(p -> p.agent(UNKNOWN_AGENT).environmentId(env.id())));
    var e = expectNotFound(() -> create(p -> p.agent(agent.id()).environmentId(UNKNOWN_ENV)));
    assertThat(e).isInstanceOf(BetaEnvironmentNotFoundException.class);
    BetaFileMetadata file = upload(server.alphaClient(), "f", "f");
    expectBadRequest(
        () ->
            create(
                p ->
                    p.agent(agent.id())
                        .environmentId(env.id())
                        .addResource(fileResource(file.id(), "rel"))));
    expectBadRequest(
        () ->
            create(
                p -> {
                  p.agent(agent.id()).environmentId(env.id());
                  for (int i = 0; i < 101; i++) {
                    p.addResource(fileResource(file.id(), "/f/" + i));
                  }
                }));
    expectBadRequest(
        () -> create(p -> p.agent(agentVersion(agent.id(), 0)).environmentId(env.id())));
  }

  @Test
  void listAutoPagesAndFilters() {
    BetaEnvironment env = environment(server.alphaClient());
    BetaManagedAgentsAgent agent = agent(server.alphaClient());
    List<BetaManagedAgentsSession> mine = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      mine.add(create(p -> p.agent(agent.id()).environmentId(env.id())));
    }
    server.alphaClient().beta().sessions().archive(mine.get(0).id()).validate();
    List<String> ids = mine.stream().map(BetaManagedAgentsSession::id).toList();

    SessionListPage first =
        server
            .alphaClient()
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
    assertThat(listIds(p -> p.agentId(agent(server.alphaClient()).id()))).isEmpty();

    expectBadRequest(
        () ->
            server
                .alphaClient()
                .beta()
                .sessions()
                .list(
                    SessionListParams.builder()
                        .addStatus(SessionListParams.Status.of("x"))
                        .build()));
    expectBadRequest(
        () ->
            server
                .alphaClient()
                .beta()
                .sessions()
                .list(SessionListParams.builder().limit(101).build()));
    expectBadRequest(
        () ->
            server
                .alphaClient()
                .beta()
                .sessions()
                .list(SessionListParams.builder().page("nope").build()));
  }

  @Test
  void updatePatchesTitleAndMetadata() {
    BetaManagedAgentsSession session =
        session(
            server.alphaClient(),
            p ->
                p.title("Old")
                    .metadata(
                        SessionCreateParams.Metadata.builder()
                            .putAdditionalProperty("a", JsonValue.from("1"))
                            .putAdditionalProperty("b", JsonValue.from("2"))
                            .build()));
    BetaManagedAgentsSession renamed =
        server
            .alphaClient()
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
    BetaManagedAgentsSession same =
        server.alphaClient().beta().sessions().update(session.id()).validate();
    assertThat(same.title()).contains("New");
    assertThat(metadata(same)).isEqualTo(metadata(renamed));
    expectBadRequest(
        () ->
            server
                .alphaClient()
                .beta()
                .sessions()
                .update(
                    session.id(),
                    SessionUpdateParams.builder()
                        .addVaultId("vlt_011CZkZDLs7fYzm1hXNPeRjv")
                        .build()));
    expectNotFound(
        () ->
            server
                .alphaClient()
                .beta()
                .sessions()
                .update(UNKNOWN_SESSION, SessionUpdateParams.builder().title("x").build()));
  }

  @Test
  void archiveIsIdempotentAndMakesTheSessionReadOnly() {
    BetaManagedAgentsSession session = session(server.alphaClient());
    BetaManagedAgentsSession archived =
        server.alphaClient().beta().sessions().archive(session.id()).validate();
    assertThat(archived.archivedAt()).isPresent();
    BetaManagedAgentsSession again =
        server.alphaClient().beta().sessions().archive(session.id()).validate();
    assertThat(again.archivedAt()).isEqualTo(archived.archivedAt());
    expectBadRequest(
        () ->
            server
                .alphaClient()
                .beta()
                .sessions()
                .update(session.id(), SessionUpdateParams.builder().title("x").build()));
    expectNotFound(() -> server.alphaClient().beta().sessions().archive(UNKNOWN_SESSION));
  }

  @Test
  void deleteRemovesTheSessionItsResourcesAndSandbox() {
    BetaFileMetadata file = upload(server.alphaClient(), "d", "to be deleted");
    BetaManagedAgentsSession session =
        session(server.alphaClient(), p -> p.addFileResource(file.id()));
    Path onDisk =
        sandboxPath(
            server.get(), session.id(), session.resources().get(0).mountPath().orElseThrow());
    assertThat(onDisk).exists();
    BetaManagedAgentsDeletedSession deleted =
        server.alphaClient().beta().sessions().delete(session.id()).validate();
    assertThat(deleted.id()).isEqualTo(session.id());
    assertThat(deleted._type()).isEqualTo(JsonValue.from("session_deleted"));
    expectNotFound(() -> server.alphaClient().beta().sessions().retrieve(session.id()));
    expectNotFound(() -> server.alphaClient().beta().sessions().delete(session.id()));
    assertThat(onDisk).doesNotExist();
    assertThat(sessionFiles(server.alphaClient(), session.id())).isEmpty();
    assertThat(server.alphaClient().beta().files().retrieveMetadata(file.id()).validate().id())
        .isEqualTo(file.id());
  }

  @Test
  void otherWorkspacesSessionsAreNotFound() {
    BetaManagedAgentsSession session = session(server.alphaClient());
    server.expectNotFoundForBeta(
        other -> other.beta().sessions().retrieve(session.id()),
        other ->
            other
                .beta()
                .sessions()
                .update(session.id(), SessionUpdateParams.builder().title("x").build()),
        other -> other.beta().sessions().archive(session.id()),
        other -> other.beta().sessions().delete(session.id()));
    assertThat(
            server
                .betaClient()
                .beta()
                .sessions()
                .list(SessionListParams.builder().includeArchived(true).build())
                .autoPager()
                .stream()
                .map(BetaManagedAgentsSession::id))
        .doesNotContain(session.id());
    expectNotFound(
        () ->
            server
                .betaClient()
                .beta()
                .sessions()
                .create(
                    SessionCreateParams.builder()
                        .agent(session.agent().id())
                        .environmentId(environment(server.betaClient()).id())
                        .build()));
  }

  @Test
  void wrongKeyIsUnauthorizedEverywhere() {
    server.expectUnauthorized(
        stranger ->
            stranger
                .beta()
                .sessions()
                .create(
                    SessionCreateParams.builder()
                        .agent(UNKNOWN_AGENT)
                        .environmentId(UNKNOWN_ENV)
                        .build()),
        stranger -> stranger.beta().sessions().list(),
        stranger -> stranger.beta().sessions().retrieve(UNKNOWN_SESSION),
        stranger -> stranger.beta().sessions().update(UNKNOWN_SESSION),
        stranger -> stranger.beta().sessions().archive(UNKNOWN_SESSION),
        stranger -> stranger.beta().sessions().delete(UNKNOWN_SESSION));
  }

  @Test
  void createBodyOverTheJsonLimitIsContentTooLarge() {
    withLimitedServer(
        SdkServer.SMALL_JSON,
        client -> {
          String env = environment(client).id();
          String agent = agent(client).id();
          expectTooLarge(
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
        });
  }
}
