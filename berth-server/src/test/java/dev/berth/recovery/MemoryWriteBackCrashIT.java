package dev.berth.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import dev.berth.testing.BerthProcess;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.MemoryStores;
import dev.berth.testing.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the server with SIGKILL while it records what a command wrote to a read-write memory store,
 * restarts it, and checks that every recorded write and acknowledged API write survived and that
 * the directory the next command sees is exactly the records.
 */
class MemoryWriteBackCrashIT {
  static final int FILES = 400;

  @TempDir Path dataDir;
  @RegisterExtension final TestStores stores = TestStores.provision();

  @Test
  void sigkillDuringWriteBackLeavesRecordsThatTheRebuiltDirectoryMatchesExactly() throws Exception {
    String store;
    String session;
    try (BerthProcess first = BerthProcess.start(stores, dataDir)) {
      Http http = first.http();
      store = http.post("/v1/memory_stores", "{\"name\":\"crash\"}").json().get("id").asText();
      var api =
          http.post(
              "/v1/memory_stores/" + store + "/memories",
              "{\"path\":\"/api.md\",\"content\":\"acknowledged\\n\"}");
      assertThat(api.status()).isEqualTo(200);
      session =
          Fixtures.session(
              http,
              "\"resources\":[{\"type\":\"memory_store\",\"memory_store_id\":\"" + store + "\"}]");
      var command =
          Commands.start(
              http,
              session,
              Map.of(
                  "command",
                  List.of(
                      "sh",
                      "-c",
                      "cd /mnt/memory/crash && i=0; while [ $i -lt "
                          + FILES
                          + " ]; do echo \"n$i\" > \"f$i.md\"; i=$((i+1)); done")));
      Await.until(
          "the first agent write is recorded",
          Duration.ofSeconds(60),
          () -> versionCount(http, store) > 1);
      first.kill();
      assertThat(command.handle((r, e) -> r == null || r.status() != 200).get()).isTrue();
    }

    try (BerthProcess second = BerthProcess.start(stores, dataDir)) {
      Http http = second.http();
      Map<String, String> records = MemoryStores.memories(http, store);
      assertThat(records.size()).as("the kill landed during the write-back").isLessThan(FILES + 1);
      assertThat(records).containsEntry("/api.md", "acknowledged\n");
      // each recorded agent write is one created version, and its memory holds what it wrote
      assertThat(versionCount(http, store)).isEqualTo(records.size());
      records.forEach(
          (path, content) -> {
            if (!path.equals("/api.md")) {
              assertThat(content).isEqualTo("n" + path.substring(2, path.length() - 3) + "\n");
            }
          });
      var listing =
          Commands.exec(
              http,
              session,
              "sh",
              "-c",
              "cd /mnt/memory/crash && for f in $(find . -type f | sort); do"
                  + " printf '%s=%s' \"${f#.}\" \"$(cat \"$f\")\"; echo; done");
      assertThat(listing.status()).as("%s", listing.json()).isEqualTo(200);
      Map<String, String> onDisk = new TreeMap<>();
      for (String line : listing.json().get("stdout").asText().lines().toList()) {
        int eq = line.indexOf('=');
        onDisk.put(line.substring(0, eq), line.substring(eq + 1) + "\n");
      }
      assertThat(onDisk).isEqualTo(records);
    }
  }

  private static int versionCount(Http http, String store) {
    int n = 0;
    for (var page :
        Fixtures.pages(http, "/v1/memory_stores/" + store + "/memory_versions?limit=100")) {
      n += page.json().get("data").size();
    }
    return n;
  }
}
