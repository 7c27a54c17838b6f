package dev.berth.repositories;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.Await;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.GitHttpServer;
import dev.berth.testing.Http;
import dev.berth.testing.Mounts;
import dev.berth.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code github_repository} resources against a real git smart-HTTP server: declared at session
 * creation, checked out in the background into the sandbox as a working tree git works in, cached
 * per node, their token never shown, their failures reported without it.
 */
class RepositoryResourcesTest {
  static final String TOKEN = "ghp_FirstSecretToken0123456789";
  static final String ROTATED = "ghp_SecondSecretToken987654321";

  static GitHttpServer git;
  static TestServer server;
  static GitHttpServer.Repo demo;
  static GitHttpServer.Repo secret;
  static String mainCommit;
  static String featureCommit;

  @BeforeAll
  static void start() {
    git = GitHttpServer.start();
    demo = git.createRepository("acme", "demo");
    mainCommit =
        demo.commit("main", Map.of("README.md", "hello\n", "src/app.txt", "app\n"), "first");
    featureCommit = demo.commit("feature", Map.of("feature.txt", "f\n"), "feature work");
    demo.setDefaultBranch("main");
    secret = git.createPrivateRepository("acme", "secret", TOKEN);
    secret.commit("main", Map.of("private.txt", "p\n"), "private");
    server = TestServer.start("--github-url", git.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
    git.close();
  }

  static Http http() {
    return server.http();
  }

  /** Creates a session with {@code resources} (JSON array items); the whole answer. */
  static JsonNode session(String... resources) {
    var r = Fixtures.createSession(http(), resources);
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    return r.json();
  }

  static String repository(String name, String extra) {
    return "{\"type\":\"github_repository\",\"url\":\"https://github.com/acme/"
        + name
        + "\""
        + (extra.isEmpty() ? "" : "," + extra)
        + "}";
  }

  static JsonNode sandbox(String session) {
    var r = http().get("/berth/v1/sessions/" + session + "/sandbox");
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    return r.json();
  }

  static JsonNode stateOf(String session, String resource) {
    for (JsonNode entry : sandbox(session).get("resources")) {
      if (entry.get("id").asText().equals(resource)) {
        return entry;
      }
    }
    throw new AssertionError(resource + " is not in the sandbox of " + session);
  }

  static void awaitSettled(String session, String resource) throws InterruptedException {
    Await.until(
        "the checkout of " + resource + " settles",
        Duration.ofSeconds(60),
        () -> !stateOf(session, resource).get("state").asText().equals("pending"));
  }

  @Test
  void aSessionWithARepositoryAndAFileListsBothWithTheRepositoryFieldsAndNeverTheToken()
      throws Exception {
    String file = Fixtures.upload(http(), "notes.txt", "n");
    JsonNode created =
        session(
            repository("secret", "\"authorization_token\":\"" + TOKEN + "\""),
            Fixtures.fileResource(file, null));
    String session = created.get("id").asText();
    JsonNode repo = created.get("resources").get(0);
    assertThat(repo.get("type").asText()).isEqualTo("github_repository");
    assertThat(repo.get("url").asText()).isEqualTo("https://github.com/acme/secret");
    assertThat(repo.get("mount_path").asText()).isEqualTo("/workspace/secret");
    assertThat(repo.get("checkout").isNull()).isTrue();
    assertThat(repo.has("authorization_token")).isFalse();
    assertThat(created.get("resources").get(1).get("type").asText()).isEqualTo("file");

    var list = http().get("/v1/sessions/" + session + "/resources");
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().get("data")).hasSize(2);
    var one = http().get("/v1/sessions/" + session + "/resources/" + repo.get("id").asText());
    assertThat(one.json()).isEqualTo(repo);
    var again = http().get("/v1/sessions/" + session);
    for (var r : List.of(list, one, again)) {
      assertThat(new String(r.raw().body(), StandardCharsets.UTF_8)).doesNotContain(TOKEN);
    }
  }

  @Test
  void theDefaultBranchIsAWorkingTreeAtWorkspaceRepoWhereGitCommitsAndTheRemoteHoldsNoToken()
      throws Exception {
    String session =
        session(repository("secret", "\"authorization_token\":\"" + TOKEN + "\""))
            .get("id")
            .asText();
    String out =
        Commands.sh(
            http(),
            session,
            "cd /workspace/secret && cat private.txt && git status --short --branch"
                + " && git remote get-url origin && cat .git/config"
                + " && echo more > more.txt && git add more.txt"
                + " && git -c user.name=a -c user.email=a@b commit -qm more && git log --format=%s");
    assertThat(out)
        .startsWith("p\n## main...origin/main\nhttps://github.com/acme/secret\n")
        .endsWith("more\nprivate\n")
        .doesNotContain(TOKEN)
        .doesNotContain("x-access-token");
  }

