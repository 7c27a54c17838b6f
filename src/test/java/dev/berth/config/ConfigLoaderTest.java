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
        .hasMessageContaining("--exec-max-processes");
  }
}
