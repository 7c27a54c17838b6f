package dev.berth.recovery;

import static dev.berth.testing.Commands.sh;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import dev.berth.testing.BerthProcess;
import dev.berth.testing.Fixtures;
import dev.berth.testing.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A launcher waiting for a session's next command does not outlive a Berth killed with SIGKILL: it
 * reads the end of its stdin and exits, and the next Berth runs the session's commands.
 */
class WaitingLauncherCrashIT {
  @TempDir Path dataDir;
  @RegisterExtension final TestStores stores = TestStores.provision();

  @Test
  void aWaitingLauncherExitsWhenBerthIsKilledAndTheNextBerthRunsTheSessionsCommands()
      throws Exception {
    String session;
    ProcessHandle launcher;
    try (BerthProcess first = BerthProcess.start(stores, dataDir)) {
      session = Fixtures.session(first.http());
      assertThat(sh(first.http(), session, "echo ran")).isEqualTo("ran\n");
      Path filter = dataDir.resolve("sandbox-launch/filter.bpf");
      Await.until(
          "a launcher waits for the session's next command",
          Duration.ofSeconds(10),
          () -> launcherOf(first.handle(), filter) != null);
      launcher = launcherOf(first.handle(), filter);

      first.kill();

      launcher.onExit().get(10, TimeUnit.SECONDS);
    }
    try (BerthProcess second = BerthProcess.start(stores, dataDir)) {
      assertThat(sh(second.http(), session, "echo again")).isEqualTo("again\n");
    }
  }

  /** The child of {@code berth} that is a launcher (its arguments name the filter), or null. */
  static ProcessHandle launcherOf(ProcessHandle berth, Path filter) {
    List<ProcessHandle> launchers =
        berth
            .children()
            .filter(
                p ->
                    p.info()
                        .arguments()
                        .filter(args -> Arrays.asList(args).contains(filter.toString()))
                        .isPresent())
            .toList();
    return launchers.isEmpty() ? null : launchers.getFirst();
  }
}
