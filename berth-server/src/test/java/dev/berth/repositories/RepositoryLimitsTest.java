package dev.berth.repositories;

import static dev.berth.testing.RepositorySessions.awaitSettled;
import static dev.berth.testing.RepositorySessions.repository;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.config.BerthConfig;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.GitHttpServer;
import dev.berth.testing.Http;
import dev.berth.testing.RepositorySessions;
import dev.berth.testing.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The limits on fetching a repository, and a forge that cannot be reached: each fails the checkout,
 * reported by {@code GET /berth/v1/sessions/{id}/sandbox} with the reason, commands in the session
 * are refused with 409 naming it, and the server goes on serving other sessions.
 */
class RepositoryLimitsTest {
  private static final long LIMIT = 64 * 1024;

  static GitHttpServer git;

  @BeforeAll
  static void start() {
    git = GitHttpServer.start();
    git.createRepository("acme", "good").commit("main", Map.of("g.txt", "good\n"), "good");
  }

  @AfterAll
  static void stop() {
    git.close();
  }

  /** A server fetching from the git server, with repositories of at most {@code bytes}. */
  private static TestServer limitedTo(long bytes, Duration cloneTimeout) {
    return TestServer.start(
        "--github-url",
        git.baseUrl(),
        "--repository-max-bytes",
        Long.toString(bytes),
        "--repository-clone-timeout-ms",
        Long.toString(cloneTimeout.toMillis()));
  }

  /**
   * Creates a session on {@code repo}, waits for its checkout to fail, and checks that the sandbox
   * endpoint says exactly {@code reason} and a command is refused with 409 naming the resource.
   */
  private static void assertCheckoutFails(Http http, String repo, String reason)
      throws InterruptedException {
    JsonNode created = RepositorySessions.create(http, repository(repo, ""));
    String session = created.get("id").asText();
    String resource = created.get("resources").get(0).get("id").asText();
    JsonNode state = awaitSettled(http, session, resource);
    assertThat(state.get("state").asText()).isEqualTo("failed");
    assertThat(state.get("reason").asText()).isEqualTo(reason);

    var r = Commands.exec(http, session, "true");
    assertThat(r.status()).as("%s", r.json()).isEqualTo(409);
    assertThat(r.json().at("/error/details/error_code").asText())
        .isEqualTo("repository_checkout_failed");
    assertThat(r.json().at("/error/message").asText())
        .isEqualTo("resource " + resource + " could not be checked out: " + reason);
  }

  /** A new session on the small public repository checks out and runs a command in it. */
  private static void assertAGoodRepositoryChecksOut(Http http) {
    String session = RepositorySessions.create(http, repository("good", "")).get("id").asText();
    assertThat(Commands.sh(http, session, "cat /workspace/good/g.txt")).isEqualTo("good\n");
  }

  private static long packBytes(GitHttpServer.Repo repo) throws IOException {
    try (Stream<Path> files = Files.list(repo.directory().resolve("objects/pack"))) {
      long total = 0;
      for (Path p : files.filter(p -> p.toString().endsWith(".pack")).toList()) {
        total += Files.size(p);
      }
      return total;
    }
  }

  @Test
  void aPackOverTheMaxBytesFailsAsLargerThanTheLimitLeavesNoPartialPackAndAGoodOneChecksOut()
      throws Exception {
    GitHttpServer.Repo big = git.createGeneratedRepository("acme", "bigpack", 300, 1_000_000, 7);
    assertThat(packBytes(big)).isGreaterThan(LIMIT);
    try (TestServer server = limitedTo(LIMIT, BerthConfig.Repositories.DEFAULT_CLONE_TIMEOUT)) {
      assertCheckoutFails(
          server.http(),
          "bigpack",
          "https://github.com/acme/bigpack is larger than the limit of "
              + LIMIT
              + " bytes (--repository-max-bytes)");
      try (Stream<Path> files = Files.walk(server.dataDir().resolve("repositories"))) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .as("partial packs left in the mirror")
            .noneMatch(name -> name.startsWith("tmp_pack_"));
      }
      assertAGoodRepositoryChecksOut(server.http());
    }
  }

  @Test
  void aRepositoryWhoseFilesAreOverTheMaxBytesThoughItsPackFitsFailsOnItsCheckedOutSize()
      throws Exception {
    GitHttpServer.Repo wide = git.createRepository("acme", "wide");
    String commit = wide.commit("main", Map.of("same.txt", "x".repeat(200_000)), "compressible");
    try (TestServer server = limitedTo(LIMIT, BerthConfig.Repositories.DEFAULT_CLONE_TIMEOUT)) {
      assertCheckoutFails(
          server.http(),
          "wide",
          "https://github.com/acme/wide at "
              + commit
              + " holds 200000 bytes of files, more than the limit of "
              + LIMIT
              + " bytes (--repository-max-bytes)");
      assertThat(wide.counts().packsSent()).isEqualTo(1);
      assertThat(wide.counts().bytesSent()).isLessThan(LIMIT);
      assertAGoodRepositoryChecksOut(server.http());
    }
  }

  @Test
  void aFetchSlowerThanTheCloneTimeoutFailsAsTooSlowAndAGoodRepositoryStillChecksOut()
      throws Exception {
    GitHttpServer.Repo slow = git.createRepository("acme", "stalled");
    slow.commit("main", Map.of("s.txt", "s\n"), "s");
    try (TestServer server = limitedTo(LIMIT, Duration.ofSeconds(4));
        var stall = slow.stall()) {
      assertCheckoutFails(
          server.http(),
          "stalled",
          "fetching https://github.com/acme/stalled took longer than the limit"
              + " (--repository-clone-timeout-ms)");
      assertThat(stall.held()).isPositive();
      assertAGoodRepositoryChecksOut(server.http());
    }
  }

  @Test
  void anUnreachableGithubUrlFailsAsNotReachedAndASessionWithoutRepositoriesStillRunsCommands()
      throws Exception {
    int closedPort;
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    URI nowhere = URI.create("http://127.0.0.1:" + closedPort);
    try (TestServer server = TestServer.start("--github-url", nowhere.toString())) {
      assertCheckoutFails(
          server.http(), "good", "the server of https://github.com/acme/good could not be reached");
      String session = Fixtures.session(server.http());
      assertThat(Commands.sh(server.http(), session, "echo fine")).isEqualTo("fine\n");
    }
  }
}
