package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.config.BerthConfig;
import dev.berth.config.BerthConfig.ApiKeyGrant;
import dev.berth.config.LogFormat;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** What {@code berth serve} makes of its flags and environment: {@link ServeCommand#config}. */
class ServeSettingsTest {
  static BerthConfig config(List<String> flags, Map<String, String> env) {
    return ServeCommand.config(flags, env);
  }

  @Test
  void withNothingGivenEverySettingIsItsDocumentedDefault() {
    BerthConfig c = config(List.of(), Map.of());
    assertThat(c.dataDir()).isEqualTo(Path.of("berth-data"));
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.maxUploadBytes()).isEqualTo(500L * 1024 * 1024);
    assertThat(c.maxJsonBytes()).isEqualTo(10L * 1024 * 1024);
    assertThat(c.maxFilesPerSession()).isEqualTo(100);
    assertThat(c.maxOutputsPerSession()).isEqualTo(1000);
    assertThat(c.uploadsDownloadable()).isFalse();
    assertThat(c.apiKeys()).isEmpty();
    assertThat(c.shared().databaseUrl()).isEmpty();
    assertThat(c.shared().s3()).isEmpty();
    assertThat(c.shared().leaseSeconds()).isEqualTo(15);
    assertThat(c.exec()).isEqualTo(BerthConfig.Exec.defaults(BerthConfig.DiskMechanism.AUTO));
    assertThat(c.maxConnections()).isEqualTo(OptionalInt.empty());
    assertThat(c.repositories())
        .isEqualTo(
            new BerthConfig.Repositories(
                URI.create("https://github.com"),
                1024L * 1024 * 1024,
                Duration.ofMinutes(10),
                Duration.ofMinutes(5),
                BerthConfig.CheckoutMechanism.AUTO,
                Path.of("berth-data", "secrets.key")));
    assertThat(c.metricsPublic()).isFalse();
    assertThat(c.logFormat()).isEqualTo(LogFormat.TEXT);
  }

  @Test
  void everySettingComesFromTheEnvironmentAndItsFlagWins() {
    var env =
        Map.of(
            "BERTH_SESSION_DISK_MECHANISM", "walk",
            "BERTH_SESSION_MAX_INODES", "50",
            "BERTH_EXEC_BWRAP", "/opt/bwrap",
            "BERTH_EXEC_TIMEOUT_MS", "1000",
            "BERTH_EXEC_MAX_TIMEOUT_MS", "60000",
            "BERTH_SESSION_CPU_WEIGHT", "50",
            "BERTH_UPLOADS_DOWNLOADABLE", "TRUE",
            "BERTH_METRICS_PUBLIC", "true",
            "BERTH_LOG_FORMAT", "json",
            "BERTH_GITHUB_URL", "https://git.example.com/");
    BerthConfig c =
        config(
            List.of(
                "--session-max-inodes",
                "1000",
                "--exec-timeout-ms",
                "5000",
                "--session-cpu-weight=250",
                "--uploads-downloadable=false"),
            env);
    assertThat(c.exec().diskMechanism()).isEqualTo(BerthConfig.DiskMechanism.WALK);
    assertThat(c.exec().maxInodes()).isEqualTo(1000);
    assertThat(c.exec().bwrap()).isEqualTo("/opt/bwrap");
    assertThat(c.exec().defaultTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.exec().maxTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.exec().cpuWeight()).isEqualTo(250);
    assertThat(c.uploadsDownloadable()).isFalse();
    assertThat(c.metricsPublic()).isTrue();
    assertThat(c.logFormat()).isEqualTo(LogFormat.JSON);
    assertThat(c.repositories().githubUrl()).isEqualTo(URI.create("https://git.example.com"));
  }

  @Test
  void aBooleanFlagAloneMeansTrue() {
    BerthConfig c = config(List.of("--uploads-downloadable", "--metrics-public"), Map.of());
    assertThat(c.uploadsDownloadable()).isTrue();
    assertThat(c.metricsPublic()).isTrue();
  }

  @Test
  void keysComeFromTheFlagsOrElseTheCommaSeparatedVariable() {
    var env = Map.of("BERTH_API_KEYS", "sk-env-one-0123456789, sk-env-two-0123456789@team,");
    assertThat(config(List.of(), env).apiKeys())
        .containsExactly(
            new ApiKeyGrant("sk-env-one-0123456789", "default"),
            new ApiKeyGrant("sk-env-two-0123456789", "team"));
    assertThat(config(List.of("--api-key", "sk-flag-0123456789ab@a@b"), env).apiKeys())
        .containsExactly(new ApiKeyGrant("sk-flag-0123456789ab@a", "b"));
  }

  @Test
  void theSessionProcessCapKeepsItsOlderNameAndTheNewNameWins() {
    assertThat(config(List.of("--exec-max-processes", "77"), Map.of()).exec().maxProcesses())
        .isEqualTo(77);
    assertThat(
            config(List.of("--exec-max-processes", "77", "--session-max-processes", "88"), Map.of())
                .exec()
                .maxProcesses())
        .isEqualTo(88);
    assertThat(
            config(
                    List.of("--exec-max-processes", "77"),
                    Map.of("BERTH_SESSION_MAX_PROCESSES", "9"))
                .exec()
                .maxProcesses())
        .isEqualTo(9);
  }

  @Test
  void theLastOfARepeatedFlagWins() {
    assertThat(config(List.of("--port", "1", "--port", "2"), Map.of()).port()).isEqualTo(2);
  }

  @Test
  void storesOutsideTheDataDirectoryAreNamedTogether() {
    BerthConfig c =
        config(
            List.of(
                "--database-url",
                "jdbc:postgresql://db/berth",
                "--s3-bucket",
                "blobs",
                "--s3-endpoint",
                "http://127.0.0.1:9000",
                "--s3-access-key-id",
                "id",
                "--s3-secret-access-key",
                "secret",
                "--lease-seconds",
                "4",
                "--secrets-key-file",
                "/etc/berth/secrets.key"),
            Map.of());
    assertThat(c.shared().databaseUrl()).contains("jdbc:postgresql://db/berth");
    assertThat(c.shared().leaseSeconds()).isEqualTo(4);
    var s3 = c.shared().s3().orElseThrow();
    assertThat(s3.bucket()).isEqualTo("blobs");
    assertThat(s3.endpoint()).contains(URI.create("http://127.0.0.1:9000"));
    assertThat(s3.region()).isEqualTo("us-east-1");
    assertThat(c.repositories().secretsKeyFile()).isEqualTo(Path.of("/etc/berth/secrets.key"));
    assertThatThrownBy(
            () -> config(List.of("--s3-bucket", "b", "--s3-access-key-id", "id"), Map.of()))
        .hasMessage("--s3-access-key-id and --s3-secret-access-key must be given together");
  }

  @Test
  void s3TransfersDefaultTo16MiBPartsEightAtATimeAndTakeTheFlagsOrVariables() {
    var s3 = config(List.of("--s3-bucket", "b"), Map.of()).shared().s3().orElseThrow();
    assertThat(s3.partBytes()).isEqualTo(16L * 1024 * 1024);
    assertThat(s3.parallelism()).isEqualTo(8);
    s3 =
        config(
                List.of("--s3-bucket", "b", "--s3-part-size", "5242880"),
                Map.of("BERTH_S3_PARALLELISM", "3"))
            .shared()
            .s3()
            .orElseThrow();
    assertThat(s3.partBytes()).isEqualTo(5L * 1024 * 1024);
    assertThat(s3.parallelism()).isEqualTo(3);
  }

  @Test
  void anS3PartSizeBelowFiveMiBOrParallelismOfZeroIsRefused() {
    assertThatThrownBy(
            () -> config(List.of("--s3-bucket", "b", "--s3-part-size", "5242879"), Map.of()))
        .hasMessage(
            "--s3-part-size must be a whole number from 5242880 to 5368709120, got '5242879'");
    assertThatThrownBy(
            () -> config(List.of("--s3-bucket", "b"), Map.of("BERTH_S3_PARALLELISM", "0")))
        .hasMessage("BERTH_S3_PARALLELISM must be a whole number from 1 to 256, got '0'");
  }

  @Test
  void valuesOutOfRangeAreRefusedNamingTheSettingAndTheRange() {
    assertThatThrownBy(() -> config(List.of("--session-max-inodes", "15"), Map.of()))
        .hasMessage("--session-max-inodes must be a whole number from 16 to 2147483648, got '15'");
    assertThatThrownBy(() -> config(List.of(), Map.of("BERTH_SESSION_MAX_MEMORY_BYTES", "1048576")))
        .hasMessage(
            "BERTH_SESSION_MAX_MEMORY_BYTES must be a whole number, at least 16777216, got"
                + " '1048576'");
    assertThatThrownBy(() -> config(List.of("--lease-seconds", "1"), Map.of()))
        .hasMessage("--lease-seconds must be a whole number, at least 2, got '1'");
    assertThatThrownBy(() -> config(List.of("--max-connections", "-1"), Map.of()))
        .hasMessage("--max-connections must be a whole number, at least 1, got '-1'");
    assertThatThrownBy(() -> config(List.of("--repository-checkout", "Overlay"), Map.of()))
        .hasMessage("--repository-checkout must be auto, overlay or copy, got 'Overlay'");
    assertThatThrownBy(() -> config(List.of("--port", "٨٠"), Map.of()))
        .hasMessage("--port must be a whole number from 0 to 65535, got '٨٠'");
  }
}
