package dev.berth.sdk;

import static dev.berth.testing.SdkClients.expectBadRequest;
import static dev.berth.testing.SdkClients.expectNotFound;
import static dev.berth.testing.SdkClients.expectTooLarge;
import static dev.berth.testing.SdkFixtures.agent;
import static dev.berth.testing.SdkFixtures.environment;
import static dev.berth.testing.SdkServer.withLimitedServer;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.JsonValue;
import com.anthropic.models.beta.environments.BetaCloudConfig;
import com.anthropic.models.beta.environments.BetaCloudConfigParams;
import com.anthropic.models.beta.environments.BetaEnvironment;
import com.anthropic.models.beta.environments.BetaEnvironmentArchivedException;
import com.anthropic.models.beta.environments.BetaEnvironmentDeleteResponse;
import com.anthropic.models.beta.environments.BetaEnvironmentNotFoundException;
import com.anthropic.models.beta.environments.BetaInvalidConfigTypeChangeException;
import com.anthropic.models.beta.environments.BetaLimitedNetwork;
import com.anthropic.models.beta.environments.BetaLimitedNetworkParams;
import com.anthropic.models.beta.environments.BetaSelfHostedConfigParams;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.environments.EnvironmentListParams;
import com.anthropic.models.beta.environments.EnvironmentUpdateParams;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import dev.berth.testing.SdkServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Environments (spec §5) through the official Java SDK with strict response validation. */
class EnvironmentsSdkIT {
  private static final String UNKNOWN_ENV = "env_01" + "0".repeat(22);

  @RegisterExtension static final SdkServer server = new SdkServer();

  static BetaEnvironment create(EnvironmentCreateParams params) {
    return server.alphaClient().beta().environments().create(params).validate();
  }

  static BetaEnvironment update(String id, EnvironmentUpdateParams params) {
    return server.alphaClient().beta().environments().update(id, params).validate();
  }

  static SessionCreateParams sessionIn(String environmentId) {
    return SessionCreateParams.builder()
        .agent(agent(server.alphaClient()).id())
        .environmentId(environmentId)
        .build();
  }

  @Test
  void createWithOnlyANameGetsTheDefaultCloudConfig() {
    BetaEnvironment env = environment(server.alphaClient(), "dev");
    assertThat(env.id()).matches("env_01[0-9A-Za-z]{22}");
    assertThat(env.name()).isEqualTo("dev");
    assertThat(env.description()).isEmpty();
    assertThat(env.config().isCloud()).isTrue();
    BetaCloudConfig cloud = env.config().asCloud();
    assertThat(cloud.networking().isUnrestricted()).isTrue();
    assertThat(cloud.packages().apt()).isEmpty();
    assertThat(cloud.packages().pip()).isEmpty();
    assertThat(env.metadata()._additionalProperties()).isEmpty();
    assertThat(env.scope()).contains(BetaEnvironment.Scope.ORGANIZATION);
    assertThat(env.archivedAt()).isEmpty();
    assertThat(server.alphaClient().beta().environments().retrieve(env.id()).validate())
        .isEqualTo(env);
  }

  @Test
  void createWithLimitedNetworkingFillsItsDefaults() {
    BetaEnvironment env =
        create(
            EnvironmentCreateParams.builder()
                .name("locked")
                .description("no internet")
                .config(
                    BetaCloudConfigParams.builder()
                        .networking(
                            BetaLimitedNetworkParams.builder()
                                .addAllowedHost("example.com")
                                .build())
                        .build())
                .metadata(
                    EnvironmentCreateParams.Metadata.builder()
                        .putAdditionalProperty("owner", JsonValue.from("ops"))
                        .build())
                .build());
    BetaLimitedNetwork limited = env.config().asCloud().networking().asLimited();
    assertThat(limited.allowedHosts()).containsExactly("example.com");
    assertThat(limited.allowMcpServers()).isFalse();
    assertThat(limited.allowPackageManagers()).isFalse();
    assertThat(env.description()).contains("no internet");
    assertThat(env.metadata()._additionalProperties())
        .isEqualTo(Map.of("owner", JsonValue.from("ops")));

    BetaEnvironment selfHosted =
        create(
            EnvironmentCreateParams.builder()
                .name("mine")
                .config(BetaSelfHostedConfigParams.builder().build())
                .build());
    assertThat(selfHosted.config().isSelfHosted()).isTrue();
  }

  @Test
  void updatePatchesAndRejectsAConfigTypeChange() {
    BetaEnvironment env =
        create(
            EnvironmentCreateParams.builder()
                .name("before")
                .description("d")
                .metadata(
                    EnvironmentCreateParams.Metadata.builder()
                        .putAdditionalProperty("a", JsonValue.from("1"))
                        .putAdditionalProperty("b", JsonValue.from("2"))
                        .build())
                .build());
    BetaEnvironment updated =
        update(
            env.id(),
            EnvironmentUpdateParams.builder()
                .name("after")
                .metadata(
                    EnvironmentUpdateParams.Metadata.builder()
                        .putAdditionalProperty("a", JsonValue.from(null))
                        .putAdditionalProperty("b", JsonValue.from(""))
                        .putAdditionalProperty("c", JsonValue.from("3"))
                        .build())
                .config(
                    BetaCloudConfigParams.builder()
                        .networking(
                            BetaLimitedNetworkParams.builder().addAllowedHost("pypi.org").build())
                        .build())
                .build());
    assertThat(updated.name()).isEqualTo("after");
    assertThat(updated.description()).contains("d");
    assertThat(updated.metadata()._additionalProperties())
        .isEqualTo(Map.of("c", JsonValue.from("3")));
    assertThat(updated.config().asCloud().networking().isLimited()).isTrue();
    assertThat(updated.createdAt()).isEqualTo(env.createdAt());
    var e =
        expectBadRequest(
            () ->
                update(
                    env.id(),
                    EnvironmentUpdateParams.builder()
                        .config(BetaSelfHostedConfigParams.builder().build())
                        .build()));
    assertThat(e).isInstanceOf(BetaInvalidConfigTypeChangeException.class);
    assertThat(e.errorCode()).contains("invalid_config_type_change");
    expectNotFound(() -> update(UNKNOWN_ENV, EnvironmentUpdateParams.builder().name("x").build()));
  }

