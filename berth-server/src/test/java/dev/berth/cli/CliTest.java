package dev.berth.cli;

import static dev.berth.testing.CliRun.berth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.CliRun;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code berth} command through its real entry point, in this JVM: the help of every command,
 * one-line errors for values a setting does not accept (from a flag or from the environment), and
 * flags winning over the environment.
 */
class CliTest {
  @TempDir Path dataDir;

  @Test
  void berthAndHelpListEveryCommand() {
    for (CliRun help : new CliRun[] {berth(Map.of(), "--help"), berth(Map.of(), "help")}) {
      assertThat(help.status()).isZero();
      assertThat(help.out())
          .startsWith("Usage: berth [-hV] [COMMAND]")
          .contains("  serve ", "  exec ", "  version ", "  help ");
      assertThat(help.err()).isEmpty();
    }
  }

  @Test
  void serveHelpShowsEveryFlagWithItsVariableAndDefault() {
    CliRun help = berth(Map.of(), "serve", "--help");
    assertThat(help.status()).isZero();
    assertThat(help.out())
        .startsWith("Usage: berth serve [OPTIONS]")
        .contains("--port=N")
        .containsPattern("Env: BERTH_PORT\\n +Default: 8080\\n")
        .containsPattern("Env: BERTH_DATA_DIR\\n +Default: berth-data\\n")
        .containsPattern("Env: BERTH_UPLOADS_DOWNLOADABLE\\n +Default: false\\n")
        .containsPattern("Env: BERTH_SESSION_DISK_MECHANISM\\n +Default: auto\\n")
        .containsPattern("Env: BERTH_API_KEYS\\n +--")
        .contains("--metrics-public", "--log-format=text|json")
        .containsPattern("Env: BERTH_METRICS_PUBLIC\\n +Default: false\\n")
        .containsPattern("Env: BERTH_LOG_FORMAT\\n +Default: text\\n");
    assertThat(berth(Map.of(), "help", "serve").out()).isEqualTo(help.out());
    // an environment set for the server does not change what the help calls the default
    assertThat(berth(Map.of("BERTH_PORT", "9999"), "serve", "--help").out()).isEqualTo(help.out());
  }

  @Test
  void execAndVersionExplainThemselves() {
    CliRun exec = berth(Map.of(), "exec", "--help");
    assertThat(exec.status()).isZero();
    assertThat(exec.out())
        .startsWith("Usage: berth exec")
        .contains("SESSION_ID", "COMMAND", "Env: BERTH_BASE_URL, then ANTHROPIC_BASE_URL")
        .contains("Default: http://127.0.0.1:8080");
    assertThat(berth(Map.of(), "help", "exec").out()).isEqualTo(exec.out());

    assertThat(berth(Map.of(), "version", "--help").out()).startsWith("Usage: berth version");
    CliRun version = berth(Map.of(), "version");
    assertThat(version.status()).isZero();
    assertThat(version.out()).matches("(?s)berth \\d+\\.\\d+\\.\\d+.*\nJava \\d+.*\n");
    assertThat(berth(Map.of(), "--version").out()).isEqualTo(version.out());
  }

  @Test
  void aWholeNumberOutOfRangeIsOneLineNamingTheFlagAndTheRange() {
    assertUsage(
        berth(Map.of(), "serve", "--port", "4294975376"),
        "berth: --port must be a whole number from 0 to 65535, got '4294975376'");
    assertUsage(
        berth(Map.of(), "--session-cpu-weight=0"),
        "berth: --session-cpu-weight must be a whole number from 1 to 10000, got '0'");
  }

  @Test
  void aBooleanIsTrueOrFalseAndNeverSilentlyFalse() {
    assertUsage(
        berth(Map.of("BERTH_UPLOADS_DOWNLOADABLE", "yes"), "serve"),
        "berth: BERTH_UPLOADS_DOWNLOADABLE must be true or false, got 'yes'");
    assertUsage(
        berth(Map.of(), "serve", "--metrics-public=1"),
        "berth: --metrics-public must be true or false, got '1'");
  }

  @Test
  void aChoiceNamesEveryValueItTakes() {
    assertUsage(
        berth(Map.of(), "serve", "--session-disk-mechanism", "tmpfs"),
        "berth: --session-disk-mechanism must be auto, loop or walk, got 'tmpfs'");
    assertUsage(
        berth(Map.of("BERTH_LOG_FORMAT", "xml"), "serve"),
        "berth: BERTH_LOG_FORMAT must be text or json, got 'xml'");
  }

