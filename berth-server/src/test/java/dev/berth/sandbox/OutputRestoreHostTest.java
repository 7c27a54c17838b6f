package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host putting recorded outputs back into an outputs directory it creates. */
class OutputRestoreHostTest {
  static final String SESSION = "sesn_011CNha8iCJcU1wXNR6q4V8w";

  @TempDir Path dataDir;
  LocalSandboxHost host;
  final List<OutputRestorer.Wanted> wanted = new ArrayList<>();
  final List<OutputRestorer.Restored> restored = new ArrayList<>();

  @BeforeEach
  void setUp() {
    host = new LocalSandboxHost(dataDir, sha -> Trees.blobPath(dataDir, sha));
    host.restoreOutputsWith(
        new OutputRestorer() {
          @Override
          public List<Wanted> wanted(String sessionId) {
            return List.copyOf(wanted);
          }

          @Override
          public void restored(String sessionId, List<Restored> placed) {
            restored.addAll(placed);
          }
        },
        OptionalInt.empty());
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  Path outputs() {
    return host.root(SESSION).resolve("mnt/session/outputs");
  }

  void want(String path, String content) throws IOException {
    wanted.add(
        new OutputRestorer.Wanted(
            path, Trees.blob(dataDir, content), 1_700_000_000_123_456_789L, "file_" + path));
  }

  @Test
  void aNewOutputsDirectoryHoldsTheRecordedOutputs() throws IOException {
    want("a.txt", "alpha");
    want("deep/er/b.txt", "beta");

    host.reconcile(SESSION, Map.of());

    assertThat(outputs().resolve("a.txt")).hasContent("alpha");
    assertThat(outputs().resolve("deep/er/b.txt")).hasContent("beta");
    assertThat(restored).hasSize(2);
    var listed = host.listOutputs(SESSION, 10).orElseThrow().files();
    assertThat(listed).containsExactlyElementsOf(restored.stream().map(r -> r.file()).toList());
    assertThat(listed.getFirst().mtimeNanos()).isEqualTo(1_700_000_000_123_456_789L);
    // the restored copy is the agent's to change, not a link to the read-only blob, and a plain
    // file: no set-id or execute bit, whatever the recorded output had
    assertThat(Files.isWritable(outputs().resolve("a.txt"))).isTrue();
    assertThat((Integer) Files.getAttribute(outputs().resolve("a.txt"), "unix:mode") & 07777)
        .isEqualTo(0644);
    assertThat(Trees.fileKey(outputs().resolve("a.txt")))
        .isNotEqualTo(Trees.fileKey(Trees.blobPath(dataDir, wanted.getFirst().sha256())));
  }

  @Test
  void anExistingOutputsDirectoryIsLeftAsTheAgentMadeIt() throws IOException {
    host.reconcile(SESSION, Map.of());
    want("a.txt", "alpha");

    host.reconcile(SESSION, Map.of());

    assertThat(outputs()).isEmptyDirectory();
    assertThat(restored).isEmpty();
  }

  @Test
  void recordsThatContradictEachOtherOrLackABlobAreSkipped() throws IOException {
    want("x", "a file");
    want("x/y.txt", "under a file");
    wanted.add(new OutputRestorer.Wanted("gone.txt", "0".repeat(64), 0, "file_gone"));

    host.mount(SESSION, "/mnt/session/uploads/m.txt", Trees.blob(dataDir, "mounted"));

    assertThat(outputs().resolve("x")).hasContent("a file");
    assertThat(outputs().resolve("gone.txt")).doesNotExist();
    assertThat(restored).extracting(r -> r.wanted().path()).containsExactly("x");
  }

  @Test
  void untilTheOutputsDirectoryExistsNothingIsListed() throws IOException {
    host.reconcile(SESSION, Map.of());
    Files.delete(outputs());

    assertThat(host.listOutputs(SESSION, 10)).isEmpty();
  }
}
