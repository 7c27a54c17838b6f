package dev.berth;

import static dev.berth.testing.Fixtures.fileResource;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ResourcesApiTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  static Path sandboxPath(String sessionId, String mountPath) {
    return server.dataDir().resolve("sandboxes").resolve(sessionId).resolve(mountPath.substring(1));
  }

  static Http.Response add(String session, String json) {
    return server.http().post("/v1/sessions/" + session + "/resources", json);
  }

  @Test
  void addedFileAppearsReadOnlyAtItsMountPathInTheSandbox() throws IOException {
    String file = Fixtures.upload(server.http(), "data.csv", "a,b\n1,2\n");
    String session = Fixtures.session(server.http());

    var r = add(session, fileResource(file, "/data.csv"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("id").asText()).matches("sesrsc_01[0-9A-Za-z]{22}");
    assertThat(r.json().get("type").asText()).isEqualTo("file");
    assertThat(r.json().get("mount_path").asText()).isEqualTo("/mnt/session/uploads/data.csv");
    Path mounted = sandboxPath(session, "/mnt/session/uploads/data.csv");
    assertThat(Files.readString(mounted)).isEqualTo("a,b\n1,2\n");
    assertThat(Files.isWritable(mounted) && !isRoot()).isFalse();
    assertThat(Files.getPosixFilePermissions(mounted).toString()).doesNotContain("WRITE");
  }

  @Test
  void nonAsciiMountPathsAreMaterialisedAsUtf8() throws IOException {
    String file = Fixtures.upload(server.http(), "x.txt", "unicode");
    String session = Fixtures.session(server.http());
    var r = add(session, fileResource(file, "/données/名前.txt"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("mount_path").asText())
        .isEqualTo("/mnt/session/uploads/données/名前.txt");
    assertThat(Files.readString(sandboxPath(session, "/mnt/session/uploads/données/名前.txt")))
        .isEqualTo("unicode");
  }

  @Test
  void mountingMakesASessionScopedCopyOfTheFile() {
    String file = Fixtures.upload(server.http(), "notes.txt", "hello");
    String session = Fixtures.session(server.http());

    String copy = add(session, fileResource(file, null)).json().get("file_id").asText();

    assertThat(copy).isNotEqualTo(file).startsWith("file_");
    JsonNode listed = server.http().get("/v1/files?scope_id=" + session).json().get("data");
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).get("id").asText()).isEqualTo(copy);
    assertThat(listed.get(0).get("scope").get("id").asText()).isEqualTo(session);
    assertThat(listed.get(0).get("filename").asText()).isEqualTo("notes.txt");
    assertThat(listed.get(0).get("downloadable").asBoolean()).isFalse();
    var workspaceFiles =
        server.http().get("/v1/files?limit=1000").json().get("data").findValuesAsText("id");
    assertThat(workspaceFiles).contains(file).doesNotContain(copy);
  }

  @Test
  void missingMountPathDefaultsToTheRequestedFileId() {
    String file = Fixtures.upload(server.http(), "x.txt", "x");
    String session = Fixtures.session(server.http());
    var r = add(session, fileResource(file, null));
    assertThat(r.json().get("mount_path").asText()).isEqualTo("/mnt/session/uploads/" + file);
    assertThat(Files.exists(sandboxPath(session, "/mnt/session/uploads/" + file))).isTrue();
  }

  @Test
  void deletingResourceRemovesTheMountItsDirectoriesAndTheCopy() {
    String file = Fixtures.upload(server.http(), "x.txt", "bytes");
    String session = Fixtures.session(server.http());
    var added = add(session, fileResource(file, "/deep/er/x.txt")).json();
    String id = added.get("id").asText();

    var deleted = server.http().delete("/v1/sessions/" + session + "/resources/" + id);

    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.json().get("id").asText()).isEqualTo(id);
    assertThat(deleted.json().get("type").asText()).isEqualTo("session_resource_deleted");
    assertThat(Files.exists(sandboxPath(session, "/mnt/session/uploads/deep"))).isFalse();
    assertThat(Files.isDirectory(sandboxPath(session, "/mnt/session/uploads"))).isTrue();
    assertThat(server.http().get("/v1/files?scope_id=" + session).json().get("data")).isEmpty();
    assertThat(server.http().get("/v1/files/" + added.get("file_id").asText()).status())
        .isEqualTo(404);
    assertThat(server.http().get("/v1/sessions/" + session + "/resources/" + id).status())
        .isEqualTo(404);
    var again = server.http().delete("/v1/sessions/" + session + "/resources/" + id);
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.errorType()).isEqualTo("not_found_error");
    assertThat(server.http().get("/v1/files/" + file).status()).isEqualTo(200);
  }

  @Test
  void aMountedCopyCannotBeDeletedBehindItsResource() throws IOException {
    String file = Fixtures.upload(server.http(), "x.txt", "mounted");
    String session = Fixtures.session(server.http());
    var added = add(session, fileResource(file, "/m.txt")).json();
    String copy = added.get("file_id").asText();

    var r = server.http().delete("/v1/files/" + copy);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().at("/error/message").asText()).contains(added.get("id").asText());
    assertThat(server.http().get("/v1/files/" + copy).status()).isEqualTo(200);
    assertThat(Files.readString(sandboxPath(session, "/mnt/session/uploads/m.txt")))
        .isEqualTo("mounted");
  }

  @Test
  void aSandboxThatCannotBeRebuiltDoesNotStopTheServer() throws IOException {
    String broken = Fixtures.upload(server.http(), "broken.txt", "this blob will vanish");
    String healthy = Fixtures.upload(server.http(), "healthy.txt", "fine");
    String session = Fixtures.session(server.http());
    String other = Fixtures.session(server.http());
    add(session, fileResource(broken, "/broken.txt"));
    add(other, fileResource(healthy, "/healthy.txt"));
    server.get().blobs().delete(sha256("this blob will vanish"));
    Files.delete(sandboxPath(session, "/mnt/session/uploads/broken.txt"));
    Files.delete(sandboxPath(other, "/mnt/session/uploads/healthy.txt"));

    server.restart();

    assertThat(Files.readString(sandboxPath(other, "/mnt/session/uploads/healthy.txt")))
        .isEqualTo("fine");
    assertThat(server.http().get("/v1/sessions/" + session).status()).isEqualTo(200);
  }

  private static String sha256(String content) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(content.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void deletingTheOriginalLeavesTheMountedCopyIntact() throws IOException {
    String file = Fixtures.upload(server.http(), "keep.txt", "still here");
    String session = Fixtures.session(server.http());
    String copy = add(session, fileResource(file, "/keep.txt")).json().get("file_id").asText();

    assertThat(server.http().delete("/v1/files/" + file).status()).isEqualTo(200);

    assertThat(server.http().get("/v1/files/" + copy).status()).isEqualTo(200);
    assertThat(Files.readString(sandboxPath(session, "/mnt/session/uploads/keep.txt")))
        .isEqualTo("still here");
  }

  @Test
  void theBytesGoWithTheLastRecordThatNeedsThem() throws IOException {
    try (TestServer fresh = TestServer.start()) {
      String file = Fixtures.upload(fresh.http(), "last.txt", "bytes of the last reference");
      String session = Fixtures.session(fresh.http());
      String kept = add(fresh, session, fileResource(file, "/a.txt")).json().get("id").asText();
      String dropped = add(fresh, session, fileResource(file, "/b.txt")).json().get("id").asText();

      assertThat(fresh.http().delete("/v1/sessions/" + session + "/resources/" + dropped).status())
          .isEqualTo(200);
      assertThat(fresh.http().delete("/v1/files/" + file).status()).isEqualTo(200);
      assertThat(fresh.blobs().digests()).as("the other mount's copy still needs them").hasSize(1);

      assertThat(fresh.http().delete("/v1/sessions/" + session + "/resources/" + kept).status())
          .isEqualTo(200);
      assertThat(fresh.blobs().digests()).isEmpty();
    }
  }

  private static Http.Response add(TestServer on, String session, String json) {
    return on.http().post("/v1/sessions/" + session + "/resources", json);
  }

  @Test
  void takenOrOverlappingMountPathsConflict() {
    String file = Fixtures.upload(server.http(), "x.txt", "x");
    String session = Fixtures.session(server.http());
    var first = add(session, fileResource(file, "/a/b"));
    assertThat(first.status()).isEqualTo(200);
    String firstId = first.json().get("id").asText();

    for (var taken :
        Map.of(
                "/a/b", "is already used by",
                "/mnt/session/uploads/a/b", "is already used by",
                "/a", "would contain the mount of",
                "/a/b/c", "lies inside the mount of")
            .entrySet()) {
      var r = add(session, fileResource(file, taken.getKey()));
      assertThat(r.status()).as(taken.getKey()).isEqualTo(409);
      assertThat(r.errorType()).isEqualTo("conflict_error");
      assertThat(r.header("x-should-retry")).isEqualTo("false");
      assertThat(r.json().at("/error/message").asText())
          .contains(taken.getValue() + " resource " + firstId + " at '/mnt/session/uploads/a/b'");
    }
    assertThat(server.http().get("/v1/files?scope_id=" + session).json().get("data"))
        .as("refused adds leave no session copy behind")
        .hasSize(1);
    assertThat(add(session, fileResource(file, "/a/bc")).status()).isEqualTo(200);
    assertThat(add(session, fileResource(file, "/a/b.txt")).status()).isEqualTo(200);
  }

  @Test
  void mountingAnExpiredFileIsNotFoundAndWritesNothing() throws SQLException {
    String file = Fixtures.upload(server.http(), "old.txt", "old");
    String session = Fixtures.session(server.http());
    try (var db = server.get().metadata();
        var st = db.prepareStatement("UPDATE files SET expires_at = ? WHERE id = ?")) {
      st.setString(1, "2000-01-01T00:00:00.000000Z");
      st.setString(2, file);
      assertThat(st.executeUpdate()).isEqualTo(1);
    }

    var r = add(session, fileResource(file, "/old.txt"));

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.errorType()).isEqualTo("not_found_error");
    assertThat(r.json().at("/error/message").asText()).isEqualTo("file '" + file + "' has expired");
    assertThat(server.http().get("/v1/files?scope_id=" + session).json().get("data")).isEmpty();
    assertThat(server.http().get("/v1/sessions/" + session + "/resources").json().get("data"))
        .isEmpty();
  }

  @Test
  void invalidMountPathsAreRejectedAndChangeNothing() throws IOException {
    String file = Fixtures.upload(server.http(), "x.txt", "x");
    String session = Fixtures.session(server.http());
    for (String path : List.of("relative", "/a/../../etc/passwd", "/a//b", "/a/", "/a\\u0000b")) {
      var r = add(session, fileResource(file, path));
      assertThat(r.status()).as(path).isEqualTo(400);
      assertThat(r.errorType()).isEqualTo("invalid_request_error");
      assertThat(r.json().path("error").path("message").asText()).startsWith("mount_path");
    }
    assertThat(server.http().get("/v1/sessions/" + session + "/resources").json().get("data"))
        .isEmpty();
    try (Stream<Path> s = Files.list(sandboxPath(session, "/mnt/session/uploads"))) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void unknownOrForeignSessionsAndFilesAreNotFound() {
    String file = Fixtures.upload(server.http(), "x.txt", "x");
    String session = Fixtures.session(server.http());
    Http other = server.http(TestServer.OTHER_KEY);
    String foreignFile = Fixtures.upload(other, "y.txt", "y");
    String foreignSession = Fixtures.session(other);

    assertThat(add(session, fileResource("file_01nope", null)).status()).isEqualTo(404);
    assertThat(add(session, fileResource(foreignFile, null)).status()).isEqualTo(404);
    assertThat(add(foreignSession, fileResource(file, null)).status()).isEqualTo(404);
    assertThat(add("sesn_01unknown", fileResource(file, null)).errorType())
        .isEqualTo("not_found_error");
    assertThat(server.http().get("/v1/sessions/" + foreignSession + "/resources").status())
        .isEqualTo(404);
  }

  @Test
  void archivedSessionsAreReadOnly() {
    String file = Fixtures.upload(server.http(), "x.txt", "x");
    String session = Fixtures.session(server.http());
    String id = add(session, fileResource(file, "/x")).json().get("id").asText();
    assertThat(server.http().post("/v1/sessions/" + session + "/archive").status()).isEqualTo(200);

    var addAfter = add(session, fileResource(file, "/y"));
    assertThat(addAfter.status()).isEqualTo(400);
    assertThat(addAfter.json().path("error").path("message").asText()).contains("archived");
    assertThat(server.http().delete("/v1/sessions/" + session + "/resources/" + id).status())
        .isEqualTo(400);
    assertThat(server.http().get("/v1/sessions/" + session + "/resources/" + id).status())
        .isEqualTo(200);
    assertThat(server.http().get("/v1/sessions/" + session + "/resources").json().get("data"))
        .hasSize(1);
  }

  @Test
  void onlyFileResourcesCanBeAdded() {
    String session = Fixtures.session(server.http());
    var github =
        add(session, "{\"type\":\"github_repository\",\"url\":\"https://github.com/o/r\"}");
    assertThat(github.status()).isEqualTo(400);
    assertThat(add(session, "{\"type\":\"bogus\"}").status()).isEqualTo(400);
    assertThat(add(session, "{\"file_id\":\"file_x\"}").status()).isEqualTo(400);
    assertThat(add(session, "{\"type\":\"file\",\"file_id\":7}").status()).isEqualTo(400);
    assertThat(add(session, "{\"type\":\"file\",\"file_id\":\"f\",\"extra\":1}").status())
        .isEqualTo(400);
    assertThat(add(session, "not json").status()).isEqualTo(400);
  }

  @Test
  void fileResourcesCannotBeUpdated() {
    String file = Fixtures.upload(server.http(), "x.txt", "x");
    String session = Fixtures.session(server.http());
    String id = add(session, fileResource(file, null)).json().get("id").asText();
    String path = "/v1/sessions/" + session + "/resources/" + id;

    var r = server.http().post(path, "{\"authorization_token\":\"ghp_x\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("error").path("message").asText()).contains("github_repository");
    assertThat(server.http().post(path, "{}").status()).isEqualTo(400);
    assertThat(server.http().post(path, "{\"authorization_token\":\"\"}").status()).isEqualTo(400);
    assertThat(
            server
                .http()
                .post(
                    "/v1/sessions/" + session + "/resources/sesrsc_01nope",
                    "{\"authorization_token\":\"t\"}")
                .status())
        .isEqualTo(404);
  }

  @Test
  void listingPagesThroughEveryResourceInAttachOrder() {
    String file = Fixtures.upload(server.http(), "x.txt", "x");
    String session = Fixtures.session(server.http());
    List<String> added = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      added.add(add(session, fileResource(file, "/f" + i)).json().get("id").asText());
    }
    List<String> seen = new ArrayList<>();
    for (var r : Fixtures.pages(server.http(), "/v1/sessions/" + session + "/resources?limit=2")) {
      assertThat(r.status()).isEqualTo(200);
      r.json().get("data").forEach(d -> seen.add(d.get("id").asText()));
      assertThat(r.json().has("next_page")).isTrue();
      if (!r.json().get("next_page").isNull()) {
        assertThat(r.json().get("data")).hasSize(2);
      }
    }
    assertThat(seen).containsExactlyElementsOf(added);
    var session1 = server.http().get("/v1/sessions/" + session).json().get("resources");
    assertThat(session1.findValuesAsText("id")).containsExactlyElementsOf(added);
    assertThat(server.http().get("/v1/sessions/" + session + "/resources?limit=101").status())
        .isEqualTo(400);
    assertThat(server.http().get("/v1/sessions/" + session + "/resources?page=garbage").status())
        .isEqualTo(400);
  }

  @Test
  void fileCapPerSessionIsEnforced() {
    try (var small = TestServer.start("--max-files-per-session", "3")) {
      Http h = small.http();
      String file = Fixtures.upload(h, "x.txt", "x");
      String session = Fixtures.session(h);
      for (int i = 0; i < 3; i++) {
        assertThat(
                h.post("/v1/sessions/" + session + "/resources", fileResource(file, "/" + i))
                    .status())
            .isEqualTo(200);
      }
      var over = h.post("/v1/sessions/" + session + "/resources", fileResource(file, "/3"));
      assertThat(over.status()).isEqualTo(400);
      assertThat(over.json().path("error").path("message").asText()).contains("maximum of 3");
      String first =
          h.get("/v1/sessions/" + session + "/resources")
              .json()
              .get("data")
              .get(0)
              .get("id")
              .asText();
      h.delete("/v1/sessions/" + session + "/resources/" + first);
      assertThat(
              h.post("/v1/sessions/" + session + "/resources", fileResource(file, "/3")).status())
          .isEqualTo(200);
    }
  }

  @Test
  void sessionCreatedWithResourcesMountsThemAllOrNothing() throws IOException {
    String file = Fixtures.upload(server.http(), "x.txt", "created");
    String ok =
        Fixtures.session(server.http(), "\"resources\":[" + fileResource(file, "/one") + "]");
    assertThat(server.http().get("/v1/sessions/" + ok).json().get("resources")).hasSize(1);
    assertThat(Files.readString(sandboxPath(ok, "/mnt/session/uploads/one"))).isEqualTo("created");

    int sessionsBefore = countSessions();
    int scopedBefore = server.http().get("/v1/files?scope_id=" + ok).json().get("data").size();
    String agent = Fixtures.agent(server.http());
    String env = Fixtures.environment(server.http());
    // resources → the status of the rule they break (spec §3.1 errors, Q4 and Q5)
    for (var refused :
        Map.of(
                fileResource(file, "/a") + "," + fileResource("file_01missing", "/b"),
                404,
                fileResource(file, "/a") + "," + fileResource(file, "/a"),
                409,
                fileResource(file, "/a") + "," + fileResource(file, "/a/b"),
                409,
                fileResource(file, "/a") + "," + fileResource(file, "../b"),
                400)
            .entrySet()) {
      String resources = refused.getKey();
      var r =
          server
              .http()
              .post(
                  "/v1/sessions",
                  "{\"agent\":\""
                      + agent
                      + "\",\"environment_id\":\""
                      + env
                      + "\",\"resources\":["
                      + resources
                      + "]}");
      assertThat(r.status()).as(resources).isEqualTo(refused.getValue());
    }
    assertThat(countSessions()).isEqualTo(sessionsBefore);
    assertThat(server.http().get("/v1/files?scope_id=" + ok).json().get("data"))
        .hasSize(scopedBefore);
  }

  @Test
  void deletingSessionRemovesItsSandboxAndScopedFiles() {
    String file = Fixtures.upload(server.http(), "x.txt", "x");
    String session =
        Fixtures.session(server.http(), "\"resources\":[" + fileResource(file, "/x") + "]");
    assertThat(Files.isDirectory(server.dataDir().resolve("sandboxes").resolve(session))).isTrue();

    var r = server.http().delete("/v1/sessions/" + session);
    assertThat(r.json().get("type").asText()).isEqualTo("session_deleted");

    assertThat(Files.exists(server.dataDir().resolve("sandboxes").resolve(session))).isFalse();
    assertThat(server.http().get("/v1/files?scope_id=" + session).json().get("data")).isEmpty();
    assertThat(server.http().get("/v1/sessions/" + session).status()).isEqualTo(404);
    assertThat(server.http().get("/v1/files/" + file).status()).isEqualTo(200);
  }

  @Test
  void fiftyParallelAddsWithDistinctPathsAllSucceed() throws Exception {
    String file = Fixtures.upload(server.http(), "x.txt", "parallel");
    String session = Fixtures.session(server.http());
    List<Integer> statuses =
        parallel(50, i -> add(session, fileResource(file, "/p/" + i)).status());
    assertThat(statuses).containsOnly(200).hasSize(50);
    try (Stream<Path> s = Files.list(sandboxPath(session, "/mnt/session/uploads/p"))) {
      assertThat(s.count()).isEqualTo(50);
    }
  }

  @Test
  void twentyParallelAddsOfOnePathHaveExactlyOneWinner() throws Exception {
    String file = Fixtures.upload(server.http(), "x.txt", "race");
    String session = Fixtures.session(server.http());
    List<Integer> statuses = parallel(20, i -> add(session, fileResource(file, "/same")).status());
    assertThat(statuses.stream().filter(s -> s == 200)).hasSize(1);
    assertThat(statuses.stream().filter(s -> s == 409)).hasSize(19);
  }

  @Test
  void hundredAndTenParallelAddsStopAtTheCap() throws Exception {
    String file = Fixtures.upload(server.http(), "x.txt", "cap");
    String session = Fixtures.session(server.http());
    List<Integer> statuses =
        parallel(110, i -> add(session, fileResource(file, "/c" + i)).status());
    assertThat(statuses.stream().filter(s -> s == 200)).hasSize(100);
    assertThat(statuses.stream().filter(s -> s == 400)).hasSize(10);
    Set<String> ids = new HashSet<>();
    for (var r :
        Fixtures.pages(server.http(), "/v1/sessions/" + session + "/resources?limit=100")) {
      r.json().get("data").forEach(d -> ids.add(d.get("id").asText()));
    }
    assertThat(ids).hasSize(100);
  }

  @Test
  void restartHealsASandboxThatDriftedFromTheRecords() throws IOException {
    String file = Fixtures.upload(server.http(), "x.txt", "truth");
    String session =
        Fixtures.session(server.http(), "\"resources\":[" + fileResource(file, "/kept") + "]");
    Path kept = sandboxPath(session, "/mnt/session/uploads/kept");
    Path stray = sandboxPath(session, "/mnt/session/uploads/stray.txt");
    Files.delete(kept);
    Files.writeString(stray, "not in the records");

    server.restart();

    assertThat(Files.readString(kept)).isEqualTo("truth");
    assertThat(Files.exists(stray)).isFalse();
  }

  @Test
  void symlinksPlantedInTheSandboxCannotCarryAMountOutside(@TempDir Path outside)
      throws IOException {
    Path decoy = Files.writeString(outside.resolve("decoy.txt"), "untouched");
    String file = Fixtures.upload(server.http(), "x.txt", "inside");
    String session = Fixtures.session(server.http());
    Path uploads = sandboxPath(session, "/mnt/session/uploads");
    Files.createSymbolicLink(uploads.resolve("escape"), outside);
    Files.createSymbolicLink(uploads.resolve("target.txt"), decoy);

    var viaDir = add(session, fileResource(file, "/escape/decoy.txt"));
    var viaFile = add(session, fileResource(file, "/target.txt"));

    assertThat(viaDir.status()).isEqualTo(200);
    assertThat(viaFile.status()).isEqualTo(200);
    assertThat(Files.readString(decoy)).isEqualTo("untouched");
    try (Stream<Path> s = Files.list(outside)) {
      assertThat(s).containsExactly(decoy);
    }
    Path mounted = uploads.resolve("escape/decoy.txt");
    assertThat(Files.isSymbolicLink(uploads.resolve("escape"))).isFalse();
    assertThat(Files.isSymbolicLink(uploads.resolve("target.txt"))).isFalse();
    assertThat(Files.readString(mounted)).isEqualTo("inside");

    String id = viaDir.json().get("id").asText();
    Files.delete(mounted);
    Files.delete(uploads.resolve("escape"));
    Files.createSymbolicLink(uploads.resolve("escape"), outside);
    assertThat(server.http().delete("/v1/sessions/" + session + "/resources/" + id).status())
        .isEqualTo(200);
    assertThat(Files.readString(decoy)).isEqualTo("untouched");
    assertThat(Files.exists(uploads.resolve("escape"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
        .isFalse();
  }

  private static int countSessions() {
    int count = 0;
    for (var page : Fixtures.pages(server.http(), "/v1/sessions?limit=100&include_archived=true")) {
      count += page.json().get("data").size();
    }
    return count;
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  interface Call {
    int run(int i) throws Exception;
  }

  static List<Integer> parallel(int n, Call call) throws Exception {
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      var start = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<Integer>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return call.run(k);
                }));
      }
      start.countDown();
      List<Integer> out = new ArrayList<>();
      for (var f : futures) {
        out.add(f.get());
      }
      return out;
    }
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