  @Test
  void aSizeIsAWholeNumberOfBytesInItsRange() {
    assertUsage(
        berth(Map.of("BERTH_MAX_UPLOAD_BYTES", "10MB"), "serve"),
        "berth: BERTH_MAX_UPLOAD_BYTES must be a whole number, at least 1, got '10MB'");
    assertUsage(
        berth(Map.of(), "serve", "--max-json-bytes", "1023"),
        "berth: --max-json-bytes must be a whole number, at least 1024, got '1023'");
  }

  @Test
  void aUrlOrAPathThatIsNoneIsRefused() {
    assertUsage(
        berth(Map.of(), "serve", "--github-url", "ftp://example.com"),
        "berth: --github-url must be an https:// or http:// URL of a host, with no user, query"
            + " or fragment, got 'ftp://example.com'");
    assertUsage(
        berth(Map.of("BERTH_S3_ENDPOINT", "localhost:9000"), "serve", "--s3-bucket", "b"),
        "berth: BERTH_S3_ENDPOINT must be an http:// or https:// URL, got 'localhost:9000'");
    assertUsage(
        berth(Map.of(), "serve", "--secrets-key-file", ""),
        "berth: --secrets-key-file must be a path, not empty, without NUL, got ''");
    assertUsage(
        berth(Map.of(), "serve", "--data-dir", "a\0b"),
        "berth: --data-dir must be a path, not empty, without NUL");
  }

  @Test
  void secretsAreNeverRepeatedInAnError() {
    CliRun key = berth(Map.of("BERTH_API_KEYS", "sk-short@team"), "serve");
    assertUsage(key, "berth: BERTH_API_KEYS must be KEY or KEY@WORKSPACE");
    assertThat(key.err()).doesNotContain("sk-short");
    CliRun url =
        berth(Map.of(), "serve", "--database-url", "postgresql://db/berth?password=hunter2");
    assertUsage(url, "berth: --database-url must be a jdbc:postgresql: URL");
    assertThat(url.err()).doesNotContain("hunter2");
  }

  @Test
  void settingsThatOnlyMeanSomethingTogetherAreRefusedTogether() {
    assertUsage(
        berth(Map.of(), "serve", "--exec-timeout-ms", "700000"),
        "berth: --exec-timeout-ms (BERTH_EXEC_TIMEOUT_MS) must be between 1 and the maximum"
            + " 600000, got 700000");
    assertUsage(
        berth(Map.of("BERTH_S3_ENDPOINT", "http://127.0.0.1:9000"), "serve"),
        "berth: --s3-endpoint, --s3-access-key-id and --s3-secret-access-key need --s3-bucket");
  }

  @Test
  void unknownOptionsPointToTheHelpOfTheirCommand() {
    assertUsage(
        berth(Map.of(), "--frobnicate"),
        "berth: Unknown option: '--frobnicate' (see 'berth serve --help')");
    assertUsage(
        berth(Map.of(), "version", "--frobnicate"),
        "berth: Unknown option: '--frobnicate' (see 'berth version --help')");
  }

  @Test
  void aFlagWinsOverItsVariableAndABadVariableIsNotReadWhenTheFlagIsGiven() {
    // Both fail only once the server tries to reach the database the flag names.
    CliRun run =
        berth(
            Map.of(
                "BERTH_PORT", "99999",
                "BERTH_DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/from-environment"),
            "serve",
            "--port",
            "0",
            "--data-dir",
            dataDir.toString(),
            "--database-url",
            "jdbc:postgresql://127.0.0.1:1/from-flag?user=berth&password=hunter2");
    assertThat(run.status()).as("%s", run).isEqualTo(Cli.FAILED);
    assertThat(run.errLines())
        .containsExactly(
            "berth: cannot connect to the database at jdbc:postgresql://127.0.0.1:1/from-flag"
                + " (Connection refused); check --database-url (BERTH_DATABASE_URL) and that"
                + " PostgreSQL is up");
  }

  @Test
  void anUnreachableDatabaseIsOneLineWithoutItsPassword() {
    CliRun run =
        berth(
            Map.of("BERTH_DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/berth?password=hunter2"),
            "--data-dir",
            dataDir.toString());
    assertThat(run.status()).isEqualTo(Cli.FAILED);
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.err())
        .startsWith("berth: cannot connect to the database at jdbc:postgresql://127.0.0.1:1/berth")
        .doesNotContain("hunter2")
        .doesNotContain("Exception");
  }

  private static void assertUsage(CliRun run, String start) {
    assertThat(run.status()).as("%s", run).isEqualTo(Cli.USAGE);
    assertThat(run.errLines()).as("%s", run).hasSize(1);
    assertThat(run.err()).startsWith(start);
    assertThat(run.out()).isEmpty();
  }
}
