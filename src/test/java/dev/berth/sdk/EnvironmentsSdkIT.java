package dev.berth.sdk;

import static dev.berth.testing.SdkClients.expectApiError;
import static dev.berth.testing.SdkFixtures.agent;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.ContentTooLargeException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
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
import dev.berth.testing.SdkClients;
import dev.berth.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Environments (spec §5) through the official Java SDK with strict response validation. */
class EnvironmentsSdkIT {
  private static final String UNKNOWN_ENV = "env_01" + "0".repeat(22);

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

  static BetaEnvironment create(String name) {
    return alpha
        .beta()
        .environments()
        .create(EnvironmentCreateParams.builder().name(name).build())
        .validate();
  }

  static BetaEnvironment update(String id, EnvironmentUpdateParams params) {
    return alpha.beta().environments().update(id, params).validate();
  }

  static SessionCreateParams sessionIn(String environmentId) {
    return SessionCreateParams.builder()
        .agent(agent(alpha).id())
        .environmentId(environmentId)
        .build();
  }

  @Test
  void createWithOnlyANameGetsTheDefaultCloudConfig() {
    BetaEnvironment env = create("dev");
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
    assertThat(alpha.beta().environments().retrieve(env.id()).validate()).isEqualTo(env);
  }

  @Test
  void createWithLimitedNetworkingFillsItsDefaults() {
    BetaEnvironment env =
        alpha
            .beta()
            .environments()
            .create(
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
                    .build())
            .validate();
    BetaLimitedNetwork limited = env.config().asCloud().networking().asLimited();
    assertThat(limited.allowedHosts()).containsExactly("example.com");
    assertThat(limited.allowMcpServers()).isFalse();
    assertThat(limited.allowPackageManagers()).isFalse();
    assertThat(env.description()).contains("no internet");
    assertThat(env.metadata()._additionalProperties())
        .isEqualTo(Map.of("owner", JsonValue.from("ops")));

    BetaEnvironment selfHosted =
        alpha
            .beta()
            .environments()
            .create(
                EnvironmentCreateParams.builder()
                    .name("mine")
                    .config(BetaSelfHostedConfigParams.builder().build())
                    .build())
            .validate();
    assertThat(selfHosted.config().isSelfHosted()).isTrue();
  }

  @Test
  void updatePatchesAndRejectsAConfigTypeChange() {
    BetaEnvironment env =
        alpha
            .beta()
            .environments()
            .create(
                EnvironmentCreateParams.builder()
                    .name("before")
                    .description("d")
                    .metadata(
                        EnvironmentCreateParams.Metadata.builder()
                            .putAdditionalProperty("a", JsonValue.from("1"))
                            .putAdditionalProperty("b", JsonValue.from("2"))
                            .build())
                    .build())
            .validate();
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
        expectApiError(
            BadRequestException.class,
            400,
            "invalid_request_error",
            () ->
                update(
                    env.id(),
                    EnvironmentUpdateParams.builder()
                        .config(BetaSelfHostedConfigParams.builder().build())
                        .build()));
    assertThat(e).isInstanceOf(BetaInvalidConfigTypeChangeException.class);
    assertThat(e.errorCode()).contains("invalid_config_type_change");
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> update(UNKNOWN_ENV, EnvironmentUpdateParams.builder().name("x").build()));
  }

  @Test
  void listAutoPagesAndHidesArchivedEnvironments() {
    List<BetaEnvironment> mine = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      mine.add(create("list-" + i));
    }
    alpha.beta().environments().archive(mine.get(0).id()).validate();
    List<String> ids = new ArrayList<>();
    for (BetaEnvironment e :
        alpha
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
            alpha
                .beta()
                .environments()
                .list(EnvironmentListParams.builder().limit(2L).includeArchived(true).build())
                .autoPager()
                .stream()
                .map(BetaEnvironment::id))
        .contains(mine.get(0).id());
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () -> alpha.beta().environments().list(EnvironmentListParams.builder().limit(0L).build()));
  }

  @Test
  void archivedEnvironmentRejectsUpdatesAndNewSessions() {
    BetaEnvironment env = create("to-archive");
    BetaEnvironment archived = alpha.beta().environments().archive(env.id()).validate();
    assertThat(archived.archivedAt()).isPresent();
    assertThat(alpha.beta().environments().archive(env.id()).validate().archivedAt())
        .isEqualTo(archived.archivedAt());
    var onCreate =
        expectApiError(
            BadRequestException.class,
            400,
            "invalid_request_error",
            () -> alpha.beta().sessions().create(sessionIn(env.id())));
    assertThat(onCreate).isInstanceOf(BetaEnvironmentArchivedException.class);
    assertThat(onCreate.errorCode()).contains("environment_archived");
    var onUpdate =
        expectApiError(
            BadRequestException.class,
            400,
            "invalid_request_error",
            () -> update(env.id(), EnvironmentUpdateParams.builder().name("x").build()));
    assertThat(onUpdate).isInstanceOf(BetaEnvironmentArchivedException.class);
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> alpha.beta().environments().archive(UNKNOWN_ENV));
  }

  @Test
  void deleteReturnsEnvironmentDeleted() {
    BetaEnvironment env = create("to-delete");
    BetaEnvironmentDeleteResponse deleted = alpha.beta().environments().delete(env.id()).validate();
    assertThat(deleted.id()).isEqualTo(env.id());
    assertThat(deleted._type().asString()).contains("environment_deleted");
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> alpha.beta().environments().retrieve(env.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> alpha.beta().environments().delete(env.id()));
    var e =
        expectApiError(
            NotFoundException.class,
            404,
            "not_found_error",
            () -> alpha.beta().sessions().create(sessionIn(env.id())));
    assertThat(e).isInstanceOf(BetaEnvironmentNotFoundException.class);
  }

  @Test
  void otherWorkspacesEnvironmentsAreNotFound() {
    BetaEnvironment env = create("private");
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().environments().retrieve(env.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () ->
            beta.beta()
                .environments()
                .update(env.id(), EnvironmentUpdateParams.builder().name("x").build()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().environments().archive(env.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().environments().delete(env.id()));
    assertThat(
            beta
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
    AnthropicClient stranger = SdkClients.client(server, "sk-not-a-key-of-this-server");
    try {
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () ->
              stranger
                  .beta()
                  .environments()
                  .create(EnvironmentCreateParams.builder().name("x").build()));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().environments().list());
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().environments().retrieve(UNKNOWN_ENV));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().environments().update(UNKNOWN_ENV));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().environments().archive(UNKNOWN_ENV));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().environments().delete(UNKNOWN_ENV));
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
                  .environments()
                  .create(
                      EnvironmentCreateParams.builder()
                          .name("big")
                          .description("d".repeat(5000))
                          .build()));
    } finally {
      client.close();
      limited.close();
    }
  }
}
