package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.cli.ExecArguments.UsageException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExecArgumentsTest {
  private static final Map<String, String> KEY = Map.of("BERTH_API_KEY", "sk-env");

  @Test
  void theFirstWordAfterTheOptionsIsTheSessionAndTheRestIsTheCommandUntouched()
      throws UsageException {
    var a =
        ExecArguments.parse(
            List.of("-e", "A=1", "--timeout-ms=500", "-i", "sesn_1", "ls", "-la", "--", "-e"), KEY);

    assertThat(a.sessionId()).isEqualTo("sesn_1");
    assertThat(a.command()).containsExactly("ls", "-la", "--", "-e");
    assertThat(a.env()).containsExactly(Map.entry("A", "1"));
    assertThat(a.timeoutMs()).contains(500L);
    assertThat(a.sendStdin()).isTrue();
    assertThat(a.apiKey()).isEqualTo("sk-env");
    assertThat(a.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:8080"));
  }

  @Test
  void aDoubleDashMayStandBeforeOrAfterTheSession() throws UsageException {
    assertThat(ExecArguments.parse(List.of("sesn_1", "--", "-x"), KEY).command())
        .containsExactly("-x");
    var a = ExecArguments.parse(List.of("--", "sesn_1", "--", "cat"), KEY);
    assertThat(a.sessionId()).isEqualTo("sesn_1");
    assertThat(a.command()).containsExactly("cat");
  }

  @Test
  void flagsWinOverTheEnvironmentAndTheSdkVariablesAreTheFallback() throws UsageException {
    var env = Map.of("ANTHROPIC_API_KEY", "sk-sdk", "ANTHROPIC_BASE_URL", "http://h:1");
    var fromSdk = ExecArguments.parse(List.of("s", "true"), env);
    assertThat(fromSdk.apiKey()).isEqualTo("sk-sdk");
    assertThat(fromSdk.baseUrl()).isEqualTo(URI.create("http://h:1"));

    var flags =
        ExecArguments.parse(
            List.of("--api-key", "sk-flag", "--base-url", "https://b:2/", "s", "true"), env);
    assertThat(flags.apiKey()).isEqualTo("sk-flag");
    assertThat(flags.baseUrl()).isEqualTo(URI.create("https://b:2/"));
    assertThat(flags.timeoutMs()).isEqualTo(Optional.empty());
  }

  @Test
  void environmentValuesMayHoldEqualsSignsAndLaterSettingsWin() throws UsageException {
    var a = ExecArguments.parse(List.of("-e", "Q=a=b", "--env=Q=c=d", "s", "env"), KEY);
    assertThat(a.env()).containsExactly(Map.entry("Q", "c=d"));
  }

  @Test
  void badCommandLinesSayWhatIsWrong() {
    assertThatThrownBy(() -> ExecArguments.parse(List.of(), KEY))
        .hasMessageContaining("SESSION_ID");
    assertThatThrownBy(() -> ExecArguments.parse(List.of("sesn_1"), KEY))
        .hasMessageContaining("missing COMMAND");
    assertThatThrownBy(() -> ExecArguments.parse(List.of("sesn_1", "--"), KEY))
        .hasMessageContaining("missing COMMAND");
    assertThatThrownBy(() -> ExecArguments.parse(List.of("--timeout-ms", "soon", "s", "x"), KEY))
        .hasMessageContaining("whole number");
    assertThatThrownBy(() -> ExecArguments.parse(List.of("--timeout-ms"), KEY))
        .hasMessageContaining("needs a value");
    assertThatThrownBy(() -> ExecArguments.parse(List.of("-e", "NOVALUE", "s", "x"), KEY))
        .hasMessageContaining("NAME=VALUE");
    assertThatThrownBy(() -> ExecArguments.parse(List.of("--frobnicate", "s", "x"), KEY))
        .hasMessageContaining("unknown option --frobnicate");
    assertThatThrownBy(() -> ExecArguments.parse(List.of("s", "x"), Map.of()))
        .hasMessageContaining("no API key");
    assertThatThrownBy(() -> ExecArguments.parse(List.of("--base-url", "ftp://h", "s", "x"), KEY))
        .hasMessageContaining("http(s)");
  }
}
