package dev.berth.exec;

import static dev.berth.testing.Commands.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How many commands run at once, in one session and on the server: past either cap, a 429. */
class ExecConcurrencyTest {
  static final int PER_SESSION = 2;
  static final int PER_SERVER = 3;

  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--session-max-concurrent-commands",
          Integer.toString(PER_SESSION),
          "--exec-max-concurrent-commands",
          Integer.toString(PER_SERVER));

  /** By session, commands that have said they run and wait for {@code go} in its workspace. */
  final Map<String, List<CompletableFuture<Http.Response>>> waiting = new HashMap<>();

  @Test
  void aSessionPastItsConcurrentCommandsGets429WhileAnotherSessionRuns() throws Exception {
    String busy = Fixtures.session(server.http());
    String other = Fixtures.session(server.http(TestServer.OTHER_KEY));
    holdRunning(server.http(), busy, PER_SESSION);

    var refused = exec(server.http(), busy, "echo", "third");

    assertRateLimited(refused, "--session-max-concurrent-commands");
    assertThat(Commands.sh(server.http(TestServer.OTHER_KEY), other, "echo runs"))
        .isEqualTo("runs\n");
    release(busy);
    assertThat(Commands.sh(server.http(), busy, "echo again")).isEqualTo("again\n");
  }

  @Test
  void theServerPastItsConcurrentCommandsGets429ForAnySession() throws Exception {
    String first = Fixtures.session(server.http());
    String second = Fixtures.session(server.http());
    String third = Fixtures.session(server.http(TestServer.OTHER_KEY));
    holdRunning(server.http(), first, PER_SESSION);
    holdRunning(server.http(), second, PER_SERVER - PER_SESSION);

    var refused = exec(server.http(TestServer.OTHER_KEY), third, "echo", "one too many");

    assertRateLimited(refused, "--exec-max-concurrent-commands");
    release(first);
    release(second);
    assertThat(Commands.sh(server.http(TestServer.OTHER_KEY), third, "echo runs"))
        .isEqualTo("runs\n");
  }

  static void assertRateLimited(Http.Response r, String cap) {
    assertThat(r.status()).as("%s", r.json()).isEqualTo(429);
    assertThat(r.errorType()).isEqualTo("rate_limit_error");
    assertThat(r.json().at("/error/message").asText()).contains(cap);
    assertThat(r.json().get("request_id").asText()).isNotEmpty();
    assertThat(r.header("retry-after")).isEqualTo("1");
    assertThat(r.header("x-should-retry")).isEqualTo("true");
  }

  /** Starts {@code count} commands in the session and waits until each has written its marker. */
  void holdRunning(Http http, String session, int count) throws InterruptedException {
    Path workspace = workspace(session);
    for (int i = 0; i < count; i++) {
      waiting
          .computeIfAbsent(session, s -> new ArrayList<>())
          .add(
              Commands.start(
                  http,
                  session,
                  Map.of(
                      "command",
                      List.of(
                          "sh",
                          "-c",
                          "touch running." + i + "; while [ ! -f go ]; do sleep 0.05; done"),
                      "timeout_ms",
                      60_000)));
    }
    Await.until(
        count + " commands running in " + session,
        Duration.ofSeconds(20),
        () -> {
          for (int i = 0; i < count; i++) {
            if (!Files.exists(workspace.resolve("running." + i))) {
              return false;
            }
          }
          return true;
        });
  }

  /** Lets the session's waiting commands end, and waits for their answers. */
  void release(String session) throws Exception {
    Files.createFile(workspace(session).resolve("go"));
    for (var pending : waiting.remove(session)) {
      var r = pending.get(20, TimeUnit.SECONDS);
      assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    }
  }

  static Path workspace(String session) {
    return server.dataDir().resolve("sandboxes/" + session + "/workspace");
  }
}
