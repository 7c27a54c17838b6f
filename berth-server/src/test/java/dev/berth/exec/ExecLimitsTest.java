package dev.berth.exec;

import static dev.berth.testing.Commands.exec;
import static dev.berth.testing.Commands.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.SharedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Wall time, output and disk limits stop a command, say why, and keep what it did so far. */
class ExecLimitsTest {
  static final long OUTPUT = 64 * 1024;
  static final long QUOTA = 4L * 1024 * 1024;
  static final int PROCESSES = 64;

  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--exec-max-output-bytes",
          Long.toString(OUTPUT),
          "--session-disk-quota-bytes",
          Long.toString(QUOTA),
          "--session-max-processes",
          Integer.toString(PROCESSES));

  static JsonNode stopped(Http.Response r, String errorCode) {
    assertThat(r.status()).as("%s", r.json()).isEqualTo(400);
    assertThat(r.errorType()).isEqualTo("invalid_request_error");
    assertThat(r.json().at("/error/details/error_code").asText()).isEqualTo(errorCode);
    assertServerAnswers();
    return r.json().at("/error/details");
  }

  static void assertServerAnswers() {
    assertThat(server.http().get("/v1/files?limit=1").status()).isEqualTo(200);
  }

  @Test
  void aCommandPastItsTimeLimitIsStoppedWithItsOutputSoFar() {
    String session = Fixtures.session(server.http());
    long start = System.nanoTime();

    var r =
        exec(
            server.http(),
            session,
            Map.of(
                "command",
                List.of("sh", "-c", "echo before; echo oops >&2; sleep 30; echo after"),
                "timeout_ms",
                2000)); // time enough for a loaded machine to start the sandbox and print

    JsonNode details = stopped(r, "exec_timeout");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(7));
    assertThat(r.json().at("/error/message").asText()).contains("2000 ms");
    assertThat(details.get("stdout").asText()).isEqualTo("before\n");
    assertThat(details.get("stderr").asText()).isEqualTo("oops\n");
    assertThat(details.get("duration_ms").asLong()).isBetween(2000L, 6000L);
    assertThat(details.get("exit_code").asInt()).as("128 + SIGKILL").isEqualTo(137);
  }

  @Test
  void backgroundChildrenDieWithTheirCommand() throws Exception {
    String session = Fixtures.session(server.http());
    // The server runs in this JVM: its commands are this process's descendants. The limit leaves
    // the test ample time to see both sleeps before the command is stopped.
    String stopped = "313.125";
    var pending =
        Commands.start(
            server.http(),
            session,
            Map.of(
                "command",
                List.of("sh", "-c", "sleep " + stopped + " & sleep " + stopped),
                "timeout_ms",
                3000));
    var stoppedOnes = Commands.sleeping(ProcessHandle.current(), stopped, 2, Duration.ofSeconds(3));
    stopped(pending.get(10, TimeUnit.SECONDS), "exec_timeout");
    assertThat(Commands.goneWithin(stoppedOnes, Duration.ofSeconds(3))).isTrue();

    // a command that ends by itself takes what it left running with it too; it ends once the test
    // has seen its background sleep
    String finished = "314.375";
    Path go = server.dataDir().resolve("sandboxes/" + session + "/workspace/go");
    var ending =
        Commands.start(
            server.http(),
            session,
            Map.of(
                "command",
                List.of(
                    "sh",
                    "-c",
                    "sleep "
                        + finished
                        + " & for i in $(seq 100); do [ -f go ] && break; sleep 0.1; done;"
                        + " echo started")));
    var left = Commands.sleeping(ProcessHandle.current(), finished, 1, Duration.ofSeconds(10));
    Files.createFile(go);
    long start = System.nanoTime();
    var r = ending.get(10, TimeUnit.SECONDS);
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    assertThat(r.json().get("stdout").asText()).isEqualTo("started\n");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(Commands.goneWithin(left, Duration.ofSeconds(3))).isTrue();
  }

  @Test
  void aCommandWritingTooMuchOutputIsStoppedWithTheFirstBytes() {
    String session = Fixtures.session(server.http());

    JsonNode details = stopped(exec(server.http(), session, "yes"), "exec_output_limit");

    assertThat(details.get("stdout").asText()).hasSize((int) OUTPUT).startsWith("y\ny\n");
    assertThat(details.get("truncated").asBoolean()).isTrue();

    JsonNode onStderr =
        stopped(
            exec(server.http(), session, "sh", "-c", "echo fine; yes error >&2"),
            "exec_output_limit");
    assertThat(onStderr.get("stdout").asText()).isEqualTo("fine\n");
    assertThat(onStderr.get("stderr").asText()).hasSize((int) OUTPUT);
  }

  @Test
  void outputUpToTheLimitIsNotTruncated() {
    String session = Fixtures.session(server.http());
    var r = exec(server.http(), session, "head", "-c", Long.toString(OUTPUT), "/dev/zero");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("stdout").asText()).hasSize((int) OUTPUT);
    assertThat(r.json().get("truncated").asBoolean()).isFalse();
  }

  @Test
  void oneFileBeyondTheDiskQuotaStopsTheCommand() {
    String session = Fixtures.session(server.http());

    JsonNode details =
        stopped(
            exec(
                server.http(),
                session,
                "sh",
                "-c",
                "echo writing; head -c " + 2 * QUOTA + " /dev/zero > /workspace/big; echo done"),
            "session_disk_quota_exceeded");

    assertThat(details.get("stdout").asText()).startsWith("writing\n");
    assertThat(
            server.dataDir().resolve("sandboxes/" + session + "/workspace/big").toFile().length())
        .isLessThanOrEqualTo(QUOTA + 1);
    // over the quota, a session can still free space
    assertThat(sh(server.http(), session, "rm /workspace/big && echo freed")).isEqualTo("freed\n");
    assertThat(sh(server.http(), session, "echo small > /workspace/small && cat /workspace/small"))
        .isEqualTo("small\n");
  }

  @Test
  void manySmallFilesBeyondTheDiskQuotaStopTheCommand() {
    String session = Fixtures.session(server.http());
    long start = System.nanoTime();

    stopped(
        exec(
            server.http(),
            session,
            "sh",
            "-c",
            "i=0; while true; do head -c 262144 /dev/zero > /mnt/session/outputs/part$i;"
                + " i=$((i+1)); done"),
        "session_disk_quota_exceeded");

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(sh(server.http(), session, "rm /mnt/session/outputs/part* && echo freed"))
        .isEqualTo("freed\n");
  }

  @Test
  void timeoutMsMayRaiseTheDefaultUpToTheMaximum() {
    String session = Fixtures.session(server.http());
    var r = exec(server.http(), session, Map.of("command", List.of("true"), "timeout_ms", 600_000));
    assertThat(r.status()).isEqualTo(200);
  }

  @Test
  void processesBeyondTheCapCannotBeStartedAndTheNextCommandRuns() {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "the process cap applies when Berth runs as root");
    String session = Fixtures.session(server.http());

    var r =
        exec(
            server.http(),
            session,
            Map.of(
                "command",
                List.of("sh", "-c", "for i in $(seq 200); do sleep 30 & done; echo all started"),
                "timeout_ms",
                5000));

    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    assertThat(r.json().get("exit_code").asInt()).as("sh exits 2 when it cannot fork").isEqualTo(2);
    assertThat(r.json().get("stdout").asText()).doesNotContain("all started");
    assertThat(r.json().get("stderr").asText()).containsIgnoringCase("fork");
    // what the command left running went with it, so the cap does not outlive the command
    assertThat(sh(server.http(), session, "sleep 0.1 & wait; echo ok")).isEqualTo("ok\n");
    assertServerAnswers();
  }
}