  @Test
  void aBranchAndACommitAreCheckedOutAsAskedWhereTheirMountPathsSay() throws Exception {
    String session =
        session(
                repository(
                    "demo",
                    "\"checkout\":{\"type\":\"branch\",\"name\":\"feature\"},"
                        + "\"mount_path\":\"/src/feature\""),
                repository(
                    "demo",
                    "\"checkout\":{\"type\":\"commit\",\"sha\":\""
                        + mainCommit
                        + "\"},\"mount_path\":\"/workspace/pinned\""))
            .get("id")
            .asText();
    String out =
        Commands.sh(
            http(),
            session,
            "git -C /src/feature rev-parse --abbrev-ref HEAD; git -C /src/feature rev-parse HEAD;"
                + " cat /src/feature/feature.txt; git -C /workspace/pinned rev-parse HEAD;"
                + " git -C /workspace/pinned symbolic-ref -q HEAD || echo detached;"
                + " test -e /workspace/pinned/feature.txt || echo no-feature");
    assertThat(out)
        .isEqualTo("feature\n" + featureCommit + "\nf\n" + mainCommit + "\ndetached\nno-feature\n");
  }

  @Test
  void aWrongTokenFailsTheCheckoutAndCommandsAre409NamingTheResourceAndReasonWithoutToken()
      throws Exception {
    String wrong = "ghp_WrongToken000000000000000";
    JsonNode created = session(repository("secret", "\"authorization_token\":\"" + wrong + "\""));
    String session = created.get("id").asText();
    String resource = created.get("resources").get(0).get("id").asText();
    awaitSettled(session, resource);
    JsonNode state = stateOf(session, resource);
    assertThat(state.get("state").asText()).isEqualTo("failed");
    assertThat(state.get("reason").asText()).contains("refused").doesNotContain(wrong);

    var r = Commands.exec(http(), session, "true");
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.json().path("error").path("message").asText())
        .contains(resource)
        .contains("refused")
        .doesNotContain(wrong);
  }

  @Test
  void anUnknownRepositoryBranchOrCommitIsReportedAsNotFound() throws Exception {
    JsonNode created =
        session(
            repository("nope", ""),
            repository(
                "demo",
                "\"checkout\":{\"type\":\"branch\",\"name\":\"missing\"},\"mount_path\":\"/b\""),
            repository(
                "demo",
                "\"checkout\":{\"type\":\"commit\",\"sha\":\""
                    + "0".repeat(40)
                    + "\"},\"mount_path\":\"/c\""));
    String session = created.get("id").asText();
    JsonNode resources = created.get("resources");
    for (JsonNode r : resources) {
      awaitSettled(session, r.get("id").asText());
    }
    assertThat(stateOf(session, resources.get(0).get("id").asText()).get("reason").asText())
        .isEqualTo("https://github.com/acme/nope was not found");
    assertThat(stateOf(session, resources.get(1).get("id").asText()).get("reason").asText())
        .isEqualTo("branch 'missing' was not found in https://github.com/acme/demo");
    assertThat(stateOf(session, resources.get(2).get("id").asText()).get("reason").asText())
        .isEqualTo("commit " + "0".repeat(40) + " was not found in https://github.com/acme/demo");
  }

  @Test
  void aServerAnsweringWithARedirectIsReportedAndTheRedirectIsNotFollowed()
      throws InterruptedException {
    GitHttpServer.Repo moved = git.createRepository("acme", "moved");
    moved.commit("main", Map.of("a", "a"), "a");
    moved.redirectTo("http://127.0.0.2:9");
    JsonNode created = session(repository("moved", ""));
    String session = created.get("id").asText();
    String resource = created.get("resources").get(0).get("id").asText();
    awaitSettled(session, resource);
    assertThat(stateOf(session, resource).get("reason").asText()).contains("redirect");
  }

  @Test
  void rotatingTheTokenAnswersTheResourceWithALaterUpdatedAtAndRetriesTheFailedCheckout()
      throws InterruptedException {
    GitHttpServer.Repo rotating = git.createPrivateRepository("acme", "rotating", TOKEN);
    rotating.commit("main", Map.of("r.txt", "r\n"), "r");
    rotating.rotateToken(ROTATED);
    JsonNode created = session(repository("rotating", "\"authorization_token\":\"" + TOKEN + "\""));
    String session = created.get("id").asText();
    JsonNode resource = created.get("resources").get(0);
    String id = resource.get("id").asText();
    awaitSettled(session, id);
    assertThat(stateOf(session, id).get("state").asText()).isEqualTo("failed");

    var updated =
        http()
            .post(
                "/v1/sessions/" + session + "/resources/" + id,
                "{\"authorization_token\":\"" + ROTATED + "\"}");
    assertThat(updated.status()).isEqualTo(200);
    assertThat(updated.json().get("updated_at").asText())
        .isGreaterThan(resource.get("updated_at").asText());
    assertThat(updated.json().get("url").asText()).isEqualTo(resource.get("url").asText());
    assertThat(new String(updated.raw().body(), StandardCharsets.UTF_8)).doesNotContain(ROTATED);
    awaitSettled(session, id);
    assertThat(stateOf(session, id).get("state").asText()).isEqualTo("ready");
    assertThat(Commands.sh(http(), session, "cat /workspace/rotating/r.txt")).isEqualTo("r\n");
  }

  @Test
  void aSecondSessionOnTheSameRepositoryDownloadsNoPackAgain() throws Exception {
    GitHttpServer.Repo cached = git.createRepository("acme", "cached");
    cached.commit("main", Map.of("c.txt", "c\n"), "c");
    String first = session(repository("cached", "")).get("id").asText();
    assertThat(Commands.sh(http(), first, "cat /workspace/cached/c.txt")).isEqualTo("c\n");
    assertThat(cached.counts().packsSent()).isEqualTo(1);

    String second = session(repository("cached", "")).get("id").asText();
    assertThat(Commands.sh(http(), second, "cat /workspace/cached/c.txt")).isEqualTo("c\n");
    assertThat(cached.counts().packsSent()).isEqualTo(1);
  }

  @Test
  void aSecondSessionOnAnUnchangedRepositoryOnlyListsItsRefsAndDoesNotFetch() throws Exception {
    GitHttpServer.Repo unchanged = git.createRepository("acme", "unchanged");
    unchanged.commit("main", Map.of("u.txt", "u\n"), "u");
    String first = session(repository("unchanged", "")).get("id").asText();
    assertThat(Commands.sh(http(), first, "cat /workspace/unchanged/u.txt")).isEqualTo("u\n");
    GitHttpServer.Counts before = unchanged.counts();

    String second = session(repository("unchanged", "")).get("id").asText();
    assertThat(Commands.sh(http(), second, "cat /workspace/unchanged/u.txt")).isEqualTo("u\n");
    GitHttpServer.Counts after = unchanged.counts();
    assertThat(after.infoRefs() - before.infoRefs()).isEqualTo(1);
    assertThat(after.uploadPacks() - before.uploadPacks()).isEqualTo(1);
  }

  @Test
  void aSecondSessionAfterANewCommitFetchesAndChecksOutTheNewCommit() throws Exception {
    GitHttpServer.Repo moving = git.createRepository("acme", "moving");
    moving.commit("main", Map.of("m.txt", "one\n"), "one");
    String first = session(repository("moving", "")).get("id").asText();
    assertThat(Commands.sh(http(), first, "cat /workspace/moving/m.txt")).isEqualTo("one\n");

    String tip = moving.commit("main", Map.of("m.txt", "two\n"), "two");
    String second = session(repository("moving", "")).get("id").asText();
    assertThat(Commands.sh(http(), second, "cat /workspace/moving/m.txt")).isEqualTo("two\n");
    assertThat(Commands.sh(http(), second, "git -C /workspace/moving rev-parse HEAD"))
        .isEqualTo(tip + "\n");
    assertThat(moving.counts().packsSent()).isEqualTo(2);
  }

  @Test
  void aCommandWaitsForACheckoutStillUnderWayThenRunsWithIt() throws Exception {
    GitHttpServer.Repo slow = git.createRepository("acme", "slow");
    slow.commit("main", Map.of("s.txt", "s\n"), "s");
    try (var stall = slow.stall()) {
      JsonNode created = session(repository("slow", ""));
      String session = created.get("id").asText();
      String resource = created.get("resources").get(0).get("id").asText();
      assertThat(stall.awaitHeld(Duration.ofSeconds(30))).isTrue();
      var command =
          Commands.start(
              http(), session, Map.of("command", List.of("cat", "/workspace/slow/s.txt")));
      assertThat(stateOf(session, resource).get("state").asText()).isEqualTo("pending");
      assertThat(command.isDone()).isFalse();
      stall.release();
      var r = command.get(60, TimeUnit.SECONDS);
      assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
      assertThat(r.json().get("stdout").asText()).isEqualTo("s\n");
    }
  }

  @Test
  void deletingTheResourceTakesItsCheckoutOutOfTheSandbox() throws Exception {
    JsonNode created = session(repository("demo", ""));
    String session = created.get("id").asText();
    String resource = created.get("resources").get(0).get("id").asText();
    assertThat(Commands.sh(http(), session, "cat /workspace/demo/README.md")).isEqualTo("hello\n");
    var deleted = http().delete("/v1/sessions/" + session + "/resources/" + resource);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.json().get("type").asText()).isEqualTo("session_resource_deleted");
    assertThat(Commands.sh(http(), session, "ls -A /workspace/demo 2>/dev/null | wc -l"))
        .isEqualTo("0\n");
    assertThat(Mounts.under(server.dataDir().resolve("sandboxes").resolve(session)))
        .noneMatch(p -> p.toString().contains(resource));
  }

  @Test
  void deletingTheSessionLeavesNoCheckoutMountBehind() throws Exception {
    String session = session(repository("demo", "")).get("id").asText();
    Commands.sh(http(), session, "cat /workspace/demo/README.md");
    assertThat(http().delete("/v1/sessions/" + session).status()).isEqualTo(200);
    assertThat(Mounts.under(server.dataDir().resolve("sandboxes").resolve(session))).isEmpty();
    assertThat(server.dataDir().resolve("sandboxes").resolve(session)).doesNotExist();
  }

  @Test
  void aUrlOfAnotherHostOrSchemeIsA400NamingTheRuleAndCreatesNoSession() throws Exception {
    long before =
        Fixtures.pages(http(), "/v1/sessions?limit=100").stream()
            .mapToLong(p -> p.json().get("data").size())
            .sum();
    for (String url :
        List.of(
            "file:///etc/passwd",
            "ssh://git@github.com/acme/demo",
            "https://gitlab.com/acme/demo",
            git.baseUrl() + "/acme/demo")) {
      var r =
          Fixtures.createSession(
              http(), "{\"type\":\"github_repository\",\"url\":\"" + url + "\"}");
      assertThat(r.status()).as(url).isEqualTo(400);
      assertThat(r.errorType()).isEqualTo("invalid_request_error");
      assertThat(r.json().path("error").path("message").asText())
          .startsWith("url must be a GitHub repository URL, https://github.com/OWNER/REPO");
    }
    long after =
        Fixtures.pages(http(), "/v1/sessions?limit=100").stream()
            .mapToLong(p -> p.json().get("data").size())
            .sum();
    assertThat(after).isEqualTo(before);
  }

  @Test
  void anArchivedSessionsRepositoryCanNeitherHaveItsTokenUpdatedNorBeDeleted() throws Exception {
    JsonNode created = session(repository("demo", ""));
    String session = created.get("id").asText();
    String path =
        "/v1/sessions/"
            + session
            + "/resources/"
            + created.get("resources").get(0).get("id").asText();
    assertThat(http().post("/v1/sessions/" + session + "/archive").status()).isEqualTo(200);
    var update = http().post(path, "{\"authorization_token\":\"" + ROTATED + "\"}");
    assertThat(update.status()).isEqualTo(400);
    assertThat(update.json().path("error").path("message").asText()).contains("archived");
    var delete = http().delete(path);
    assertThat(delete.status()).isEqualTo(400);
    assertThat(delete.json().path("error").path("message").asText()).contains("archived");
    assertThat(http().get(path).status()).isEqualTo(200);
  }

  @Test
  void aRepositoryCanOnlyBeDeclaredAtCreationNotAdded() throws Exception {
    String session = Fixtures.session(http());
    var r = http().post("/v1/sessions/" + session + "/resources", repository("demo", ""));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("error").path("message").asText())
        .contains("declared when the session is created");
  }

  @Test
  void twoRepositoriesAtTheSamePathAre409AndNothingIsCreated() throws Exception {
    var r =
        Fixtures.createSession(
            http(),
            repository("demo", ""),
            repository("demo", "\"checkout\":{\"type\":\"branch\",\"name\":\"feature\"}"));
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.json().path("error").path("message").asText()).contains("/workspace/demo");
  }

  @Test
  void theTokensAppearNowhereInTheDataDirectory() throws Exception {
    JsonNode created = session(repository("secret", "\"authorization_token\":\"" + TOKEN + "\""));
    String session = created.get("id").asText();
    String resource = created.get("resources").get(0).get("id").asText();
    Commands.sh(http(), session, "cat /workspace/secret/private.txt");
    http()
        .post(
            "/v1/sessions/" + session + "/resources/" + resource,
            "{\"authorization_token\":\"" + ROTATED + "\"}");
    List<Path> holding;
    try (Stream<Path> files = Files.walk(server.dataDir())) {
      holding =
          files
              .filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
              .filter(RepositoryResourcesTest::holdsAToken)
              .toList();
    }
    assertThat(holding).isEmpty();
  }

  private static boolean holdsAToken(Path file) {
    try {
      String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      return text.contains(TOKEN) || text.contains(ROTATED);
    } catch (IOException unreadable) {
      return false; // a file removed while the walk ran
    }
  }
}
