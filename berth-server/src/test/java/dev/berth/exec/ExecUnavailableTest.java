package dev.berth.exec;

import static dev.berth.testing.Commands.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Fixtures;
import dev.berth.testing.SharedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Without bubblewrap, commands answer 501 and everything else works as before. */
class ExecUnavailableTest {
  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--exec-bwrap",
          "/nonexistent/bwrap",
          "--exec-max-output-bytes",
          "1024",
          "--session-disk-quota-bytes",
          Integer.toString(1024 * 1024),
          "--session-max-processes",
          "64");

  @Test
  void commandsAnswer501SayingToInstallBubblewrap() {
    String session = Fixtures.session(server.http());

    var r = exec(server.http(), session, "true");

    assertThat(r.status()).as("%s", r.json()).isEqualTo(501);
    assertThat(r.errorType()).isEqualTo("api_error");
    assertThat(r.json().at("/error/details/error_code").asText()).isEqualTo("sandbox_unavailable");
    assertThat(r.json().at("/error/message").asText())
        .contains("/nonexistent/bwrap")
        .contains("apt-get install bubblewrap");
    assertThat(r.header("x-should-retry")).isEqualTo("false");

    String file = Fixtures.upload(server.http(), "x.txt", "still works");
    assertThat(
            server
                .http()
                .post(
                    "/v1/sessions/" + session + "/resources", Fixtures.fileResource(file, "/x.txt"))
                .status())
        .isEqualTo(200);
  }

  @Test
  void theRequestIsStillValidatedAndTheSessionLookedUpFirst() {
    var r = exec(server.http(), "sesn_01AAAAAAAAAAAAAAAAAAAAAAAA", "true");
    assertThat(r.status()).isEqualTo(404);
    String session = Fixtures.session(server.http());
    assertThat(server.http().post("/berth/v1/sessions/" + session + "/exec", "{}").status())
        .isEqualTo(400);
  }
}
