package dev.berth.cluster;

import static dev.berth.testing.Fixtures.fileResource;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.BerthProcess;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Sandboxes;
import dev.berth.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of the node holding a session's lease: the other node takes the lease once it expires and
 * rebuilds the sandbox from the records and the bucket, with no help from the dead node: its
 * mounts, and the outputs its agent wrote.
 */
class LeaseTakeoverIT {
  @TempDir Path dirA;
  @TempDir Path dirB;
  @RegisterExtension final TestStores stores = TestStores.provisionShared();

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

  @Test
  void theNodeTakingOverPutsTheKilledHoldersOutputsBack() throws Exception {
    try (BerthProcess a = BerthProcess.start(stores, dirA);
        BerthProcess b = BerthProcess.start(stores, dirB)) {
      String session = Fixtures.session(a.http());
      // written by a command on A, which catalogues them as it ends
      Commands.sh(
          a.http(),
          session,
          "cd /mnt/session/outputs && mkdir -p deep/er && printf '# Findings\\n' > report.md"
              + " && printf 'a,b\\n1,2\\n' > deep/er/data.csv");
      Map<String, String> ids = outputIds(a, session);
      assertThat(ids).containsOnlyKeys("report.md", "data.csv");
      assertThat(outputIds(b, session)).isEqualTo(ids);
      Path report = outputs(dirB, session).resolve("report.md");
      assertThat(report).doesNotExist();

      long killed = System.nanoTime();
      a.kill();
      Duration bound = Duration.ofMillis(TestStores.LEASE_SECONDS * 1000L * 4 / 3 + 1000);
      while (!Files.exists(report) && System.nanoTime() - killed < bound.toNanos()) {
        Thread.sleep(50);
      }
      assertThat(Files.readString(report)).isEqualTo("# Findings\n");
      assertThat(Files.readString(outputs(dirB, session).resolve("deep/er/data.csv")))
          .isEqualTo("a,b\n1,2\n");

      // B holds it now and refreshes on listing: the same records, not dropped nor re-made
      assertThat(outputIds(b, session)).isEqualTo(ids);
      var download = b.http().get("/v1/files/" + ids.get("data.csv") + "/content");
      assertThat(new String(download.raw().body(), StandardCharsets.UTF_8)).isEqualTo("a,b\n1,2\n");
      // a command on B sees them, and may change them like any file it wrote
      assertThat(
              Commands.sh(
                  b.http(),
                  session,
                  "cat /mnt/session/outputs/report.md /mnt/session/outputs/deep/er/data.csv"
                      + " && echo more >> /mnt/session/outputs/deep/er/data.csv"))
          .isEqualTo("# Findings\na,b\n1,2\n");
      assertThat(outputIds(b, session)).isEqualTo(ids);
    }
  }

  private static Path outputs(Path dataDir, String session) {
    return dataDir.resolve("sandboxes").resolve(session).resolve("mnt/session/outputs");
  }

  /** Id by filename of each output of the session, as {@code node} lists them. */
  private static Map<String, String> outputIds(BerthProcess node, String session) {
    var r = node.http().get("/v1/files?limit=100&scope_id=" + session);
    assertThat(r.status()).isEqualTo(200);
    Map<String, String> ids = new TreeMap<>();
    for (JsonNode f : r.json().get("data")) {
      ids.put(f.get("filename").asText(), f.get("id").asText());
    }
    return ids;
  }

  private static String firstResource(BerthProcess node, String base) {
    return node.http().get(base).json().get("data").get(0).get("id").asText();
  }
}
