package dev.berth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.ApiAssertions;
import dev.berth.testing.Http;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Files API (spec §6) over plain HTTP, including requests no SDK would send. */
class FilesApiTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String upload(TestServer on, String key, String text) {
    var r = on.http(key).upload("f.txt", "text/plain", utf8(text));
    assertThat(r.status()).isEqualTo(200);
    return r.json().get("id").asText();
  }

  /** {@link ApiAssertions#assertInvalid}, and a 400 that is not worth retrying. */
  static void assertInvalid(Http.Response r, String messagePart) {
    ApiAssertions.assertInvalid(r, messagePart);
    assertThat(r.header("x-should-retry")).isEqualTo("false");
  }

  /** No blob, no staged bytes and no file record: what a refused upload must leave. */
  private static void assertNothingStored(TestServer on) throws IOException {
    assertThat(on.blobs().digests()).isEmpty();
    assertThat(filesUnder(on, "tmp")).isEmpty();
    assertThat(on.http().get("/v1/files").json().get("data")).isEmpty();
  }

  /** Regular files under {@code <dataDir>/<dir>}. */
  static List<Path> filesUnder(TestServer on, String dir) throws IOException {
    Path root = on.dataDir().resolve(dir);
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void anUploadWhoseContentTypeNamesAnUnreadableCharsetIsA400() {
    for (String type : List.of("application/json; charset=\"", "multipart/form-data; charset=\"")) {
      var r =
          server
              .http()
              .send(
                  server
                      .http()
                      .builder("/v1/files")
                      .header("content-type", type)
                      .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")));
      assertThat(r.status()).as(type).isEqualTo(400);
      assertThat(r.errorType()).isEqualTo("invalid_request_error");
    }
  }

  @Test
  void uploadedFileIsListedAndRetrievable() {
    var up = server.http().upload("data.csv", "text/csv", utf8("a,b\n1,2\n"));
    assertThat(up.status()).isEqualTo(200);
    String id = up.json().get("id").asText();
    assertThat(id).matches("file_01[0-9A-Za-z]{22}");
    assertThat(up.json().get("size_bytes").asLong()).isEqualTo(8);
    assertThat(up.json().get("mime_type").asText()).isEqualTo("text/csv");
    assertThat(up.header("request-id")).startsWith("req_");

    var got = server.http().get("/v1/files/" + id);
    assertThat(got.json().get("filename").asText()).isEqualTo("data.csv");
    assertThat(server.http().get("/v1/files").json().get("data").get(0).get("id").asText())
        .isEqualTo(id);
  }

  @Test
  void uploadedMetadataAlwaysHasEveryKey() {
    JsonNode file = server.http().upload("k.txt", "text/plain", utf8("k")).json();
    assertThat(file.has("downloadable")).isTrue();
    assertThat(file.has("expires_at")).isTrue();
    assertThat(file.get("expires_at").isNull()).isTrue();
    assertThat(file.has("scope")).isTrue();
    assertThat(file.get("scope").isNull()).isTrue();
    assertThat(file.get("type").asText()).isEqualTo("file");
  }

  @Test
  void otherWorkspaceCannotSeeFile() {
    var up = server.http().upload("secret.txt", "text/plain", new byte[] {1, 2, 3});
    String id = up.json().get("id").asText();
    var other = server.http(TestServer.OTHER_KEY).get("/v1/files/" + id);
    assertThat(other.status()).isEqualTo(404);
    assertThat(other.errorType()).isEqualTo("not_found_error");
  }

  @Test
  void limitOutsideOneToThousandIsRejected() {
    assertInvalid(server.http().get("/v1/files?limit=0"), "limit");
    assertInvalid(server.http().get("/v1/files?limit=1001"), "limit");
    assertInvalid(server.http().get("/v1/files?limit=-1"), "limit");
    assertInvalid(server.http().get("/v1/files?limit=abc"), "limit");
    assertInvalid(server.http().get("/v1/files?limit=1.5"), "limit");
    assertThat(server.http().get("/v1/files?limit=1").status()).isEqualTo(200);
    assertThat(server.http().get("/v1/files?limit=1000").status()).isEqualTo(200);
  }

  @Test
  void garbagePageCursorIsRejected() {
    assertInvalid(server.http().get("/v1/files?page=garbage"), "page");
    assertInvalid(server.http().get("/v1/files?page=%21%21%21"), "page");
    String foreign =
        Base64.getUrlEncoder().withoutPadding().encodeToString(utf8("someone-else:>file_x"));
    assertInvalid(server.http().get("/v1/files?page=" + foreign), "page");
  }

  @Test
  void idsCannotBeCombinedWithPagingAndAreCapped() {
    String id = upload(server.get(), TestServer.KEY, "ids");
    assertInvalid(server.http().get("/v1/files?ids%5B%5D=" + id + "&limit=5"), "ids");
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      many.add("ids%5B%5D=file_" + i);
    }
    assertInvalid(server.http().get("/v1/files?" + String.join("&", many)), "100");
    var bare = server.http().get("/v1/files?ids=" + id);
    assertThat(bare.status()).isEqualTo(200);
    assertThat(bare.json().get("data").get(0).get("id").asText()).isEqualTo(id);
    assertThat(bare.json().get("next_page").isNull()).isTrue();
  }

  @Test
  void pagingWithLimitOneReturnsEveryFileOnceNewestFirst() {
    try (TestServer fresh = TestServer.start()) {
      List<String> uploaded = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        uploaded.add(upload(fresh, TestServer.KEY, "file " + i));
      }
      List<String> seen = new ArrayList<>();
      String path = "/v1/files?limit=1";
      JsonNode page;
      int requests = 0;
      do {
        page = fresh.http().get(path).json();
        requests++;
        assertThat(page.get("data")).hasSize(1);
        seen.add(page.get("data").get(0).get("id").asText());
        assertThat(page.has("next_page")).isTrue();
        if (!page.get("next_page").isNull()) {
          path = "/v1/files?limit=1&page=" + page.get("next_page").asText();
        }
      } while (!page.get("next_page").isNull() && requests < 20);
      assertThat(seen).isEqualTo(uploaded.reversed());
      assertThat(new HashSet<>(seen)).hasSize(7);
    }
  }

  @Test
  void emptyListHasNullNextPage() {
    try (TestServer fresh = TestServer.start()) {
      JsonNode page = fresh.http().get("/v1/files").json();
      assertThat(page.get("data")).isEmpty();
      assertThat(page.has("next_page")).isTrue();
      assertThat(page.get("next_page").isNull()).isTrue();
    }
  }

  @Test
  void uploadWithoutFilePartIsRejected() {
    assertInvalid(
        server.http().upload(new Http.Form().field("expires_in_seconds", "3600")), "file");
    assertInvalid(server.http().upload(new Http.Form().field("other", "x")), "file");
    assertInvalid(server.http().post("/v1/files", "{\"file\": \"abc\"}"), "multipart");
  }

  @Test
  void expiresInSecondsOutOfRangeIsRejected() {
    for (String bad : List.of("3599", "7776001", "0", "-5", "abc", "")) {
      var r =
          server
              .http()
              .upload(
                  new Http.Form()
                      .file("e.txt", "text/plain", utf8("e"))
                      .field("expires_in_seconds", bad));
      assertInvalid(r, "expires_in_seconds");
    }
    for (String good : List.of("3600", "7776000")) {
      var r =
          server
              .http()
              .upload(
                  new Http.Form()
                      .field("expires_in_seconds", good)
                      .file("e.txt", "text/plain", utf8("e")));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().get("expires_at").isTextual()).isTrue();
    }
  }

  @Test
  void expiresInSecondsIsOnlyAsciiDigits() {
    for (String bad : List.of(" 3600", "3600 ", "+3600", "\u0663\u0666\u0660\u0660", "3600\n")) {
      var r =
          server
              .http()
              .upload(
                  new Http.Form()
                      .file("e.txt", "text/plain", utf8("e"))
                      .field("expires_in_seconds", bad));
      assertInvalid(r, "expires_in_seconds");
      assertThat(r.json().path("request_id").asText()).isEqualTo(r.header("request-id"));
    }
    var huge =
        server
            .http()
            .upload(
                new Http.Form()
                    .file("e.txt", "text/plain", utf8("e"))
                    .field("expires_in_seconds", "99999999999999999999999"));
    assertInvalid(huge, "between");
  }

  @Test
  void filenameWithNulOrAControlCharacterIsRejectedAndNothingIsStored() throws IOException {
    try (TestServer fresh = TestServer.start()) {
      List<String> dispositions =
          List.of(
              "form-data; name=\"file\"; filename=\"a\u0000b.txt\"",
              "form-data; name=\"file\"; filename*=UTF-8''a%00b.txt",
              "form-data; name=\"file\"; filename*=UTF-8''a%0D%0Ab.txt",
              "form-data; name=\"file\"; filename=\"a\tb.txt\"",
              "form-data; name=\"file\"; filename=\"a\u007fb.txt\"");
      for (String disposition : dispositions) {
        var r =
            fresh
                .http()
                .upload(new Http.Form().part(disposition, "text/plain", utf8("never stored")));
        assertInvalid(r, "filename");
        assertThat(r.json().path("request_id").asText()).isEqualTo(r.header("request-id"));
      }
      assertNothingStored(fresh);
    }
  }

  @Test
  void partContentTypeWithAControlCharacterIsRejectedAndNothingIsStored() throws IOException {
    try (TestServer fresh = TestServer.start()) {
      for (String type : List.of("text/pl\u0000ain", "text/pl\u0001ain")) {
        var r = fresh.http().upload("t.txt", type, utf8("never stored"));
        assertInvalid(r, "Content-Type");
        assertThat(r.json().path("request_id").asText()).isEqualTo(r.header("request-id"));
      }
      assertNothingStored(fresh);
    }
  }

  @Test
  void rejectedUploadLeavesNothingBehind() throws IOException {
    try (TestServer fresh = TestServer.start()) {
      var r =
          fresh
              .http()
              .upload(
                  new Http.Form()
                      .file("e.txt", "text/plain", utf8("never stored"))
                      .field("expires_in_seconds", "12"));
      assertThat(r.status()).isEqualTo(400);
      assertNothingStored(fresh);
    }
  }

  @Test
  void missingFilenameBecomesUnnamedWithTheTypesExtension() {
    var csv = server.http().upload(new Http.Form().file(null, "text/csv", utf8("a,b\n")));
    assertThat(csv.status()).isEqualTo(200);
    assertThat(csv.json().get("filename").asText()).isEqualTo("unnamed.csv");
    var bytes =
        server
            .http()
            .upload(new Http.Form().file(null, "application/octet-stream", new byte[] {0}));
    assertThat(bytes.json().get("filename").asText()).isEqualTo("unnamed");
    assertThat(bytes.json().get("mime_type").asText()).isEqualTo("application/octet-stream");
    var empty = server.http().upload(new Http.Form().file("", "text/plain", utf8("t")));
    assertThat(empty.json().get("filename").asText()).isEqualTo("unnamed.txt");
  }

  @Test
  void filenameThatIsOnlyAPathBecomesUnnamed() {
    for (String name : List.of("dir/", "../", "a/..", "/")) {
      var r = server.http().upload(new Http.Form().file(name, "text/plain", utf8("t")));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().get("filename").asText()).as("for %s", name).isEqualTo("unnamed.txt");
    }
  }

  @Test
  void filenameKeepsOnlyItsLastPathComponent() {
    var slash = server.http().upload("reports/2026/q1.csv", "text/csv", utf8("q"));
    assertThat(slash.json().get("filename").asText()).isEqualTo("q1.csv");
    var backslash = server.http().upload("C:\\Users\\me\\notes.txt", "text/plain", utf8("n"));
    assertThat(backslash.json().get("filename").asText()).isEqualTo("notes.txt");
  }

  @Test
  void mimeTypeIsGuessedFromTheNameWhenThePartSaysOctetStream() {
    var r = server.http().upload("table.csv", "application/octet-stream", utf8("x"));
    assertThat(r.json().get("mime_type").asText()).isEqualTo("text/csv");
    var none = server.http().upload(new Http.Form().file("page.html", null, utf8("<p>")));
    assertThat(none.json().get("mime_type").asText()).isEqualTo("text/html");
  }

  @Test
  void uploadOverTheConfiguredMaximumIsTooLarge() throws IOException {
    try (TestServer limited = TestServer.start("--max-upload-bytes", "1024")) {
      var ok = limited.http().upload("ok.bin", "application/octet-stream", new byte[1024]);
      assertThat(ok.status()).isEqualTo(200);
      for (int size : new int[] {1025, 256 * 1024}) {
        var r = limited.http().upload("big.bin", "application/octet-stream", new byte[size]);
        assertThat(r.status()).as("%d bytes", size).isEqualTo(413);
        assertThat(r.errorType()).isEqualTo("request_too_large");
        assertThat(r.json().get("request_id").asText()).isEqualTo(r.header("request-id"));
        assertThat(r.header("x-should-retry")).isEqualTo("false");
      }
      assertThat(filesUnder(limited, "tmp")).isEmpty();
      assertThat(limited.blobs().digests()).hasSize(1);
      assertThat(limited.http().get("/v1/files").json().get("data")).hasSize(1);
    }
  }

  @Test
  void deletingTheOnlyReferenceRemovesTheBlob() throws IOException {
    try (TestServer fresh = TestServer.start()) {
      String id = upload(fresh, TestServer.KEY, "only me");
      assertThat(fresh.blobs().digests()).hasSize(1);
      var deleted = fresh.http().delete("/v1/files/" + id);
      assertThat(deleted.status()).isEqualTo(200);
      assertThat(deleted.json().get("id").asText()).isEqualTo(id);
      assertThat(deleted.json().get("type").asText()).isEqualTo("file_deleted");
      assertThat(fresh.blobs().digests()).isEmpty();
      assertThat(fresh.http().get("/v1/files/" + id).status()).isEqualTo(404);
      assertThat(fresh.http().delete("/v1/files/" + id).status()).isEqualTo(404);
    }
  }

  @Test
  void identicalUploadsShareOneBlobThatOutlivesEitherDelete() throws IOException {
    try (TestServer fresh = TestServer.start()) {
      String first = upload(fresh, TestServer.KEY, "same bytes");
      String second = upload(fresh, TestServer.KEY, "same bytes");
      String otherWorkspace = upload(fresh, TestServer.OTHER_KEY, "same bytes");
      assertThat(first).isNotEqualTo(second);
      assertThat(fresh.blobs().digests()).hasSize(1);

      assertThat(fresh.http().delete("/v1/files/" + first).status()).isEqualTo(200);
      assertThat(fresh.blobs().digests()).hasSize(1);
      assertThat(fresh.http().delete("/v1/files/" + second).status()).isEqualTo(200);
      assertThat(fresh.blobs().digests()).hasSize(1);
      assertThat(fresh.http(TestServer.OTHER_KEY).delete("/v1/files/" + otherWorkspace).status())
          .isEqualTo(200);
      assertThat(fresh.blobs().digests()).isEmpty();
    }
  }

  @Test
  void downloadableFileIsServedWithItsHeaders() {
    try (TestServer open = TestServer.start("--uploads-downloadable")) {
      var up = open.http().upload("report q1.csv", "text/csv", utf8("a,b\n1,2\n"));
      String id = up.json().get("id").asText();
      assertThat(up.json().get("downloadable").asBoolean()).isTrue();
      var r =
          open.http()
              .send(
                  open.http()
                      .builder("/v1/files/" + id + "/content")
                      .header("Accept", "application/binary"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(new String(r.raw().body(), StandardCharsets.UTF_8)).isEqualTo("a,b\n1,2\n");
      assertThat(r.header("content-type")).startsWith("text/csv");
      assertThat(r.header("content-length")).isEqualTo("8");
      assertThat(r.header("content-disposition"))
          .isEqualTo("attachment; filename=\"report q1.csv\"");
      assertThat(r.header("request-id")).startsWith("req_");

      var head =
          open.http()
              .send(
                  open.http()
                      .builder("/v1/files/" + id + "/content")
                      .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()));
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("content-length")).isEqualTo("8");
      assertThat(head.header("content-type")).startsWith("text/csv");
      assertThat(head.raw().body()).isEmpty();
    }
  }

  @Test
  void downloadLargerThanAMappedRegionArrivesByteForByte() {
    // FileSender maps 64 MiB at a time: this crosses a region boundary and ends mid-region
    byte[] bytes = new byte[(64 << 20) + 4099];
    new Random(7).nextBytes(bytes);
    try (TestServer open = TestServer.start("--uploads-downloadable")) {
      String id =
          open.http()
              .upload("big.bin", "application/octet-stream", bytes)
              .json()
              .get("id")
              .asText();
      var r = open.http().get("/v1/files/" + id + "/content");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("content-length")).isEqualTo(Integer.toString(bytes.length));
      assertThat(Arrays.equals(r.raw().body(), bytes)).isTrue();
    }
  }

  @Test
  void downloadOfAnEmptyFileHasNoBodyAndLengthZero() {
    try (TestServer open = TestServer.start("--uploads-downloadable")) {
      String id =
          open.http().upload("empty.txt", "text/plain", new byte[0]).json().get("id").asText();
      var r = open.http().get("/v1/files/" + id + "/content");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("content-length")).isEqualTo("0");
      assertThat(r.raw().body()).isEmpty();
    }
  }

  @Test
  void downloadIsSentAsStoredWhenTheClientAcceptsGzip() {
    byte[] text = "a,b,c\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    try (TestServer open = TestServer.start("--uploads-downloadable")) {
      String id = open.http().upload("table.csv", "text/csv", text).json().get("id").asText();
      var r =
          open.http()
              .send(
                  open.http()
                      .builder("/v1/files/" + id + "/content")
                      .header("Accept-Encoding", "gzip"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("content-encoding")).isNull();
      assertThat(r.header("content-length")).isEqualTo(Integer.toString(text.length));
      assertThat(r.raw().body()).isEqualTo(text);
    }
  }

  @Test
  void downloadOfUploadIsNotDownloadableByDefault() {
    String id = upload(server.get(), TestServer.KEY, "private");
    var r = server.http().get("/v1/files/" + id + "/content");
    assertInvalid(r, id);
    assertThat(r.json().path("error").path("details").path("error_code").asText())
        .isEqualTo("file_not_downloadable");
  }

  @Test
  void startUpSweepOfBlobsRunsBehindTheServer() throws IOException {
    try (var fresh = TestServer.start()) {
      String orphan = "cd".repeat(32);
      fresh.blobs().plant(orphan, "bytes of an upload whose record was never committed");
      List<Runnable> held = new ArrayList<>();

      fresh.restart(held::add);

      assertThat(fresh.http().get("/v1/files").status()).isEqualTo(200);
      assertThat(fresh.blobs().digests()).contains(orphan);
      held.forEach(Runnable::run);
      assertThat(fresh.blobs().digests()).doesNotContain(orphan);
    }
  }

  @Test
  void startUpSweepsBlobsThatNoRecordPointsAt() throws IOException {
    try (var fresh = TestServer.start()) {
      var kept =
          fresh.http().upload("kept.txt", "text/plain", "kept".getBytes(StandardCharsets.UTF_8));
      assertThat(kept.status()).isEqualTo(200);
      String orphan = "ab".repeat(32);
      fresh.blobs().plant(orphan, "bytes of an upload whose record was never committed");

      fresh.restart();

      assertThat(fresh.blobs().digests()).hasSize(1).doesNotContain(orphan);
      assertThat(fresh.http().get("/v1/files/" + kept.json().get("id").asText()).status())
          .isEqualTo(200);
    }
  }
}
