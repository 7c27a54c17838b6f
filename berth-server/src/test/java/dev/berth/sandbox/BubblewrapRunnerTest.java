package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.cli.ServeCommand;
import dev.berth.config.BerthConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BubblewrapRunnerTest {
  @TempDir Path dataDir;

  static BerthConfig.Exec using(String bwrap) {
    return ServeCommand.config(
            List.of(
                "--exec-bwrap",
                bwrap,
                "--exec-timeout-ms",
                "1000",
                "--exec-max-timeout-ms",
                "2000",
                "--exec-max-output-bytes",
                "10",
                "--session-disk-quota-bytes",
                "10",
                "--session-max-processes",
                "10",
                "--session-disk-mechanism",
                "walk",
                "--session-max-inodes",
                "16"),
            Map.of())
        .exec();
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
  void aBinaryThatCannotMakeASandboxIsReportedOnce() throws IOException {
    // fails as bubblewrap does where it cannot make namespaces, and counts how often it is run
    Path runs = dataDir.resolve("runs");
    Path bwrap = dataDir.resolve("bwrap-without-namespaces");
    Files.writeString(bwrap, "#!/bin/sh\necho run >> '" + runs + "'\nexit 1\n");
    Files.setPosixFilePermissions(bwrap, PosixFilePermissions.fromString("rwx------"));
    try (var runner = new BubblewrapRunner(using(bwrap.toString()), dataDir)) {
      for (int i = 0; i < 3; i++) {
        assertThat(runner.unavailable())
            .hasValueSatisfying(reason -> assertThat(reason).contains("cannot make a sandbox"));
      }
      assertThat(Files.readAllLines(runs)).as("times bubblewrap was tried").hasSize(1);
    }
  }

  @Test
  void bubblewrapOnThePathIsFoundAndWorksHere() {
    try (var runner =
        new BubblewrapRunner(BerthConfig.Exec.defaults(BerthConfig.DiskMechanism.AUTO), dataDir)) {
      assertThat(runner.unavailable()).isEmpty();
      assertThat(dataDir.resolve("sandbox-etc/passwd")).content().contains("sandbox:x:");
    }
  }
}
