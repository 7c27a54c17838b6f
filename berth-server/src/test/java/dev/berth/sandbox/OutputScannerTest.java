package dev.berth.sandbox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listing and reading a session's outputs through {@link LocalSandboxHost}, without HTTP. */
class OutputScannerTest {
  static final String SESSION = "sesn_011CNha8iCJcU1wXNR6q4V8w";

  @TempDir Path dataDir;
  LocalSandboxHost host;
  Path outputs;

  @BeforeEach
  void setUp() {
    host = new LocalSandboxHost(dataDir, sha -> dataDir.resolve("no-blobs").resolve(sha));
    host.reconcile(SESSION, Map.of());
    outputs = dataDir.resolve("sandboxes").resolve(SESSION).resolve("mnt/session/outputs");
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  List<String> paths(int limit) {
    return host.listOutputs(SESSION, limit).orElseThrow().files().stream()
        .map(OutputFile::path)
        .toList();
  }

  Optional<String> read(OutputFile file) {
    return host.readOutput(SESSION, file, in -> new String(in.readAllBytes(), UTF_8), s -> {});
  }

  @Test
  void listsRegularFilesDepthFirstInPathOrder() throws IOException {
    Files.createDirectories(outputs.resolve("b/c"));
    Files.writeString(outputs.resolve("b/c/z.txt"), "z");
    Files.writeString(outputs.resolve("a.txt"), "a");
    Files.writeString(outputs.resolve("c.txt"), "c");

    assertThat(paths(10)).containsExactly("a.txt", "b/c/z.txt", "c.txt");
    var listing = host.listOutputs(SESSION, 2).orElseThrow();
    assertThat(listing.files()).extracting(OutputFile::path).containsExactly("a.txt", "b/c/z.txt");
    assertThat(listing.truncated()).isTrue();
  }

  @Test
  void neverDescendsIntoALinkedDirectory() throws IOException {
    Path elsewhere = Files.createDirectories(dataDir.resolve("elsewhere"));
    Files.writeString(elsewhere.resolve("secret.txt"), "outside");
    Files.createSymbolicLink(outputs.resolve("linked"), elsewhere);
    Files.createSymbolicLink(outputs.resolve("secret.txt"), elsewhere.resolve("secret.txt"));

    assertThat(paths(10)).isEmpty();
  }

  @Test
  void aSessionWithoutATreeHasNoListing() {
    assertThat(host.listOutputs("sesn_011CNha8iCJcU1wXNR6q4V8x", 10)).isEmpty();
  }

  @Test
  void readGivesTheListedBytes() throws IOException {
    Files.writeString(outputs.resolve("r.txt"), "read me");
    OutputFile file = host.listOutputs(SESSION, 10).orElseThrow().files().getFirst();

    assertThat(read(file)).contains("read me");
  }

  @Test
  void aFileChangedSinceItWasListedIsNotRead() throws IOException {
    Files.writeString(outputs.resolve("r.txt"), "before");
    OutputFile file = host.listOutputs(SESSION, 10).orElseThrow().files().getFirst();
    Files.writeString(outputs.resolve("r.txt"), "after, and longer");

    assertThat(read(file)).isEmpty();
  }

  @Test
  void aFileSwappedForALinkIsNotRead() throws IOException {
    Files.writeString(outputs.resolve("r.txt"), "before");
    OutputFile file = host.listOutputs(SESSION, 10).orElseThrow().files().getFirst();
    Files.delete(outputs.resolve("r.txt"));
    Files.createSymbolicLink(outputs.resolve("r.txt"), Path.of("/etc/passwd"));

    assertThat(read(file)).isEmpty();
  }

  @Test
  void aReadThatRacesAWriteIsDiscarded() throws IOException {
    Path r = outputs.resolve("r.txt");
    Files.writeString(r, "first");
    OutputFile file = host.listOutputs(SESSION, 10).orElseThrow().files().getFirst();
    var discarded = new AtomicReference<String>();

    var result =
        host.readOutput(
            SESSION,
            file,
            in -> {
              String text = new String(in.readAllBytes(), UTF_8);
              Files.writeString(r, "second, while it was read");
              return text;
            },
            discarded::set);

    assertThat(result).isEmpty();
    assertThat(discarded.get()).isEqualTo("first");
  }
}
