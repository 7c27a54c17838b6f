package dev.berth.recovery;

import static dev.berth.testing.Fixtures.fileResource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.BerthProcess;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the server with SIGKILL in the middle of a stream of adds and deletes, restarts it, and
 * checks that every acknowledged change survived and the sandbox matches the records exactly.
 */
class CrashRecoveryIT {
  @TempDir Path dataDir;

  @Test
  void acknowledgedChangesSurviveSigkillAndTheSandboxMatchesTheRecords() throws Exception {
    String session;
    Map<String, String> ackedAdds = new ConcurrentHashMap<>(); // resource id → mount path
    Set<String> ackedDeletes = ConcurrentHashMap.newKeySet();
    // A delete cut off by the kill may or may not have been committed.
    AtomicReference<String> unackedDelete = new AtomicReference<>();
    try (BerthProcess first = BerthProcess.start(dataDir)) {
      Http http = first.http();
      String file = Fixtures.upload(http, "x.txt", "crash-test");
      session = Fixtures.session(http);
      String base = "/v1/sessions/" + session + "/resources";

      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    List<String> live = new ArrayList<>();
                    try {
                      for (int i = 0; ; i++) {
                        var r = http.post(base, fileResource(file, "/w/" + (i % 90) + "/f" + i));
                        if (r.status() == 200) {
                          String id = r.json().get("id").asText();
                          ackedAdds.put(id, r.json().get("mount_path").asText());
                          live.add(id);
                        }
                        if (live.size() > 40) {
                          String victim = live.remove(0);
                          unackedDelete.set(victim);
                          if (http.delete(base + "/" + victim).status() == 200) {
                            ackedDeletes.add(victim);
                          }
                          unackedDelete.set(null);
                        }
                      }
                    } catch (UncheckedIOException | IllegalStateException killed) {
                      // the server died under us: that is the point
                    }
                  });
      Thread.sleep(2500);
      first.kill();
      writer.join(10_000);
    }
    assertThat(ackedAdds).hasSizeGreaterThan(20);
    assertThat(ackedDeletes).isNotEmpty();

    try (BerthProcess second = BerthProcess.start(dataDir)) {
      Http http = second.http();
      Map<String, String> records = new java.util.HashMap<>();
      for (var r : Fixtures.pages(http, "/v1/sessions/" + session + "/resources?limit=100")) {
        assertThat(r.status()).isEqualTo(200);
        r.json()
            .get("data")
            .forEach(d -> records.put(d.get("id").asText(), d.get("mount_path").asText()));
      }

      for (var acked : ackedAdds.entrySet()) {
        if (!ackedDeletes.contains(acked.getKey()) && !acked.getKey().equals(unackedDelete.get())) {
          assertThat(records).containsEntry(acked.getKey(), acked.getValue());
        }
      }
      assertThat(records.keySet()).doesNotContainAnyElementsOf(ackedDeletes);

      Path uploads = dataDir.resolve("sandboxes").resolve(session).resolve("mnt/session/uploads");
      assertThat(filesUnder(uploads)).isEqualTo(new HashSet<>(records.values()));
      for (String mount : records.values()) {
        Path mounted = dataDir.resolve("sandboxes").resolve(session).resolve(mount.substring(1));
        assertThat(Files.readString(mounted)).isEqualTo("crash-test");
      }
      var scoped = http.get("/v1/files?limit=1000&scope_id=" + session).json().get("data");
      assertThat(scoped).hasSize(records.size());
    }
  }

  /** Every regular file under the uploads directory, as its absolute mount path. */
  private static Set<String> filesUnder(Path uploads) throws IOException {
    try (Stream<Path> walk = Files.walk(uploads)) {
      return walk.filter(Files::isRegularFile)
          .map(p -> "/mnt/session/uploads/" + uploads.relativize(p))
          .collect(Collectors.toSet());
    }
  }
}
