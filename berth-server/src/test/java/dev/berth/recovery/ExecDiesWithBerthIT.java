package dev.berth.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.BerthProcess;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Berth killed with SIGKILL runs no shutdown hook, yet the commands it was running die with it:
 * bubblewrap's parent-death signal ends each sandbox when Berth's launching thread goes.
 */
class ExecDiesWithBerthIT {
  @TempDir Path dataDir;
  @RegisterExtension final TestStores stores = TestStores.provision();

  @Test
  void runningCommandsDieWhenBerthIsKilled() throws Exception {
    String marker = "517.625";
    try (BerthProcess berth = BerthProcess.start(stores, dataDir)) {
      String session = Fixtures.session(berth.http());
      var unused = // never answered: Berth is killed while the command runs
          Commands.start(
              berth.http(),
              session,
              Map.of("command", List.of("sh", "-c", "sleep " + marker + " & sleep " + marker)));
      var started = Commands.sleeping(berth.handle(), marker, 2, Duration.ofSeconds(10));

      berth.kill();

      assertThat(Commands.goneWithin(started, Duration.ofSeconds(3))).isTrue();
    }
  }
}
