package dev.berth.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.BerthProcess;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.Sandboxes;
import dev.berth.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cycles of mixed load ({@link MixedLoad}: resource adds and deletes, uploads and file deletes,
 * commands writing outputs and workspace files) ended by SIGKILL at a random point, each followed
 * by a restart on the same data directory and a check of every session so far: each acknowledged
 * change is in the records and in the sandbox, each acknowledged delete is gone from both, each
 * acknowledged upload downloads its bytes, the catalogued outputs are exactly the files under
 * {@code /mnt/session/outputs}, and the blob store holds exactly the blobs some file record points
 * at.
 *
 * <p>{@code berth.crash.cycles} (default 5) sets the number of cycles and {@code berth.crash.seed}
 * (default fixed) where each kill lands, counted in acknowledged operations; a failure names both.
 */
class MixedCrashRecoveryIT {
  private static final String MOUNTED = "crash-test";

  @TempDir Path dataDir;
  @RegisterExtension final TestStores stores = TestStores.provision();

  @Test
  void afterEachKillRecordsBlobsAndSandboxesAgreeWithEverythingAcknowledged() throws Exception {
    long seed = Long.getLong("berth.crash.seed", 0x6372617368L);
    int cycles = Integer.getInteger("berth.crash.cycles", 5);
    Random random = new Random(seed);
    Map<String, MixedLoad> loads = new TreeMap<>(); // session → its load
    long start = System.nanoTime();
    for (int cycle = 0; cycle <= cycles; cycle++) {
      try (BerthProcess berth = BerthProcess.start(stores, dataDir, "--uploads-downloadable")) {
        Http http = berth.http();
        String context = "cycle " + cycle + " of seed " + seed + " (-Dberth.crash.seed)";
        for (var load : loads.entrySet()) {
          assertAgree(http, load.getKey(), load.getValue(), context);
        }
        assertBlobsAreThoseOfRecords(http, loads.keySet(), context);
        if (cycle == cycles) {
          break;
        }
        String file = Fixtures.upload(http, "mounted.txt", MOUNTED);
        String session = Fixtures.session(http);
        MixedLoad load = MixedLoad.start(http, session, file, random);
        loads.put(session, load);
        int killAt = 10 + random.nextInt(40);
        System.out.printf(
            "crash %s: SIGKILL after %d acknowledged operations, %d s in%n",
            context, killAt, (System.nanoTime() - start) / 1_000_000_000);
        load.awaitAcknowledged(killAt);
        berth.kill();
        load.stop();
      }
    }
  }

  /** The session's records, sandbox and outputs agree with what its load saw acknowledged. */
  private void assertAgree(Http http, String session, MixedLoad load, String context)
      throws Exception {
    // resources: each acknowledged add listed and on disk, no file on disk without a record
    Map<String, String> records = load.churn().assertNothingAcknowledgedIsLost(http, session);
    // a command uses the session's sandbox, so it is reconciled first, whether or not the
    // start-up pass, in the background, has reached it yet
    Commands.sh(http, session, "true");
    Map<String, String> onDisk = Sandboxes.uploads(dataDir, session);
    assertThat(onDisk.keySet()).as(context).isEqualTo(new TreeSet<>(records.values()));
    assertThat(Set.copyOf(onDisk.values())).as(context).isSubsetOf(MOUNTED);

    // uploads: each acknowledged one downloads its bytes, each acknowledged delete is gone
    for (var upload : load.uploads().entrySet()) {
      var r = http.get("/v1/files/" + upload.getKey() + "/content");
      assertThat(r.status()).as("%s: upload %s", context, upload.getKey()).isEqualTo(200);
      assertThat(r.raw().body()).as(context).isEqualTo(upload.getValue());
    }
    for (String deleted : load.deletedUploads()) {
      assertThat(http.get("/v1/files/" + deleted).status()).as(context).isEqualTo(404);
    }

    // commands: what they wrote is in the sandbox, and the catalogue is exactly the outputs
    Map<String, String> outputs = new TreeMap<>();
    for (String line :
        Commands.sh(
                http,
                session,
                "cd /mnt/session/outputs && for f in *; do [ -f \"$f\" ] && echo \"$f $(cat \"$f\")\";"
                    + " done; true")
            .lines()
            .toList()) {
      outputs.put(line.substring(0, line.indexOf(' ')), line.substring(line.indexOf(' ') + 1));
    }
    for (int n : load.outputs()) {
      assertThat(outputs).as(context).containsEntry("o" + n + ".txt", Integer.toString(n));
    }
    for (int n : load.removedOutputs()) {
      assertThat(outputs).as(context).doesNotContainKey("o" + n + ".txt");
    }
    assertThat(catalogue(http, session, records)).as(context).isEqualTo(outputs);
    String workspace = Commands.sh(http, session, "cat /workspace/w*.txt 2>/dev/null; true");
    Set<String> written = Set.copyOf(workspace.lines().toList());
    for (int n : load.workspaceFiles()) {
      assertThat(written).as(context).contains(Integer.toString(n));
    }
  }

  /** Filename → content of each output file the session's catalogue lists. */
  private static Map<String, String> catalogue(
      Http http, String session, Map<String, String> resources) {
    Set<String> mountedCopies = new TreeSet<>();
    for (var page : Fixtures.pages(http, "/v1/sessions/" + session + "/resources?limit=100")) {
      page.json().get("data").forEach(r -> mountedCopies.add(r.get("file_id").asText()));
    }
    assertThat(mountedCopies).hasSameSizeAs(resources.keySet());
    Map<String, String> out = new TreeMap<>();
    for (JsonNode file : listed(http, "/v1/files?limit=100&scope_id=" + session)) {
      String id = file.get("id").asText();
      if (!mountedCopies.contains(id)) {
        var r = http.get("/v1/files/" + id + "/content");
        assertThat(r.status()).isEqualTo(200);
        out.put(
            file.get("filename").asText(),
            new String(r.raw().body(), StandardCharsets.UTF_8).strip());
      }
    }
    return out;
  }

  /** The blob store holds exactly the digests of the bytes of every file record. */
  private void assertBlobsAreThoseOfRecords(Http http, Set<String> sessions, String context)
      throws Exception {
    List<JsonNode> files = new ArrayList<>(listed(http, "/v1/files?limit=100"));
    for (String session : sessions) {
      files.addAll(listed(http, "/v1/files?limit=100&scope_id=" + session));
    }
    Set<String> referenced = new TreeSet<>();
    for (JsonNode file : files) {
      byte[] bytes;
      if (file.get("downloadable").asBoolean()) {
        var r = http.get("/v1/files/" + file.get("id").asText() + "/content");
        assertThat(r.status()).as("%s: %s", context, file).isEqualTo(200);
        bytes = r.raw().body();
      } else {
        // a session's copy of the mounted file, which shares its bytes and is not downloadable
        assertThat(file.get("filename").asText())
            .as("%s: %s", context, file)
            .isEqualTo("mounted.txt");
        bytes = MOUNTED.getBytes(StandardCharsets.UTF_8);
      }
      referenced.add(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }
    assertThat(new TreeSet<>(stores.blobs(dataDir).digests()))
        .as("%s: blobs against the records' bytes", context)
        .isEqualTo(referenced);
  }

  private static List<JsonNode> listed(Http http, String list) {
    List<JsonNode> items = new ArrayList<>();
    for (var page : Fixtures.pages(http, list)) {
      assertThat(page.status()).isEqualTo(200);
      page.json().get("data").forEach(items::add);
    }
    return items;
  }
}
