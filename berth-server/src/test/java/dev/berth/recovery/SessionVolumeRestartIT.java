package dev.berth.recovery;

import static dev.berth.testing.Commands.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.testing.BerthProcess;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Mounts;
import dev.berth.testing.TestStores;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session's volume outlives Berth being killed: the next start finds its mounts and keeps using
 * them; deleting the session then leaves no mount and no image.
 */
class SessionVolumeRestartIT {
  static final String QUOTA = Long.toString(16L * 1024 * 1024);

  @TempDir Path dataDir;
  @RegisterExtension final TestStores stores = TestStores.provision();

  @Test
  void aKilledBerthsSuccessorKeepsTheWorkspaceAndDeletingTheSessionLeavesNoMount()
      throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name")), "loop-mounted volumes need Berth as root");
    String[] args = {"--session-disk-mechanism", "loop", "--session-disk-quota-bytes", QUOTA};
    String session;
    try (BerthProcess first = BerthProcess.start(stores, dataDir, args)) {
      session = Fixtures.session(first.http());
      assertThat(sh(first.http(), session, "echo kept > /workspace/note; echo ok"))
          .isEqualTo("ok\n");

      first.kill();
      assertThat(Mounts.under(dataDir.resolve("sandboxes/" + session))).hasSize(3);

      try (BerthProcess second = BerthProcess.start(stores, dataDir, args)) {
        assertThat(sh(second.http(), session, "cat /workspace/note")).isEqualTo("kept\n");
        assertThat(sh(second.http(), session, "echo more >> /workspace/note; cat /workspace/note"))
            .isEqualTo("kept\nmore\n");
        assertThat(Mounts.under(dataDir.resolve("sandboxes/" + session))).hasSize(3);

        assertThat(second.http().delete("/v1/sessions/" + session).status()).isEqualTo(200);

        assertThat(Mounts.under(dataDir)).isEmpty();
        assertThat(dataDir.resolve("volumes/" + session + ".img")).doesNotExist();
      }
    }
  }
}
