package dev.berth.exec;

import static dev.berth.testing.Commands.exec;
import static dev.berth.testing.Commands.sh;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Fixtures;
import dev.berth.testing.MemoryStores;
import dev.berth.testing.Mounts;
import dev.berth.testing.SharedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** With the mechanism forced to {@code walk}, the polling walk still enforces the quota. */
class DiskQuotaWalkTest {
  static final long QUOTA = 16L * 1024 * 1024;

  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--session-disk-quota-bytes", Long.toString(QUOTA), "--session-disk-mechanism", "walk");

  @Test
  void aFileBeyondTheQuotaStopsTheCommandWithoutAnyVolume() {
    String session = Fixtures.session(server.http());

    var r = exec(server.http(), session, "sh", "-c", "head -c 33554432 /dev/zero > /workspace/big");

    assertThat(r.status()).as("%s", r.json()).isEqualTo(400);
    assertThat(r.json().at("/error/details/error_code").asText())
        .isEqualTo("session_disk_quota_exceeded");
    assertThat(
            server.dataDir().resolve("sandboxes/" + session + "/workspace/big").toFile().length())
        .isLessThanOrEqualTo(QUOTA + 1);
    assertThat(server.dataDir().resolve("volumes/" + session + ".img")).doesNotExist();
    assertThat(Mounts.under(server.dataDir())).isEmpty();
    assertThat(sh(server.http(), session, "rm /workspace/big && echo freed")).isEqualTo("freed\n");
  }

  @Test
  void memoryWritesThatTakeTheSessionPastItsQuotaStopTheCommandAndNoneIsRecorded() {
    String store = MemoryStores.create(server.http(), "walked");
    String session = MemoryStores.session(server.http(), store, "read_write");
    assertThat(
            sh(
                server.http(),
                session,
                "head -c " + (QUOTA - 1024 * 1024) + " /dev/zero > /workspace/fill && echo filled"))
        .isEqualTo("filled\n");

    var r =
        exec(
            server.http(),
            session,
            "sh",
            "-c",
            "cd /mnt/memory/walked && i=0; while [ $i -lt 40 ]; do"
                + " head -c 102400 /dev/zero | tr '\\0' a > f$i.md; i=$((i+1)); done");

    assertThat(r.status()).as("%s", r.json()).isEqualTo(400);
    assertThat(r.json().at("/error/details/error_code").asText())
        .isEqualTo("session_disk_quota_exceeded");
    assertThat(r.json().at("/error/details/memory_writes_refused"))
        .isNotEmpty()
        .allSatisfy(
            f -> assertThat(f.get("reason").asText()).contains("holds more than its disk quota"));
    assertThat(MemoryStores.memories(server.http(), store)).isEmpty();
    assertThat(sh(server.http(), session, "ls /mnt/memory/walked | wc -l")).isEqualTo("0\n");
  }
}
