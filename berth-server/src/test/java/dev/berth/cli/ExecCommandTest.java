package dev.berth.cli;

import static dev.berth.testing.CliRun.berth;
import static dev.berth.testing.CliRun.berthWithInput;
import static dev.berth.testing.Fixtures.fileResource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.CliRun;
import dev.berth.testing.Fixtures;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code berth exec} against a real server: what it prints and the status it exits with. */
class ExecCommandTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  private static final String NO_SESSION = "sesn_011CZkZAtmR3yMPDzynEDxu7";

  static CliRun berthExec(String stdin, String... args) {
    List<String> all = new ArrayList<>(List.of("exec", "--base-url", server.baseUrl()));
    all.addAll(List.of(args));
    return berthWithInput(
        Map.of("BERTH_API_KEY", TestServer.KEY), stdin, all.toArray(String[]::new));
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
    assertThat(cat).isEqualTo(new CliRun(0, "hello from uploads\n", ""));

    var failing = berthExec("", session, "sh", "-c", "echo oops >&2; exit 7");
    assertThat(failing).isEqualTo(new CliRun(7, "", "oops\n"));
  }

  @Test
  void sendsStandardInputAndEnvironmentWhenAsked() {
    String session = Fixtures.session(server.http());

    var r = berthExec("piped\n", "-i", "-e", "WHO=cli", session, "sh", "-c", "cat; echo $WHO");

    assertThat(r).isEqualTo(new CliRun(0, "piped\ncli\n", ""));
  }

  @Test
  void theFirstWordAfterTheOptionsIsTheSessionAndTheRestIsTheCommandUntouched() {
    String session = Fixtures.session(server.http());

    var r =
        berthExec(
            "", "-e", "A=1", "--timeout-ms=5000", session, "printf", "%s|", "-la", "--", "-e");
    assertThat(r).isEqualTo(new CliRun(0, "-la|--|-e|", ""));

    var dashes = berthExec("", "--", session, "--", "printf", "%s|", "-x");
    assertThat(dashes).isEqualTo(new CliRun(0, "-x|", ""));
  }

  @Test
  void variableValuesMayHoldEqualsSignsAndTheLaterOfOneNameWins() {
    String session = Fixtures.session(server.http());

    var r = berthExec("", "-e", "Q=a=b", "--env=Q=c=d", session, "sh", "-c", "echo $Q");

    assertThat(r).isEqualTo(new CliRun(0, "c=d\n", ""));
  }

  @Test
  void flagsWinOverTheEnvironmentAndTheSdkVariablesAreTheFallback() {
    String session = Fixtures.session(server.http());
    var sdk = Map.of("ANTHROPIC_API_KEY", TestServer.KEY, "ANTHROPIC_BASE_URL", server.baseUrl());
    assertThat(berth(sdk, "exec", session, "echo", "sdk")).isEqualTo(new CliRun(0, "sdk\n", ""));

    var wrong =
        Map.of("BERTH_API_KEY", "sk-wrong-key-0123456789", "BERTH_BASE_URL", "http://127.0.0.1:1");
    var flags =
        berth(
            wrong,
            "exec",
            "--api-key",
            TestServer.KEY,
            "--base-url",
            server.baseUrl() + "/",
            session,
            "echo",
            "flags");
    assertThat(flags).isEqualTo(new CliRun(0, "flags\n", ""));
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
  void refusalsAndUnreachableServersExit125() {
    var unknown = berthExec("", NO_SESSION, "true");
    assertThat(unknown.status()).isEqualTo(ExecCommand.REFUSED);
    assertThat(unknown.err()).contains("HTTP 404").contains("not_found_error");

    var unreachable =
        berth(
            Map.of("BERTH_API_KEY", "sk-none"),
            "exec",
            "--base-url",
            "http://127.0.0.1:1",
            "sesn_x",
            "true");
    assertThat(unreachable.status()).isEqualTo(ExecCommand.REFUSED);
    assertThat(unreachable.err()).contains("could not reach http://127.0.0.1:1");
  }

  @Test
  void badCommandLinesExit2WithOneLineSayingWhatIsWrong() {
    var key = Map.of("BERTH_API_KEY", "sk-env");
    assertUsage(berth(key, "exec"), "berth: Missing required parameters: 'SESSION_ID', 'COMMAND'");
    assertUsage(berth(key, "exec", NO_SESSION), "berth: Missing required parameter: 'COMMAND'");
    assertUsage(
        berth(key, "exec", NO_SESSION, "--"), "berth: missing COMMAND after the session id");
    assertUsage(
        berth(key, "exec", "--timeout-ms", "soon", "s", "x"),
        "berth: --timeout-ms must be a whole number, at least 1, got 'soon'");
    assertUsage(berth(key, "exec", "-e", "NOVALUE", "s", "x"), "berth: --env must be NAME=VALUE");
    assertUsage(berth(key, "exec", "--frobnicate", "s", "x"), "berth: Unknown option");
    assertUsage(berth(Map.of(), "exec", "s", "x"), "berth: no API key");
    assertUsage(
        berth(key, "exec", "--base-url", "ftp://h", "s", "x"),
        "berth: --base-url must be an http:// or https:// URL, got 'ftp://h'");
    assertUsage(
        berth(
            Map.of("BERTH_API_KEY", "sk-secret-never-shown", "BERTH_BASE_URL", "h:1"),
            "exec",
            "s",
            "x"),
        "berth: BERTH_BASE_URL must be an http:// or https:// URL, got 'h:1'");
  }

  private static void assertUsage(CliRun run, String start) {
    assertThat(run.status()).as("%s", run).isEqualTo(Cli.USAGE);
    assertThat(run.errLines()).as("%s", run).hasSize(1);
    assertThat(run.err()).startsWith(start).doesNotContain("sk-secret");
    assertThat(run.out()).isEmpty();
  }
}
