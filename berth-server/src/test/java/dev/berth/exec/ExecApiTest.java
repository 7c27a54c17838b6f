package dev.berth.exec;

import static dev.berth.testing.ApiAssertions.assertInvalid;
import static dev.berth.testing.Commands.exec;
import static dev.berth.testing.Commands.sh;
import static dev.berth.testing.Fixtures.fileResource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /berth/v1/sessions/{id}/exec}: what a command sees and what the client is told. */
class ExecApiTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  static String mounted(String session, String name, String content) {
    String file = Fixtures.upload(server.http(), name, content);
    var r =
        server
            .http()
            .post(
                "/v1/sessions/" + session + "/resources",
                fileResource(file, "/mnt/session/uploads/" + name));
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    return r.json().get("id").asText();
  }

  @Test
  void catOfAMountedFileReturnsItsBytes() {
    String session = Fixtures.session(server.http());
    mounted(session, "data.csv", "a,b\n1,2\n");

    var r = exec(server.http(), session, "cat", "/mnt/session/uploads/data.csv");

    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    assertThat(r.json().get("exit_code").asInt()).isZero();
    assertThat(r.json().get("stdout").asText()).isEqualTo("a,b\n1,2\n");
    assertThat(r.json().get("stderr").asText()).isEmpty();
    assertThat(r.json().get("truncated").asBoolean()).isFalse();
    assertThat(r.json().get("duration_ms").isIntegralNumber()).isTrue();
  }

  @Test
  void uploadsListOnlyWhatIsMountedInTheSession() {
    String session = Fixtures.session(server.http());
    String other = Fixtures.session(server.http());
    mounted(session, "one.txt", "1");
    mounted(session, "two.txt", "2");
    mounted(other, "elsewhere.txt", "3");

    assertThat(sh(server.http(), session, "ls /mnt/session/uploads"))
        .isEqualTo("one.txt\ntwo.txt\n");
  }

  @Test
  void exitCodeStderrStdinAndEnvReachTheClient() {
    String session = Fixtures.session(server.http());
    var r =
        exec(
            server.http(),
            session,
            Map.of(
                "command",
                List.of("sh", "-c", "cat; echo \"$GREETING $HOME\" >&2; exit 3"),
                "stdin",
                "from stdin\n",
                "env",
                Map.of("GREETING", "hello")));

    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    assertThat(r.json().get("exit_code").asInt()).isEqualTo(3);
    assertThat(r.json().get("stdout").asText()).isEqualTo("from stdin\n");
    assertThat(r.json().get("stderr").asText()).isEqualTo("hello /workspace\n");
  }

  @Test
  void aMissingProgramIsAnExitCodeNotAnError() {
    String session = Fixtures.session(server.http());
    var r = exec(server.http(), session, "no-such-program");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("exit_code").asInt()).isEqualTo(127);
  }

  @Test
  void outputsAndWorkspacePersistToTheNextCommandOfTheSessionOnly() {
    String session = Fixtures.session(server.http());
    String other = Fixtures.session(server.http());
    sh(
        server.http(),
        session,
        "echo kept > /mnt/session/outputs/result.txt && mkdir -p /workspace/src"
            + " && echo code > /workspace/src/main.py");

    assertThat(
            sh(
                server.http(),
                session,
                "cat /mnt/session/outputs/result.txt /workspace/src/main.py"))
        .isEqualTo("kept\ncode\n");
    assertThat(sh(server.http(), session, "pwd")).isEqualTo("/workspace\n");
    assertThat(sh(server.http(), other, "ls -A /mnt/session/outputs /workspace"))
        .isEqualTo("/mnt/session/outputs:\n\n/workspace:\n");
    assertThat(server.dataDir().resolve("sandboxes/" + session + "/workspace/src/main.py"))
        .hasContent("code");
  }

  @Test
  void aResourceAddedWhileACommandRunsAppearsForIt() throws Exception {
    String session = Fixtures.session(server.http());
    String late = "/mnt/session/uploads/late.txt";
    var pending =
        Commands.start(
            server.http(),
            session,
            Map.of(
                "command",
                List.of(
                    "sh",
                    "-c",
                    "[ -f "
                        + late
                        + " ] && exit 2; touch /workspace/waiting; for i in $(seq 100); do"
                        + " [ -f "
                        + late
                        + " ] && cat "
                        + late
                        + " && exit 0; sleep 0.1; done; exit 1")));
    awaitWorkspaceFile(session, "waiting");

    String resource = mounted(session, "late.txt", "arrived");

    var r = pending.get(20, TimeUnit.SECONDS);
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    assertThat(r.json().get("exit_code").asInt()).as("%s", r.json()).isZero();
    assertThat(r.json().get("stdout").asText()).isEqualTo("arrived");

    var running =
        Commands.start(
            server.http(),
            session,
            Map.of(
                "command",
                List.of(
                    "sh",
                    "-c",
                    "[ -f "
                        + late
                        + " ] || exit 2; touch /workspace/watching; for i in $(seq 100);"
                        + " do [ -f "
                        + late
                        + " ] || { echo gone; exit 0; }; sleep 0.1; done; exit 1")));
    awaitWorkspaceFile(session, "watching");
    assertThat(server.http().delete("/v1/sessions/" + session + "/resources/" + resource).status())
        .isEqualTo(200);
    var watched = running.get(20, TimeUnit.SECONDS);
    assertThat(watched.json().get("exit_code").asInt()).as("%s", watched.json()).isZero();
    assertThat(watched.json().get("stdout").asText()).isEqualTo("gone\n");
  }

  /**
   * Waits up to 10 s for a command of the session to create {@code name} in its workspace: the sign
   * that it has started and checked what it was to check first.
   */
  static void awaitWorkspaceFile(String session, String name) throws InterruptedException {
    Path file = server.dataDir().resolve("sandboxes/" + session + "/workspace/" + name);
    Await.until(file + " is created", Duration.ofSeconds(10), () -> Files.exists(file));
  }

  @Test
  void needsAnApiKeyButNoBetaHeader() {
    String session = Fixtures.session(server.http());
    var noBeta =
        server
            .http()
            .send(
                server
                    .http()
                    .bare(Commands.path(session))
                    .header("x-api-key", TestServer.KEY)
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"command\":[\"true\"]}")));
    assertThat(noBeta.status()).as("%s", noBeta.json()).isEqualTo(200);

    var noKey =
        server
            .http()
            .send(
                server
                    .http()
                    .bare(Commands.path(session))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"command\":[\"true\"]}")));
    assertThat(noKey.status()).isEqualTo(401);
    assertThat(noKey.errorType()).isEqualTo("authentication_error");
  }

  @Test
  void invalidRequestsAreRejectedNamingTheRule() {
    String session = Fixtures.session(server.http());
    String path = Commands.path(session);
    assertInvalid(server.http().post(path, "{}"), "command is required");
    assertInvalid(server.http().post(path, "{\"command\":[]}"), "non-empty");
    assertInvalid(server.http().post(path, "{\"command\":\"ls\"}"), "array");
    assertInvalid(server.http().post(path, "{\"command\":[1]}"), "command[0] must be a string");
    assertInvalid(server.http().post(path, "{\"command\":[\"\"]}"), "command[0]");
    assertInvalid(server.http().post(path, "{\"command\":[\"a=b\"]}"), "'='");
    assertInvalid(server.http().post(path, "{\"command\":[\"ls\",\"a\\u0000b\"]}"), "NUL");
    assertInvalid(
        server.http().post(path, "{\"command\":[\"ls\"],\"cwd\":\"/\"}"), "unknown field");
    assertInvalid(
        server.http().post(path, "{\"command\":[\"ls\"],\"timeout_ms\":0}"), "timeout_ms");
    assertInvalid(
        server.http().post(path, "{\"command\":[\"ls\"],\"timeout_ms\":600001}"), "timeout_ms");
    assertInvalid(
        server.http().post(path, "{\"command\":[\"ls\"],\"timeout_ms\":\"5\"}"), "integer");
    assertInvalid(
        server.http().post(path, "{\"command\":[\"ls\"],\"env\":{\"1X\":\"v\"}}"), "env names");
    assertInvalid(
        server.http().post(path, "{\"command\":[\"ls\"],\"env\":{\"A=B\":\"v\"}}"), "env names");
    assertInvalid(
        server.http().post(path, "{\"command\":[\"ls\"],\"env\":{\"X\":\"a\\u0000\"}}"), "NUL");
    assertInvalid(server.http().post(path, "{\"command\":[\"ls\"],\"env\":{\"X\":1}}"), "string");
  }

  @Test
  void argumentsAndEnvOverTheirSizeLimitsAreTheCallersError() {
    String session = Fixtures.session(server.http());
    String path = Commands.path(session);
    String over = "x".repeat(100 * 1024 + 1);
    String atLimit = "x".repeat(100 * 1024);
    List<Map<String, ?>> bodies =
        List.of(
            Map.of("command", List.of("true", over)),
            Map.of("command", List.of("true", "x".repeat(200 * 1024))),
            Map.of("command", List.of("true"), "env", Map.of("BIG", over)),
            Map.of(
                "command",
                Stream.concat(Stream.of("true"), Collections.nCopies(11, atLimit).stream())
                    .toList()),
            Map.of(
                "command",
                Stream.concat(Stream.of("true"), Collections.nCopies(200_000, "").stream())
                    .toList()));
    for (Map<String, ?> body : bodies) {
      var r = server.http().post(path, Commands.body(body));
      assertInvalid(r, "bytes");
      assertThat(r.header("x-should-retry")).isEqualTo("false");
      assertThat(r.json().path("request_id").asText()).isEqualTo(r.header("request-id"));
    }
    var fits =
        exec(
            server.http(),
            session,
            Map.of("command", List.of("true", atLimit), "env", Map.of("A", atLimit.substring(2))));
    assertThat(fits.status()).as("%s", fits.json()).isEqualTo(200);
  }

  @Test
  void unknownAndOtherWorkspacesSessionsAreNotFound() {
    String session = Fixtures.session(server.http());
    var unknown = exec(server.http(), "sesn_01AAAAAAAAAAAAAAAAAAAAAAAA", "true");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.errorType()).isEqualTo("not_found_error");
    var other = exec(server.http(TestServer.OTHER_KEY), session, "true");
    assertThat(other.status()).isEqualTo(404);
    assertThat(other.errorType()).isEqualTo("not_found_error");
  }

  @Test
  void archivedSessionsRunNoCommands() {
    String session = Fixtures.session(server.http());
    assertThat(server.http().post("/v1/sessions/" + session + "/archive").status()).isEqualTo(200);
    assertInvalid(exec(server.http(), session, "true"), "archived");
  }

  @Test
  void deletingASessionStopsItsRunningCommands() throws Exception {
    String session = Fixtures.session(server.http());
    String marker = "417.25";
    var pending =
        Commands.start(server.http(), session, Map.of("command", List.of("sleep", marker)));
    // the server runs in this JVM: its commands are this process's descendants
    var started = Commands.sleeping(ProcessHandle.current(), marker, 1, Duration.ofSeconds(10));

    assertThat(server.http().delete("/v1/sessions/" + session).status()).isEqualTo(200);

    var r = pending.get(10, TimeUnit.SECONDS);
    assertThat(r.status()).as("%s", r.json()).isEqualTo(404);
    assertThat(r.json().at("/error/details/error_code").asText()).isEqualTo("session_deleted");
    assertThat(Commands.goneWithin(started, Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void stoppingBerthStopsRunningCommandsAndAnswersTheirRequests() throws Exception {
    String marker = "419.75";
    try (TestServer own = TestServer.start()) {
      String session = Fixtures.session(own.http());
      var pending =
          Commands.start(own.http(), session, Map.of("command", List.of("sleep", marker)));
      var started = Commands.sleeping(ProcessHandle.current(), marker, 1, Duration.ofSeconds(10));
      long start = System.nanoTime();

      own.restart();

      var r = pending.get(10, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      assertThat(r.status()).as("%s", r.json()).isEqualTo(503);
      assertThat(r.json().at("/error/details/error_code").asText()).isEqualTo("server_stopping");
      assertThat(Commands.goneWithin(started, Duration.ofSeconds(3))).isTrue();
      assertThat(exec(own.http(), session, "true").status()).isEqualTo(200);
    }
  }

  @Test
  void envOverridesTheFixedEnvironmentAndNothingOfTheServersLeaks() {
    String session = Fixtures.session(server.http());
    var env = new HashMap<String, String>();
    env.put("LANG", "C");
    var r = exec(server.http(), session, Map.of("command", List.of("env"), "env", env));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("stdout").asText().lines().sorted().toList())
        .contains("LANG=C", "HOME=/workspace", "TMPDIR=/tmp", "USER=sandbox")
        .noneMatch(line -> line.startsWith("JAVA_HOME=") || line.startsWith("BERTH_"));
  }
}