  @Test
  void listAutoPagesAndHidesArchivedEnvironments() {
    List<BetaEnvironment> mine = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      mine.add(environment(server.alphaClient(), "list-" + i));
    }
    server.alphaClient().beta().environments().archive(mine.get(0).id()).validate();
    List<String> ids = new ArrayList<>();
    for (BetaEnvironment e :
        server
            .alphaClient()
            .beta()
            .environments()
            .list(EnvironmentListParams.builder().limit(2L).build())
            .autoPager()) {
      ids.add(e.validate().id());
    }
    assertThat(ids).doesNotHaveDuplicates().contains(mine.get(1).id(), mine.get(2).id());
    assertThat(ids).doesNotContain(mine.get(0).id());
    assertThat(ids.indexOf(mine.get(2).id())).isLessThan(ids.indexOf(mine.get(1).id()));
    assertThat(
            server
                .alphaClient()
                .beta()
                .environments()
                .list(EnvironmentListParams.builder().limit(2L).includeArchived(true).build())
                .autoPager()
                .stream()
                .map(BetaEnvironment::id))
        .contains(mine.get(0).id());
    expectBadRequest(
        () ->
            server
                .alphaClient()
                .beta()
                .environments()
                .list(EnvironmentListParams.builder().limit(0L).build()));
  }

  @Test
  void archivedEnvironmentRejectsUpdatesAndNewSessions() {
    BetaEnvironment env = environment(server.alphaClient(), "to-archive");
    BetaEnvironment archived =
        server.alphaClient().beta().environments().archive(env.id()).validate();
    assertThat(archived.archivedAt()).isPresent();
    assertThat(server.alphaClient().beta().environments().archive(env.id()).validate().archivedAt())
        .isEqualTo(archived.archivedAt());
    var onCreate =
        expectBadRequest(() -> server.alphaClient().beta().sessions().create(sessionIn(env.id())));
    assertThat(onCreate).isInstanceOf(BetaEnvironmentArchivedException.class);
    assertThat(onCreate.errorCode()).contains("environment_archived");
    var onUpdate =
        expectBadRequest(
            () -> update(env.id(), EnvironmentUpdateParams.builder().name("x").build()));
    assertThat(onUpdate).isInstanceOf(BetaEnvironmentArchivedException.class);
    expectNotFound(() -> server.alphaClient().beta().environments().archive(UNKNOWN_ENV));
  }

  @Test
  void deleteReturnsEnvironmentDeleted() {
    BetaEnvironment env = environment(server.alphaClient(), "to-delete");
    BetaEnvironmentDeleteResponse deleted =
        server.alphaClient().beta().environments().delete(env.id()).validate();
    assertThat(deleted.id()).isEqualTo(env.id());
    assertThat(deleted._type()).isEqualTo(JsonValue.from("environment_deleted"));
    expectNotFound(() -> server.alphaClient().beta().environments().retrieve(env.id()));
    expectNotFound(() -> server.alphaClient().beta().environments().delete(env.id()));
    var e =
        expectNotFound(() -> server.alphaClient().beta().sessions().create(sessionIn(env.id())));
    assertThat(e).isInstanceOf(BetaEnvironmentNotFoundException.class);
  }

  @Test
  void otherWorkspacesEnvironmentsAreNotFound() {
    BetaEnvironment env = environment(server.alphaClient(), "private");
    server.expectNotFoundForBeta(
        other -> other.beta().environments().retrieve(env.id()),
        other ->
            other
                .beta()
                .environments()
                .update(env.id(), EnvironmentUpdateParams.builder().name("x").build()),
        other -> other.beta().environments().archive(env.id()),
        other -> other.beta().environments().delete(env.id()));
    assertThat(
            server
                .betaClient()
                .beta()
                .environments()
                .list(EnvironmentListParams.builder().includeArchived(true).build())
                .autoPager()
                .stream()
                .map(BetaEnvironment::id))
        .doesNotContain(env.id());
  }

  @Test
  void wrongKeyIsUnauthorizedEverywhere() {
    server.expectUnauthorized(
        stranger ->
            stranger
                .beta()
                .environments()
                .create(EnvironmentCreateParams.builder().name("x").build()),
        stranger -> stranger.beta().environments().list(),
        stranger -> stranger.beta().environments().retrieve(UNKNOWN_ENV),
        stranger -> stranger.beta().environments().update(UNKNOWN_ENV),
        stranger -> stranger.beta().environments().archive(UNKNOWN_ENV),
        stranger -> stranger.beta().environments().delete(UNKNOWN_ENV));
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
                      .environments()
                      .create(
                          EnvironmentCreateParams.builder()
                              .name("big")
                              .description("d".repeat(5000))
                              .build()));
        });
  }
}
