package dev.berth.cluster;

import static dev.berth.testing.Fixtures.fileResource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.BerthProcess;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Sandboxes;
import dev.berth.testing.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of the node holding a session's lease: the other node takes the lease once it expires and
 * rebuilds the sandbox from the records and the bucket, with no help from the dead node.
 */
class LeaseTakeoverIT {
  @TempDir Path dirA;
  @TempDir Path dirB;
  final TestStores stores = TestStores.provisionShared();

  @AfterEach
  void dropStores() {
    stores.close();
  }

  @Test
  void anotherNodeTakesOverAKilledHoldersSessionWithinTheLeaseTime() throws Exception {
    try (BerthProcess a = BerthProcess.start(stores, dirA);
        BerthProcess b = BerthProcess.start(stores, dirB)) {
      String file = Fixtures.upload(a.http(), "kept.txt", "survives its node");
      String session = Fixtures.session(a.http());
      String base = "/v1/sessions/" + session + "/resources";
      for (String path : new String[] {"/one.txt", "/deep/two.txt", "/deep/er/three.txt"}) {
        assertThat(a.http().post(base, fileResource(file, path)).status()).isEqualTo(200);
      }
      Map<String, String> records =
          Sandboxes.recordedMounts(b.http(), session, "survives its node");
      assertThat(records).hasSize(3);
      assertThat(Sandboxes.uploads(dirA, session)).isEqualTo(records);
      assertThat(Sandboxes.uploads(dirB, session)).isEmpty();

      long killed = System.nanoTime();
      a.kill();
      // The lease runs out at most LEASE_SECONDS after the kill; B looks every third of that.
      Duration bound = Duration.ofMillis(TestStores.LEASE_SECONDS * 1000L * 4 / 3 + 1000);
      while (!Sandboxes.uploads(dirB, session).equals(records)
          && System.nanoTime() - killed < bound.toNanos()) {
        Thread.sleep(50);
      }
      assertThat(Sandboxes.uploads(dirB, session)).isEqualTo(records);

      // B now holds it: a change through B reaches B's sandbox at once
      assertThat(b.http().delete(base + "/" + firstResource(b, base)).status()).isEqualTo(200);
      assertThat(Sandboxes.uploads(dirB, session))
          .isEqualTo(Sandboxes.recordedMounts(b.http(), session, "survives its node"))
          .hasSize(2);
    }
  }

  private static String firstResource(BerthProcess node, String base) {
    return node.http().get(base).json().get("data").get(0).get("id").asText();
  }
}
