package dev.berth.sdk;

import static dev.berth.testing.SdkClients.expectBadRequest;
import static dev.berth.testing.SdkClients.expectNotFound;
import static dev.berth.testing.SdkFixtures.session;
import static dev.berth.testing.SdkFixtures.updateToken;
import static dev.berth.testing.SdkFixtures.upload;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.JsonValue;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.sessions.BetaManagedAgentsGitHubRepositoryResourceParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsDeleteSessionResource;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsGitHubRepositoryResource;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsSessionResource;
import com.anthropic.models.beta.sessions.resources.ResourceDeleteParams;
import com.anthropic.models.beta.sessions.resources.ResourceListParams;
import com.anthropic.models.beta.sessions.resources.ResourceRetrieveResponse;
import com.anthropic.models.beta.sessions.resources.ResourceUpdateResponse;
import dev.berth.testing.Commands;
import dev.berth.testing.GitHttpServer;
import dev.berth.testing.Http;
import dev.berth.testing.SdkFixtures;
import dev.berth.testing.SdkServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * GitHub repository resources through the official Java SDK with strict response validation,
 * against a real git server standing in for GitHub: declared at session creation beside a file,
 * listed and retrieved without their token, the token rotated, the resource deleted, and the
 * checkout a git working tree in the sandbox while it lasts.
 */
class RepositoryResourcesSdkIT {
  private static final String URL = "https://github.com/acme/demo";
  private static final String TOKEN = "ghp_FirstSecretToken0123456789";
  private static final String ROTATED = "ghp_SecondSecretToken987654321";

  /** Started before the server, whose {@code --github-url} points at it. */
  private static final GitHttpServer git = GitHttpServer.start();

  @RegisterExtension static final SdkServer server = new SdkServer("--github-url", git.baseUrl());

  static String first;
  static String second;

  @BeforeAll
  static void repository() {
    GitHttpServer.Repo demo = git.createRepository("acme", "demo");
    first = demo.commit("main", Map.of("README.md", "hello\n"), "first");
    second = demo.commit("main", Map.of("app.txt", "app\n"), "second");
  }

  @AfterAll
  static void stopGit() {
    git.close();
  }

  static Http http() {
    return server.get().http();
  }

  /** acme/demo at branch main (with {@link #TOKEN}), where {@code mountPath} says unless null. */
  static BetaManagedAgentsGitHubRepositoryResourceParams demo(String mountPath) {
    var params =
        BetaManagedAgentsGitHubRepositoryResourceParams.builder()
            .url(URL)
            .authorizationToken(TOKEN)
            .branchCheckout("main");
    if (mountPath != null) {
      params.mountPath(mountPath);
    }
    return params.build();
  }

  /** A session declaring acme/demo at branch main and, after it, {@code file}. */
  static BetaManagedAgentsSession sessionWithRepositoryAnd(BetaFileMetadata file) {
    return session(server.alphaClient(), p -> p.addResource(demo(null)).addFileResource(file.id()));
  }

  static BetaManagedAgentsSession sessionWithRepository() {
    return sessionWithRepositoryAnd(upload(server.alphaClient(), "notes.txt", "n\n"));
  }

  static BetaManagedAgentsGitHubRepositoryResource repositoryOf(BetaManagedAgentsSession session) {
    BetaManagedAgentsSessionResource declared = session.resources().get(0);
    assertThat(declared.isGitHubRepository()).as("%s", declared).isTrue();
    return declared.asGitHubRepository();
  }

  static ResourceRetrieveResponse retrieve(String sessionId, String resourceId) {
    return SdkFixtures.retrieve(server.alphaClient(), sessionId, resourceId);
  }

  /** The subjects of the commits at {@code path} in the session's sandbox, newest first. */
  static String log(String sessionId, String path) {
    return Commands.sh(http(), sessionId, "git -C " + path + " log --format=%s");
  }

  @Test
  void aSessionListsItsRepositoryAndFileAndRetrieveGivesTheRepositoryWithoutItsToken() {
    BetaFileMetadata file = upload(server.alphaClient(), "notes.txt", "n\n");
    BetaManagedAgentsSession session = sessionWithRepositoryAnd(file);
    assertThat(session.resources()).hasSize(2);
    BetaManagedAgentsGitHubRepositoryResource repo = repositoryOf(session);
    assertThat(repo.id()).matches("sesrsc_01[0-9A-Za-z]{22}");
    assertThat(repo._type()).isEqualTo(JsonValue.from("github_repository"));
    assertThat(repo.url()).isEqualTo(URL);
    assertThat(repo.checkout().orElseThrow().asBranch().name()).isEqualTo("main");
    assertThat(repo.mountPath()).isEqualTo("/workspace/demo");
    assertThat(repo.createdAt()).isEqualTo(repo.updatedAt());
    assertThat(repo._additionalProperties()).doesNotContainKey("authorization_token");
    BetaManagedAgentsSessionResource mounted = session.resources().get(1);
    assertThat(mounted.isFile()).isTrue();
    assertThat(mounted.asFile().mountPath()).isEqualTo("/mnt/session/uploads/" + file.id());

    List<BetaManagedAgentsSessionResource> listed = new ArrayList<>();
    for (BetaManagedAgentsSessionResource r :
        server
            .alphaClient()
            .beta()
            .sessions()
            .resources()
            .list(session.id(), ResourceListParams.builder().limit(1).build())
            .autoPager()) {
      listed.add(r.validate());
    }
    assertThat(listed).isEqualTo(session.resources());

    ResourceRetrieveResponse got = retrieve(session.id(), repo.id());
    assertThat(got.isGitHubRepository()).isTrue();
    assertThat(got.asGitHubRepository()).isEqualTo(repo);
    for (Object answer : List.of(session, listed, got)) {
      assertThat(answer.toString()).doesNotContain(TOKEN);
    }
  }

