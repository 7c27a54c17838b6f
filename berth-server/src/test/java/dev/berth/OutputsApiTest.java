package dev.berth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Agent outputs as session-scoped files (spec §6, Q10, Q30): files written straight into a
 * session's {@code /mnt/session/outputs}, as an agent would, and listed through the Files API.
 */
class OutputsApiTest {
  static final int CAP = 12;

  @RegisterExtension
  static final SharedServer server =
      new SharedServer("--max-outputs-per-session", Integer.toString(CAP));

  static Path outputs(String sessionId) {
    return server.dataDir().resolve("sandboxes").resolve(sessionId).resolve("mnt/session/outputs");
  }

  static Path write(String sessionId, String relative, String content) throws IOException {
    Path file = outputs(sessionId).resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    return file;
  }

  /** Every file of the session's scope, newest first, as the first page of a list returns it. */
  static List<JsonNode> listed(Http http, String sessionId) {
    var r = http.get("/v1/files?limit=100&scope_id=" + sessionId);
    assertThat(r.status()).as("list: %s", r.json()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    r.json().get("data").forEach(out::add);
    return out;
  }

  static List<String> filenames(String sessionId) {
    return listed(server.http(), sessionId).stream().map(f -> f.get("filename").asText()).toList();
  }

  static JsonNode only(String sessionId) {
    var files = listed(server.http(), sessionId);
    assertThat(files).hasSize(1);
    return files.getFirst();
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  static byte[] content(String fileId) {
    var r = server.http().get("/v1/files/" + fileId + "/content");
    assertThat(r.status()).isEqualTo(200);
    return r.raw().body();
  }

  @Test
  void outputIsListedAsDownloadableSessionFile() throws IOException {
    String session = Fixtures.session(server.http());
    write(session, "report.md", "# Findings\n");

    JsonNode file = only(session);
    assertThat(file.get("id").asText()).matches("file_01[0-9A-Za-z]{22}");
    assertThat(file.get("type").asText()).isEqualTo("file");
    assertThat(file.get("filename").asText()).isEqualTo("report.md");
    assertThat(file.get("mime_type").asText()).isEqualTo("text/markdown");
    assertThat(file.get("size_bytes").asLong()).isEqualTo(11);
    assertThat(file.get("downloadable").asBoolean()).isTrue();
    assertThat(file.get("expires_at").isNull()).isTrue();
    assertThat(file.get("scope").get("type").asText()).isEqualTo("session");
    assertThat(file.get("scope").get("id").asText()).isEqualTo(session);
    assertThat(file.get("created_at").asText()).endsWith("Z");

    String id = file.get("id").asText();
    assertThat(server.http().get("/v1/files/" + id).json()).isEqualTo(file);
    var download = server.http().get("/v1/files/" + id + "/content");
    assertThat(download.status()).isEqualTo(200);
    assertThat(new String(download.raw().body(), StandardCharsets.UTF_8)).isEqualTo("# Findings\n");
    assertThat(download.header("content-type")).startsWith("text/markdown");
    assertThat(download.header("content-disposition")).contains("report.md");
  }

  @Test
  void outputsAreListedBesideMountedCopiesNewestFirst() throws IOException {
    String upload = Fixtures.upload(server.http(), "data.csv", "a,b\n");
    String session =
        Fixtures.session(
            server.http(), "\"resources\":[" + Fixtures.fileResource(upload, null) + "]");
    write(session, "out.txt", "done");

    var files = listed(server.http(), session);
    assertThat(files)
        .extracting(f -> f.get("filename").asText())
        .containsExactly("out.txt", "data.csv");
    assertThat(files)
        .extracting(f -> f.get("downloadable").asBoolean())
        .containsExactly(true, false);
  }

  @Test
  void binaryOutputDownloadsByteForByte() throws Exception {
    String session = Fixtures.session(server.http());
    byte[] bytes = new byte[70_000];
    new java.util.Random(7).nextBytes(bytes);
    Files.createDirectories(outputs(session));
    Files.write(outputs(session).resolve("blob.bin"), bytes);

    JsonNode file = only(session);
    assertThat(file.get("mime_type").asText()).isEqualTo("application/octet-stream");
    assertThat(content(file.get("id").asText())).isEqualTo(bytes);
  }

  @Test
  void rewrittenOutputKeepsItsIdAndServesTheNewBytes() throws IOException {
    String session = Fixtures.session(server.http());
    Path report = write(session, "report.md", "draft");
    String id = only(session).get("id").asText();

    Files.writeString(report, "the final version");
    JsonNode again = only(session);
    assertThat(again.get("id").asText()).isEqualTo(id);
    assertThat(again.get("size_bytes").asLong()).isEqualTo(17);
    assertThat(new String(content(id), StandardCharsets.UTF_8)).isEqualTo("the final version");
  }

  @Test
  void unchangedOutputsKeepTheirRecords() throws IOException {
    String session = Fixtures.session(server.http());
    write(session, "a.txt", "a");
    write(session, "b.txt", "b");
    var first = listed(server.http(), session);
    assertThat(listed(server.http(), session)).isEqualTo(first);
  }

  @Test
  void removedOutputLeavesTheListAndItsBlobIsCollected() throws Exception {
    String session = Fixtures.session(server.http());
    String text = "removed soon " + session;
    Path file = write(session, "gone.txt", text);
    write(session, "kept.txt", "kept");
    assertThat(filenames(session)).containsExactlyInAnyOrder("gone.txt", "kept.txt");
    String sha = sha256(text.getBytes(StandardCharsets.UTF_8));
    assertThat(server.get().blobs().digests()).contains(sha);

    Files.delete(file);
    assertThat(filenames(session)).containsExactly("kept.txt");
    assertThat(server.get().blobs().digests()).doesNotContain(sha);
  }

  @Test
  void workspaceFilesAreNeverCatalogued() throws IOException {
    String session = Fixtures.session(server.http());
    Path workspace = server.dataDir().resolve("sandboxes").resolve(session).resolve("workspace");
    Files.createDirectories(workspace);
    Files.writeString(workspace.resolve("scratch.txt"), "not an output");
    write(session, "result.txt", "an output");

    assertThat(filenames(session)).containsExactly("result.txt");
  }

  @Test
  void listWithoutScopeLeavesOutputsOut() throws IOException {
    String session = Fixtures.session(server.http());
    write(session, "hidden-from-workspace-list.txt", "x");
    String id = only(session).get("id").asText();

    var all = server.http().get("/v1/files?limit=1000").json().get("data");
    all.forEach(f -> assertThat(f.get("id").asText()).isNotEqualTo(id));
  }

  @Test
  void anotherWorkspaceSeesNoOutputs() throws IOException {
    String session = Fixtures.session(server.http());
    write(session, "secret.txt", "ours");
    Http other = server.http(TestServer.OTHER_KEY);
    assertThat(listed(other, session)).isEmpty(); // and its refresh did not catalogue anything

    String id = only(session).get("id").asText();
    assertThat(other.get("/v1/files/" + id).status()).isEqualTo(404);
    assertThat(other.get("/v1/files/" + id + "/content").status()).isEqualTo(404);
    assertThat(listed(other, session)).isEmpty();
  }

  @Test
  void symlinksAreNeverFollowed() throws Exception {
    String session = Fixtures.session(server.http());
    Path out = outputs(session);
    Files.createDirectories(out);
    Files.createSymbolicLink(out.resolve("passwd"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(out.resolve("data"), server.dataDir().toAbsolutePath());
    Files.createSymbolicLink(
        out.resolve("db"), server.dataDir().resolve("berth.db").toAbsolutePath());
    Files.createSymbolicLink(out.resolve("dangling"), out.resolve("nothing-here"));
    write(session, "real.txt", "real");

    assertThat(filenames(session)).containsExactly("real.txt");
    String passwd = sha256(Files.readAllBytes(Path.of("/etc/passwd")));
    assertThat(server.get().blobs().digests()).doesNotContain(passwd);
  }

  @Test
  void symlinkedOutputsDirectoryHoldsNothing() throws IOException {
    String session = Fixtures.session(server.http());
    Path out = outputs(session);
    Files.createDirectories(out.getParent());
    Files.deleteIfExists(out);
    Path elsewhere = Files.createTempDirectory("berth-elsewhere-");
    Files.writeString(elsewhere.resolve("outside.txt"), "outside the sandbox");
    Files.createSymbolicLink(out, elsewhere);

    assertThat(filenames(session)).isEmpty();
  }

  @Test
  void fifoIsSkippedWithoutHanging() throws Exception {
    String session = Fixtures.session(server.http());
    Files.createDirectories(outputs(session));
    var mkfifo = new ProcessBuilder("mkfifo", outputs(session).resolve("pipe").toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
    write(session, "after.txt", "after the pipe");

    assertTimeoutPreemptively(
        Duration.ofSeconds(20), () -> assertThat(filenames(session)).containsExactly("after.txt"));
  }

  @Test
  void nestedOutputsAreCataloguedUnderTheirBaseNames() throws IOException {
    String session = Fixtures.session(server.http());
    write(session, "a/b/report.md", "one");
    write(session, "c/report.md", "two");

    var files = listed(server.http(), session);
    assertThat(files).extracting(f -> f.get("filename").asText()).containsOnly("report.md");
    assertThat(files).extracting(f -> f.get("id").asText()).doesNotHaveDuplicates().hasSize(2);
  }

  @Test
  void treesDeeperThanTheLimitAndOddNamesAreSkippedNotFailed() throws IOException {
    String session = Fixtures.session(server.http());
    write(session, "d/".repeat(40) + "deep.txt", "too deep");
    write(session, "line\nbreak.txt", "control character");
    String longName = "n".repeat(251) + ".txt";
    write(session, longName, "a long name");

    assertThat(filenames(session)).containsExactly(longName);
  }

  @Test
  void outputsBeyondTheCapAreLeftOutInPathOrder() throws IOException {
    String session = Fixtures.session(server.http());
    for (int i = 0; i < CAP + 5; i++) {
      write(session, String.format("f%02d.txt", i), "file " + i);
    }

    var names = filenames(session);
    assertThat(names).hasSize(CAP);
    assertThat(names)
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.IntStream.range(0, CAP)
                .mapToObj(i -> String.format("f%02d.txt", i))
                .toList());
  }

  @Test
  void deletingAnOutputDismissesItUntilTheAgentChangesIt() throws IOException {
    String session = Fixtures.session(server.http());
    Path file = write(session, "draft.txt", "v1");
    String id = only(session).get("id").asText();

    var deleted = server.http().delete("/v1/files/" + id);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.json().get("type").asText()).isEqualTo("file_deleted");
    assertThat(filenames(session)).isEmpty();
    assertThat(Files.readString(file)).isEqualTo("v1");

    Files.writeString(file, "v2, rewritten");
    JsonNode back = only(session);
    assertThat(back.get("id").asText()).isNotEqualTo(id);
    assertThat(back.get("size_bytes").asLong()).isEqualTo(13);
  }

  @Test
  void archivedSessionKeepsItsOutputsListable() throws IOException {
    String session = Fixtures.session(server.http());
    write(session, "final.txt", "final");
    String id = only(session).get("id").asText();
    assertThat(server.http().post("/v1/sessions/" + session + "/archive").status()).isEqualTo(200);

    assertThat(only(session).get("id").asText()).isEqualTo(id);
    assertThat(new String(content(id), StandardCharsets.UTF_8)).isEqualTo("final");
  }

  @Test
  void deletingTheSessionRemovesItsOutputsAndTheirBlobs() throws Exception {
    String session = Fixtures.session(server.http());
    String text = "outlived by nothing " + session;
    write(session, "result.txt", text);
    String id = only(session).get("id").asText();
    String sha = sha256(text.getBytes(StandardCharsets.UTF_8));
    assertThat(server.get().blobs().digests()).contains(sha);

    assertThat(server.http().delete("/v1/sessions/" + session).status()).isEqualTo(200);
    assertThat(server.http().get("/v1/files/" + id).status()).isEqualTo(404);
    assertThat(listed(server.http(), session)).isEmpty();
    assertThat(server.get().blobs().digests()).doesNotContain(sha);
  }

  @Test
  void identicalOutputsShareOneBlob() throws Exception {
    String session = Fixtures.session(server.http());
    String text = "twice " + session;
    write(session, "one.txt", text);
    write(session, "two.txt", text);

    assertThat(filenames(session)).hasSize(2);
    String sha = sha256(text.getBytes(StandardCharsets.UTF_8));
    assertThat(server.get().blobs().digests().stream().filter(sha::equals)).hasSize(1);
  }

  @Test
  void parallelRefreshesCatalogueEachFileOnce() throws IOException {
    String session = Fixtures.session(server.http());
    for (int i = 0; i < 10; i++) {
      write(session, "p" + i + ".txt", "parallel " + i);
    }

    var lists = new ArrayList<CompletableFuture<Http.Response>>();
    for (int i = 0; i < 8; i++) {
      lists.add(
          server
              .http()
              .sendAsync(server.http().builder("/v1/files?limit=100&scope_id=" + session).GET()));
    }
    lists.forEach(l -> assertThat(l.join().status()).isEqualTo(200));

    var files = listed(server.http(), session);
    assertThat(files).hasSize(10);
    assertThat(files).extracting(f -> f.get("filename").asText()).doesNotHaveDuplicates();
  }
}
