package dev.berth.exec;

import static dev.berth.testing.Commands.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.Immutable;
import dev.berth.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The first command probes whether bubblewrap can make a sandbox here. A probe that could not even
 * start bubblewrap (here its options file cannot be written: the directory for them is made
 * immutable on the host) says nothing about the machine, so it is not kept: that command is refused
 * with a retryable 503, and the next one probes again and runs.
 */
class ExecProbeRetryTest {
  final TestServer server = TestServer.start();
  final Http http = server.http();

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aProbeThatCouldNotStartBubblewrapAnswers503AndTheNextCommandRuns() {
    String session = Fixtures.session(http);

    try (var frozen = Immutable.make(server.dataDir().resolve("sandbox-launch"))) {
      var refused = exec(http, session, "echo", "ran");
      assertThat(refused.status()).as("%s", refused.json()).isEqualTo(503);
      assertThat(refused.errorType()).isEqualTo("overloaded_error");
      assertThat(refused.json().at("/error/details/error_code").asText())
          .isEqualTo("sandbox_unavailable");
      assertThat(refused.header("x-should-retry")).isEqualTo("true");

      frozen.lift();
      var ran = exec(http, session, "echo", "ran");
      assertThat(ran.status()).as("%s", ran.json()).isEqualTo(200);
      assertThat(ran.json().get("exit_code").asInt()).isZero();
      assertThat(ran.json().get("stdout").asText()).isEqualTo("ran\n");
    }
  }
}
