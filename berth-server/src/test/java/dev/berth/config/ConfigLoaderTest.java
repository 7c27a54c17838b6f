package dev.berth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  @Test
  void execSettingsDefaultToTheDocumentedLimits() {
    var exec = ConfigLoader.load(List.of(), Map.of()).exec();
    assertThat(exec.bwrap()).isEqualTo("bwrap");
    assertThat(exec.defaultTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(exec.maxTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(exec.maxOutputBytes()).isEqualTo(1024 * 1024);
    assertThat(exec.diskQuotaBytes()).isEqualTo(1024L * 1024 * 1024);
    assertThat(exec.maxProcesses()).isEqualTo(1024);
    assertThat(exec.diskMechanism()).isEqualTo(BerthConfig.DiskMechanism.AUTO);
    assertThat(exec.maxInodes()).isEqualTo(65536);
    assertThat(exec.maxMemoryBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
    assertThat(exec.cpuWeight()).isEqualTo(100);
    assertThat(exec.sessionMaxConcurrentCommands()).isEqualTo(8);
    assertThat(exec.maxConcurrentCommands()).isEqualTo(64);
  }

  @Test
  void diskMechanismAndInodeLimitComeFromTheEnvironmentAndFlagsWin() {
    var exec =
        ConfigLoader.load(
                List.of("--session-max-inodes", "1000"),
                Map.of(
                    "BERTH_SESSION_DISK_MECHANISM", "walk",
                    "BERTH_SESSION_MAX_INODES", "50"))
            .exec();
    assertThat(exec.diskMechanism()).isEqualTo(BerthConfig.DiskMechanism.WALK);
    assertThat(exec.maxInodes()).isEqualTo(1000);
  }

  @Test
  void anInodeLimitOrDiskMechanismOutOfRangeIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--session-max-inodes", "15"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BERTH_SESSION_MAX_INODES");
    assertThatThrownBy(
            () -> ConfigLoader.load(List.of("--session-max-inodes", "4294967296"), Map.of()))
        .hasMessageContaining("--session-max-inodes");
    assertThatThrownBy(
            () -> ConfigLoader.load(List.of("--session-disk-mechanism", "tmpfs"), Map.of()))
        .hasMessageContaining("BERTH_SESSION_DISK_MECHANISM");
  }

  @Test
  void sessionResourceSettingsComeFromTheEnvironmentAndFlagsWin() {
    var exec =
        ConfigLoader.load(
                List.of("--session-cpu-weight", "250", "--exec-max-concurrent-commands=16"),
                Map.of(
                    "BERTH_SESSION_MAX_PROCESSES", "300",
                    "BERTH_SESSION_MAX_MEMORY_BYTES", "67108864",
                    "BERTH_SESSION_CPU_WEIGHT", "50",
                    "BERTH_SESSION_MAX_CONCURRENT_COMMANDS", "3",
                    "BERTH_EXEC_MAX_CONCURRENT_COMMANDS", "4"))
            .exec();
    assertThat(exec.maxProcesses()).isEqualTo(300);
    assertThat(exec.maxMemoryBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(exec.cpuWeight()).isEqualTo(250);
    assertThat(exec.sessionMaxConcurrentCommands()).isEqualTo(3);
    assertThat(exec.maxConcurrentCommands()).isEqualTo(16);
  }

  @Test
  void theSessionProcessCapKeepsItsOlderNameAndTheNewNameWins() {
    assertThat(
            ConfigLoader.load(List.of("--exec-max-processes", "77"), Map.of())
                .exec()
                .maxProcesses())
        .isEqualTo(77);
    assertThat(
            ConfigLoader.load(
                    List.of("--exec-max-processes", "77", "--session-max-processes", "88"),
                    Map.of())
                .exec()
                .maxProcesses())
        .isEqualTo(88);
  }

  @Test
  void sessionResourceSettingsOutOfRangeAreRefusedNamingTheSetting() {
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--session-cpu-weight", "0"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--session-cpu-weight");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--session-cpu-weight", "10001"), Map.of()))
        .hasMessageContaining("between 1 and 10000");
    assertThatThrownBy(
            () -> ConfigLoader.load(List.of("--session-cpu-weight", "4294967396"), Map.of()))
        .hasMessageContaining("BERTH_SESSION_CPU_WEIGHT");
    assertThatThrownBy(
            () -> ConfigLoader.load(List.of(), Map.of("BERTH_SESSION_MAX_MEMORY_BYTES", "1048576")))
        .hasMessageContaining("--session-max-memory-bytes");
    assertThatThrownBy(
            () -> ConfigLoader.load(List.of("--session-max-concurrent-commands", "0"), Map.of()))
        .hasMessageContaining("--session-max-concurrent-commands");
    assertThatThrownBy(
            () -> ConfigLoader.load(List.of("--exec-max-concurrent-commands", "-1"), Map.of()))
        .hasMessageContaining("BERTH_EXEC_MAX_CONCURRENT_COMMANDS");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--session-max-processes", "0"), Map.of()))
        .hasMessageContaining("--session-max-processes");
  }

  @Test
  void execSettingsComeFromTheEnvironmentAndFlagsWin() {
    var exec =
        ConfigLoader.load(
                List.of("--exec-timeout-ms", "5000", "--session-disk-quota-bytes=2048"),
                Map.of(
                    "BERTH_EXEC_BWRAP", "/opt/bwrap",
                    "BERTH_EXEC_TIMEOUT_MS", "1000",
                    "BERTH_EXEC_MAX_TIMEOUT_MS", "60000",
                    "BERTH_EXEC_MAX_OUTPUT_BYTES", "4096",
                    "BERTH_EXEC_MAX_PROCESSES", "32"))
            .exec();
    assertThat(exec.bwrap()).isEqualTo("/opt/bwrap");
    assertThat(exec.defaultTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(exec.maxTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(exec.maxOutputBytes()).isEqualTo(4096);
    assertThat(exec.diskQuotaBytes()).isEqualTo(2048);
    assertThat(exec.maxProcesses()).isEqualTo(32);
  }

  @Test
  void aDefaultTimeoutAboveTheMaximumIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--exec-timeout-ms", "700000"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--exec-timeout-ms");
    assertThatThrownBy(
            () -> ConfigLoader.load(List.of("--session-disk-quota-bytes", "0"), Map.of()))
        .hasMessageContaining("BERTH_SESSION_DISK_QUOTA_BYTES");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--exec-max-processes", "0"), Map.of()))
        .hasMessageContaining("--session-max-processes");
  }

  @Test
  void metricsNeedAKeyAndLogsAreTextUnlessSetOtherwise() {
    var config = ConfigLoader.load(List.of(), Map.of());
    assertThat(config.metricsPublic()).isFalse();
    assertThat(config.logFormat()).isEqualTo(BerthConfig.LogFormat.TEXT);
  }

  @Test
  void metricsPublicAndLogFormatComeFromTheEnvironmentAndFlagsWin() {
    var fromEnv =
        ConfigLoader.load(
            List.of(), Map.of("BERTH_METRICS_PUBLIC", "true", "BERTH_LOG_FORMAT", "json"));
    assertThat(fromEnv.metricsPublic()).isTrue();
    assertThat(fromEnv.logFormat()).isEqualTo(BerthConfig.LogFormat.JSON);

    var flags =
        ConfigLoader.load(
            List.of("--metrics-public=false", "--log-format", "text"),
            Map.of("BERTH_METRICS_PUBLIC", "true", "BERTH_LOG_FORMAT", "json"));
    assertThat(flags.metricsPublic()).isFalse();
    assertThat(flags.logFormat()).isEqualTo(BerthConfig.LogFormat.TEXT);

    assertThat(ConfigLoader.load(List.of("--metrics-public"), Map.of()).metricsPublic()).isTrue();
  }

  @Test
  void aMetricsSwitchOrLogFormatNotInItsChoicesIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> ConfigLoader.load(List.of(), Map.of("BERTH_METRICS_PUBLIC", "yes")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--metrics-public (BERTH_METRICS_PUBLIC) must be true or false, got 'yes'");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--log-format", "xml"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--log-format (BERTH_LOG_FORMAT) must be text or json, got 'xml'");
  }
}
