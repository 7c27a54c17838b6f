package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.config.BerthConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BubblewrapRunnerTest {
  @TempDir Path dataDir;

  static BerthConfig.Exec using(String bwrap) {
    return new BerthConfig.Exec(bwrap, Duration.ofSeconds(1), Duration.ofSeconds(2), 10, 10, 10);
  }

  @Test
  void aMissingBinaryIsReportedWithHowToInstallIt() {
    try (var runner = new BubblewrapRunner(using("no-such-bwrap-anywhere"), dataDir)) {
      assertThat(runner.unavailable())
          .hasValueSatisfying(
              reason -> assertThat(reason).contains("no-such-bwrap-anywhere", "apt-get install"));
    }
  }

  @Test
  void aBinaryThatCannotMakeASandboxIsReportedOnce() {
    try (var runner = new BubblewrapRunner(using("/usr/bin/false"), dataDir)) {
      assertThat(runner.unavailable())
          .hasValueSatisfying(reason -> assertThat(reason).contains("cannot make a sandbox"));
      assertThat(runner.unavailable()).isPresent();
    }
  }

  @Test
  void bubblewrapOnThePathIsFoundAndWorksHere() {
    try (var runner = new BubblewrapRunner(BerthConfig.Exec.defaults(), dataDir)) {
      assertThat(runner.unavailable()).isEmpty();
      assertThat(dataDir.resolve("sandbox-etc/passwd")).content().contains("sandbox:x:");
    }
  }
}
