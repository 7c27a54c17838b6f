package dev.berth.exec;

import static dev.berth.testing.Commands.exec;
import static dev.berth.testing.Commands.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.json.Json;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.MemoryStores;
import dev.berth.testing.Mounts;
import dev.berth.testing.SharedServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The disk quota holds whatever a command does, because each session's outputs and workspace are a
 * filesystem of the quota's size (README "Limits"): the holes of a polling walk (deep trees, files
 * deleted while open) and the inode count are the kernel's to refuse.
 */
class SessionVolumeQuotaTest {
  static final long QUOTA = 16L * 1024 * 1024;
  static final long INODES = 1000;
  static final String SIX_MIB = Long.toString(6L * 1024 * 1024);

  /** Fills the workspace until 1 MiB is left on the volume, without stopping the command. */
  static final String FILL_ALL_BUT_ONE_MIB =
      "head -c $(( $(stat -f -c '%a * %S' /workspace) - 1048576 )) /dev/zero > /workspace/fill"
          + " && echo filled";

  /** Fills the volume: the command is stopped for the quota. */
  static final String FILL_ALL = "head -c 33554432 /dev/zero > /workspace/fill";

  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--session-disk-quota-bytes",
          Long.toString(QUOTA),
          "--session-disk-mechanism",
          "loop",
          "--session-max-inodes",
          Long.toString(INODES));

  @BeforeAll
  static void needsRoot() {
    assumeTrue(
        "root".equals(System.getProperty("user.name")), "loop-mounted volumes need Berth as root");
  }

  static JsonNode quotaExceeded(Http.Response r) {
    assertThat(r.status()).as("%s", r.json()).isEqualTo(400);
    assertThat(r.json().at("/error/details/error_code").asText())
        .isEqualTo("session_disk_quota_exceeded");
    return r.json().at("/error/details");
  }

  @Test
  void filesBeyondTheQuotaBelowADeepTreeAreRefusedAndTheSessionHoldsAtMostItsQuota()
      throws IOException {
    String session = Fixtures.session(server.http());
    String script =
        "d=/workspace/$(printf 'd/%.0s' $(seq 520)); mkdir -p $d;"
            + " for i in 1 2 3 4 5; do head -c "
            + SIX_MIB
            + " /dev/zero > $d/f$i; done; echo wrote";

    quotaExceeded(exec(server.http(), session, "sh", "-c", script));

    Path workspace = server.dataDir().resolve("sandboxes/" + session + "/workspace");
    long written;
    try (Stream<Path> files = Files.walk(workspace)) {
      written = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    assertThat(written).isLessThanOrEqualTo(QUOTA);
    assertThat(Mounts.allocatedBytes(image(session))).isLessThanOrEqualTo(QUOTA);
  }

  @Test
  void filesDeletedWhileOpenCannotGrowPastTheQuota() {
    String session = Fixtures.session(server.http());
    // each deleted file's size is printed as it is reached, before the next one is written
    String script =
        "for i in 3 4 5 6 7; do eval \"exec $i>/workspace/u$i\"; rm /workspace/u$i;"
            + " head -c "
            + SIX_MIB
            + " /dev/zero >&$i; stat -L -c %s /proc/self/fd/$i; done; sleep 2";

    JsonNode details = quotaExceeded(exec(server.http(), session, "sh", "-c", script));

    long held =
        Arrays.stream(details.get("stdout").asText().split("\n"))
            .filter(line -> !line.isBlank())
            .mapToLong(Long::parseLong)
            .sum();
    assertThat(held).isLessThanOrEqualTo(QUOTA);
    // the deleted files went with the command's descriptors: the session has its space back
    assertThat(sh(server.http(), session, "head -c 1048576 /dev/zero > /workspace/x && echo ok"))
        .isEqualTo("ok\n");
  }

  @Test
  void filesBeyondTheInodeLimitFailWithNoSpaceInsideTheCommand() throws IOException {
    String session = Fixtures.session(server.http());
    String script =
        "i=0; while [ $i -lt 1100 ]; do true > /workspace/f$i || break; i=$((i+1)); done; echo $i";

    var r = exec(server.http(), session, "sh", "-c", script);

    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    assertThat(r.json().get("stderr").asText()).contains("No space left on device");
    assertThat(Long.parseLong(r.json().get("stdout").asText().strip())).isLessThan(INODES);
    try (Stream<Path> entries =
        Files.walk(server.dataDir().resolve("sandboxes/" + session + "/workspace"))) {
      assertThat(entries.count()).isLessThanOrEqualTo(INODES);
    }
  }

  @Test
  void aSessionsVolumeIsMadeAtItsFirstCommandNotWhenTheSessionIsCreated() {
    String session = Fixtures.session(server.http());
    assertThat(image(session)).doesNotExist();

    assertThat(sh(server.http(), session, "echo kept > /workspace/a; cat /workspace/a"))
        .isEqualTo("kept\n");

    assertThat(image(session)).isRegularFile().hasSize(QUOTA);
    assertThat(Mounts.under(server.dataDir().resolve("sandboxes/" + session)))
        .extracting(p -> p.getFileName().toString())
        .containsExactlyInAnyOrder("outputs", "workspace", "memory");
  }

  @Test
  void deletingASessionLeavesNoMountAndNoImage() {
    String session = Fixtures.session(server.http());
    assertThat(sh(server.http(), session, "echo x > /mnt/session/outputs/o; echo done"))
        .isEqualTo("done\n");
    assertThat(Mounts.under(server.dataDir())).isNotEmpty();

    assertThat(server.http().delete("/v1/sessions/" + session).status()).isEqualTo(200);

    assertThat(Mounts.under(server.dataDir().resolve("sandboxes/" + session))).isEmpty();
    assertThat(Mounts.under(server.dataDir().resolve("volumes/" + session))).isEmpty();
    assertThat(image(session)).doesNotExist();
    assertThat(server.dataDir().resolve("sandboxes/" + session)).doesNotExist();
  }

  @Test
  void sparseOutputsAreCataloguedOnlyUpToTheQuotaInAll() {
    String session = Fixtures.session(server.http());
    // 15 MiB each to read, next to nothing on disk
    assertThat(
            sh(
                server.http(),
                session,
                "cd /mnt/session/outputs && truncate -s 15M a.bin b.bin c.bin && echo ok"))
        .isEqualTo("ok\n");

    var listed = server.http().get("/v1/files?scope_id=" + session + "&limit=100");

    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.json().get("data"))
        .extracting(f -> f.get("filename").asText())
        .containsExactly("a.bin");
  }

  @Test
  void writesToAMemoryStorePastTheQuotaFailWithNoSpaceAndWhatFitIsRecordedWithinTheRules() {
    String store = MemoryStores.create(server.http(), "full");
    String session = MemoryStores.session(server.http(), store, "read_write");
    assertThat(sh(server.http(), session, FILL_ALL_BUT_ONE_MIB)).isEqualTo("filled\n");

    var r =
        exec(
            server.http(),
            session,
            "sh",
            "-c",
            "cd /mnt/memory/full && head -c 204800 /dev/zero | tr '\\0' b > big.md; i=0;"
                + " while [ $i -lt 40 ] && head -c 102400 /dev/zero | tr '\\0' a > f$i.md; do"
                + " i=$((i+1)); done");

    JsonNode refused = quotaExceeded(r).get("memory_writes_refused");
    assertThat(refused).hasSize(1);
    assertThat(refused.get(0).get("path").asText()).isEqualTo("/big.md");
    assertThat(refused.get(0).get("reason").asText())
        .startsWith("content must be at most 102400 bytes");
    Map<String, String> recorded = MemoryStores.memories(server.http(), store);
    assertThat(recorded).isNotEmpty().hasSizeLessThan(40).doesNotContainKey("/big.md");
    assertThat(recorded.values()).allMatch(c -> c.matches("a{0,102400}"));
    assertThat(recorded.values().stream().mapToLong(String::length).sum())
        .isLessThanOrEqualTo(1024 * 1024);
    assertThat(sh(server.http(), session, "ls /mnt/memory/full"))
        .doesNotContain("big.md")
        .contains("f0.md");
  }

  @Test
  void aMemoryTheFullVolumeHasNoRoomForIsLeftOutOfTheDirectoryUntilSpaceIsFreed() {
    String store = MemoryStores.create(server.http(), "later");
    String session = MemoryStores.session(server.http(), store, "read_write");
    quotaExceeded(exec(server.http(), session, "sh", "-c", FILL_ALL));
    String content = "m".repeat(102400);
    for (String path : List.of("/a.md", "/b.md")) { // more than the volume has left
      var created =
          server
              .http()
              .post(
                  "/v1/memory_stores/" + store + "/memories",
                  Json.write(Map.of("path", path, "content", content)));
      assertThat(created.status()).as("%s", created.json()).isEqualTo(200);
    }

    String seen = sh(server.http(), session, "cd /mnt/memory/later && ls; rm /workspace/fill");

    assertThat(seen).isNotEqualTo("a.md\nb.md\n");
    assertThat(sh(server.http(), session, "cd /mnt/memory/later && wc -c a.md b.md | head -2"))
        .isEqualTo("102400 a.md\n102400 b.md\n");
    assertThat(MemoryStores.versions(server.http(), store)).hasSize(2);
  }

  static Path image(String session) {
    return server.dataDir().resolve("volumes/" + session + ".img");
  }
}
