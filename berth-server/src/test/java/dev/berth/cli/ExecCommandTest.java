package dev.berth.cli;

import static dev.berth.testing.Fixtures.fileResource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Fixtures;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code berth exec} against a real server: what it prints and the status it exits with. */
class ExecCommandTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  record Outcome(int status, String out, String err) {}

  static Outcome berthExec(String stdin, String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    var command =
        new ExecCommand(
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    List<String> all = new ArrayList<>(List.of("--base-url", server.baseUrl()));
    all.addAll(List.of(args));
    int status = command.run(all, Map.of("BERTH_API_KEY", TestServer.KEY));
    return new Outcome(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void printsWhatTheCommandPrintedAndExitsWithItsStatus() {
    String session = Fixtures.session(server.http());
    String file = Fixtures.upload(server.http(), "notes.txt", "hello from uploads\n");
    var added =
        server
            .http()
            .post(
                "/v1/sessions/" + session + "/resources",
                fileResource(file, "/mnt/session/uploads/notes.txt"));
    assertThat(added.status()).as("%s", added.json()).isEqualTo(200);

    var cat = berthExec("", session, "--", "cat", "/mnt/session/uploads/notes.txt");
    assertThat(cat).isEqualTo(new Outcome(0, "hello from uploads\n", ""));

    var failing = berthExec("", session, "sh", "-c", "echo oops >&2; exit 7");
    assertThat(failing).isEqualTo(new Outcome(7, "", "oops\n"));
  }

  @Test
  void sendsStandardInputAndEnvironmentWhenAsked() {
    String session = Fixtures.session(server.http());

    var r = berthExec("piped\n", "-i", "-e", "WHO=cli", session, "sh", "-c", "cat; echo $WHO");

    assertThat(r).isEqualTo(new Outcome(0, "piped\ncli\n", ""));
  }

  @Test
  void aCommandStoppedByItsTimeLimitExits124WithWhatItPrintedSoFar() {
    String session = Fixtures.session(server.http());

    var r =
        berthExec("", "--timeout-ms", "2000", session, "sh", "-c", "echo started; exec sleep 30");

    assertThat(r.status()).isEqualTo(ExecCommand.STOPPED_BY_LIMIT);
    assertThat(r.out()).isEqualTo("started\n");
    assertThat(r.err()).contains("exec_timeout");
  }

  @Test
  void refusalsAndUnreachableServersExit125AndUsageErrorsExit2() {
    var unknown = berthExec("", "sesn_011CZkZAtmR3yMPDzynEDxu7", "true");
    assertThat(unknown.status()).isEqualTo(ExecCommand.REFUSED);
    assertThat(unknown.err()).contains("HTTP 404").contains("not_found_error");

    var usage = berthExec("", "sesn_011CZkZAtmR3yMPDzynEDxu7");
    assertThat(usage.status()).isEqualTo(ExecCommand.USAGE);
    assertThat(usage.err()).contains("missing COMMAND").contains("usage: berth exec");

    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int status =
        new ExecCommand(
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))
            .run(
                List.of("--base-url", "http://127.0.0.1:1", "sesn_x", "true"),
                Map.of("BERTH_API_KEY", "sk-none"));
    assertThat(status).isEqualTo(ExecCommand.REFUSED);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("could not reach");
  }
}