  @Test
  void theBranchAndItsHistoryAreAtWorkspaceDemoWithOriginWithoutToken() {
    BetaManagedAgentsSession session = sessionWithRepository();
    assertThat(log(session.id(), "/workspace/demo")).isEqualTo("second\nfirst\n");
    assertThat(
            Commands.sh(
                http(),
                session.id(),
                "git -C /workspace/demo rev-parse HEAD"
                    + " && git -C /workspace/demo remote get-url origin"))
        .isEqualTo(second + "\n" + URL + "\n");
  }

  @Test
  void aNewAuthorizationTokenAnswersTheResourceWithALaterUpdatedAt() {
    BetaManagedAgentsSession session = sessionWithRepository();
    BetaManagedAgentsGitHubRepositoryResource repo = repositoryOf(session);
    ResourceUpdateResponse updated =
        updateToken(server.alphaClient(), session.id(), repo.id(), ROTATED);
    assertThat(updated.isGitHubRepository()).isTrue();
    BetaManagedAgentsGitHubRepositoryResource answer = updated.asGitHubRepository();
    assertThat(answer.updatedAt()).isAfter(repo.updatedAt());
    assertThat(answer.toBuilder().updatedAt(repo.updatedAt()).build()).isEqualTo(repo);
    assertThat(updated.toString()).doesNotContain(ROTATED).doesNotContain(TOKEN);
    assertThat(retrieve(session.id(), repo.id()).asGitHubRepository()).isEqualTo(answer);
    assertThat(log(session.id(), "/workspace/demo")).isEqualTo("second\nfirst\n");
  }

  @Test
  void deleteAnswersSessionResourceDeletedAndTakesTheCheckoutAway() {
    BetaManagedAgentsSession session = sessionWithRepository();
    BetaManagedAgentsGitHubRepositoryResource repo = repositoryOf(session);
    assertThat(log(session.id(), "/workspace/demo")).isEqualTo("second\nfirst\n");
    BetaManagedAgentsDeleteSessionResource deleted =
        server
            .alphaClient()
            .beta()
            .sessions()
            .resources()
            .delete(repo.id(), ResourceDeleteParams.builder().sessionId(session.id()).build())
            .validate();
    assertThat(deleted.id()).isEqualTo(repo.id());
    assertThat(deleted._type()).isEqualTo(JsonValue.from("session_resource_deleted"));
    expectNotFound(() -> retrieve(session.id(), repo.id()));
    assertThat(server.alphaClient().beta().sessions().resources().list(session.id()).data())
        .extracting(r -> r.validate().asFile().id())
        .containsExactly(session.resources().get(1).asFile().id());
    assertThat(Commands.sh(http(), session.id(), "ls -A /workspace/demo 2>/dev/null | wc -l"))
        .isEqualTo("0\n");
  }

  @Test
  void aCommitCheckoutWithAMountPathIsThatCommitDetachedWhereAsked() {
    BetaManagedAgentsSession session =
        session(
            server.alphaClient(),
            p -> p.addResource(demo("/src/pinned").toBuilder().commitCheckout(first).build()));
    BetaManagedAgentsGitHubRepositoryResource repo = repositoryOf(session);
    assertThat(repo.checkout().orElseThrow().asCommit().sha()).isEqualTo(first);
    assertThat(repo.mountPath()).isEqualTo("/src/pinned");
    assertThat(log(session.id(), "/src/pinned")).isEqualTo("first\n");
    assertThat(
            Commands.sh(
                http(), session.id(), "git -C /src/pinned symbolic-ref -q HEAD || echo detached"))
        .isEqualTo("detached\n");
  }

  @Test
  void aRepositoryUrlNotOnGithubIsBadRequest() {
    for (String url :
        List.of(
            "https://gitlab.com/acme/demo", "http://github.com/acme/demo", URL + "/tree/main")) {
      expectBadRequest(
          () ->
              session(
                  server.alphaClient(),
                  p -> p.addResource(demo(null).toBuilder().url(url).build())));
    }
  }
}
