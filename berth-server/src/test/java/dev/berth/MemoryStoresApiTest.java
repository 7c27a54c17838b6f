package dev.berth;

import static dev.berth.testing.ApiAssertions.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.json.Json;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Memory Stores API (spec §7) over real HTTP: stores, memories, versions and their errors. */
class MemoryStoresApiTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  private static Http http() {
    return server.http();
  }

  static JsonNode ok(Http.Response r) {
    assertThat(r.status()).as(String.valueOf(r.json())).isEqualTo(200);
    return r.json();
  }

  static JsonNode newStore(String name) {
    return ok(http().post("/v1/memory_stores", "{\"name\":" + quote(name) + "}"));
  }

  static String store() {
    return newStore("notes").get("id").asText();
  }

  static String memories(String storeId) {
    return "/v1/memory_stores/" + storeId + "/memories";
  }

  static String versions(String storeId) {
    return "/v1/memory_stores/" + storeId + "/memory_versions";
  }

  static Http.Response create(String storeId, String path, String content) {
    return http()
        .post(
            memories(storeId), "{\"path\":" + quote(path) + ",\"content\":" + quote(content) + "}");
  }

  static JsonNode memory(String storeId, String path, String content) {
    return ok(create(storeId, path, content));
  }

  static String quote(String s) {
    return Json.write(s);
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** The {@code path} of each item of a list page, with the {@code type} of prefixes marked. */
  static List<String> paths(JsonNode page) {
    List<String> out = new ArrayList<>();
    page.get("data")
        .forEach(
            item ->
                out.add(
                    item.get("type").asText().equals("memory_prefix")
                        ? "prefix " + item.get("path").asText()
                        : item.get("path").asText()));
    return out;
  }

  static List<String> field(JsonNode page, String name) {
    List<String> out = new ArrayList<>();
    page.get("data").forEach(item -> out.add(item.get(name).asText()));
    return out;
  }

  static List<String> keys(JsonNode o) {
    List<String> keys = new ArrayList<>();
    o.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  /** Expects a 409 of {@code type}, which the SDKs must not retry. */
  static JsonNode assertConflict(Http.Response r, String type) {
    assertThat(r.status()).as(String.valueOf(r.json())).isEqualTo(409);
    assertThat(r.errorType()).isEqualTo(type);
    assertThat(r.header("x-should-retry")).isEqualTo("false");
    return r.json().get("error");
  }

  // Stores.

  @Test
  void aNewStoreHasTheGoldenShapeWithAnEmptyDescriptionAndNoMetadata() {
    JsonNode s = newStore("User Preferences");
    assertThat(keys(s))
        .containsExactly(
            "id",
            "type",
            "name",
            "description",
            "metadata",
            "archived_at",
            "created_at",
            "updated_at");
    assertThat(s.get("id").asText()).matches("memstore_01[0-9A-Za-z]{22}");
    assertThat(s.get("type").asText()).isEqualTo("memory_store");
    assertThat(s.get("name").asText()).isEqualTo("User Preferences");
    assertThat(s.get("description").asText()).isEmpty();
    assertThat(s.get("metadata").toString()).isEqualTo("{}");
    assertThat(s.get("archived_at").isNull()).isTrue();
    assertThat(s.get("updated_at")).isEqualTo(s.get("created_at"));
    assertThat(ok(http().get("/v1/memory_stores/" + s.get("id").asText()))).isEqualTo(s);
  }

  @Test
  void storeCreateRefusesNamesDescriptionsAndMetadataOutsideTheirLimits() {
    String store = "/v1/memory_stores";
    assertInvalid(http().post(store, "{}"), "name is required");
    assertInvalid(http().post(store, "{\"name\":\"\"}"), "name must be 1 to 255 characters");
    assertInvalid(
        http().post(store, "{\"name\":\"" + "n".repeat(256) + "\"}"),
        "name must be 1 to 255 characters");
    assertInvalid(http().post(store, "{\"name\":\"a\\tb\"}"), "control characters");
    assertInvalid(
        http().post(store, "{\"name\":\"n\",\"description\":\"" + "d".repeat(1025) + "\"}"),
        "description must be at most 1024");
    StringBuilder many = new StringBuilder("{");
    for (int i = 0; i < 17; i++) {
      many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
    }
    assertInvalid(
        http().post(store, "{\"name\":\"n\",\"metadata\":" + many + "}}"), "at most 16 pairs");
    assertInvalid(
        http().post(store, "{\"name\":\"n\",\"metadata\":{\"" + "k".repeat(65) + "\":\"v\"}}"),
        "metadata keys");
    assertInvalid(
        http().post(store, "{\"name\":\"n\",\"metadata\":{\"k\":\"" + "v".repeat(513) + "\"}}"),
        "exceeds 512");
    assertInvalid(http().post(store, "{\"name\":\"n\",\"owner\":\"x\"}"), "unknown field 'owner'");
    // at the limits exactly
    ok(
        http()
            .post(
                store,
                "{\"name\":\""
                    + "😀".repeat(255)
                    + "\",\"description\":\""
                    + "d".repeat(1024)
                    + "\"}"));
  }

  @Test
  void storeUpdateChangesWhatIsGivenPatchesMetadataAndKeepsTheRest() {
    String id =
        ok(http()
                .post(
                    "/v1/memory_stores",
                    "{\"name\":\"a\",\"description\":\"d\",\"metadata\":{\"k\":\"v\",\"x\":\"y\"}}"))
            .get("id")
            .asText();
    JsonNode renamed =
        ok(
            http()
                .post(
                    "/v1/memory_stores/" + id,
                    "{\"name\":\"b\",\"description\":null,\"metadata\":{\"k\":null,\"n\":\"1\"}}"));
    assertThat(renamed.get("name").asText()).isEqualTo("b");
    assertThat(renamed.get("description").asText()).isEqualTo("d");
    assertThat(renamed.get("metadata").toString()).isEqualTo("{\"x\":\"y\",\"n\":\"1\"}");
    assertThat(renamed.get("updated_at").asText())
        .isGreaterThan(renamed.get("created_at").asText());

    JsonNode cleared = ok(http().post("/v1/memory_stores/" + id, "{\"description\":\"\"}"));
    assertThat(cleared.get("description").asText()).isEmpty();
    JsonNode same = ok(http().post("/v1/memory_stores/" + id, "{\"name\":\"b\"}"));
    assertThat(same).as("an update that changes nothing").isEqualTo(cleared);
  }

  @Test
  void storeListIsNewestFirstPagedAndLeavesArchivedStoresOutUnlessAsked() {
    String ws = "/v1/memory_stores?limit=100";
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      made.add(0, store());
    }
    String archived = store();
    ok(http().post("/v1/memory_stores/" + archived + "/archive"));

    List<String> listed = field(ok(http().get(ws)), "id");
    assertThat(listed).doesNotContain(archived);
    assertThat(listed.subList(0, 3)).containsExactlyElementsOf(made);
    assertThat(field(ok(http().get(ws + "&include_archived=true")), "id").getFirst())
        .isEqualTo(archived);

    JsonNode first = ok(http().get("/v1/memory_stores?limit=2"));
    assertThat(first.get("data")).hasSize(2);
    JsonNode second =
        ok(http().get("/v1/memory_stores?limit=2&page=" + first.get("next_page").asText()));
    assertThat(field(second, "id").getFirst()).isEqualTo(made.get(2));

    String createdAt =
        ok(http().get("/v1/memory_stores/" + made.get(1))).get("created_at").asText();
    assertThat(
            field(
                ok(
                    http()
                        .get(
                            ws
                                + "&created_at[gte]="
                                + encode(createdAt)
                                + "&created_at[lte]="
                                + encode(createdAt))),
                "id"))
        .containsExactly(made.get(1));
    assertInvalid(http().get("/v1/memory_stores?limit=101"), "limit");
    assertInvalid(http().get("/v1/memory_stores?page=nonsense"), "page");
  }

  @Test
  void archivingKeepsTheFirstArchivedAtAndClosesTheStoreToUpdatesAndMemoryWrites()
      throws Exception {
    String id = store();
    String memoryId = memory(id, "/kept.md", "old").get("id").asText();
    ok(http().post(memories(id) + "/" + memoryId, "{\"content\":\"new\"}"));
    String oldVersion = field(ok(http().get(versions(id) + "?operation=created")), "id").getFirst();

    JsonNode archived = ok(http().post("/v1/memory_stores/" + id + "/archive"));
    assertThat(archived.get("archived_at").isNull()).isFalse();
    assertThat(archived.get("updated_at")).isEqualTo(archived.get("archived_at"));
    assertThat(ok(http().post("/v1/memory_stores/" + id + "/archive"))).isEqualTo(archived);

    assertInvalid(http().post("/v1/memory_stores/" + id, "{\"name\":\"x\"}"), "archived");
    assertInvalid(create(id, "/new.md", "x"), "archived");
    assertInvalid(
        http().post(memories(id) + "/" + memoryId, "{\"content\":\"newer\"}"), "archived");

    assertThat(ok(http().get(memories(id) + "/" + memoryId)).get("content").asText())
        .isEqualTo("new");
    assertThat(ok(http().get(memories(id))).get("data")).hasSize(1);
    ok(http().post(versions(id) + "/" + oldVersion + "/redact"));
    ok(http().delete(memories(id) + "/" + memoryId));
    ok(http().delete("/v1/memory_stores/" + id));
  }

  @Test
  void deletingAStoreTakesItsMemoriesAndVersionsWithIt() {
    String id = store();
    String memoryId = memory(id, "/a.md", "a").get("id").asText();
    String versionId = field(ok(http().get(versions(id))), "id").getFirst();

    JsonNode deleted = ok(http().delete("/v1/memory_stores/" + id));
    assertThat(deleted.toString())
        .isEqualTo("{\"id\":\"" + id + "\",\"type\":\"memory_store_deleted\"}");
    assertThat(http().get("/v1/memory_stores/" + id).status()).isEqualTo(404);
    assertThat(http().get(memories(id) + "/" + memoryId).status()).isEqualTo(404);
    assertThat(http().get(versions(id) + "/" + versionId).status()).isEqualTo(404);
    assertThat(http().delete("/v1/memory_stores/" + id).status()).isEqualTo(404);
  }

  @Test
  void memoryStoreRoutesTakeEitherTheMemoryOrTheManagedAgentsBetaAndNoneOther() {
    String id = store();
    for (String beta : List.of("agent-memory-2026-07-22", "managed-agents-2026-04-01")) {
      var r =
          http()
              .send(
                  HttpRequest.newBuilder(URI.create(server.baseUrl() + memories(id)))
                      .header("Authorization", "Bearer " + TestServer.KEY)
                      .header("anthropic-beta", "files-api-2025-04-14," + beta));
      assertThat(r.status()).as(beta).isEqualTo(200);
    }
    var without =
        http()
            .send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/memory_stores"))
                    .header("Authorization", "Bearer " + TestServer.KEY)
                    .header("anthropic-beta", "files-api-2025-04-14"));
    assertInvalid(without, "agent-memory-2026-07-22");
    assertInvalid(without, "managed-agents-2026-04-01");
  }

  @Test
  void storesMemoriesAndVersionsOfAnotherWorkspaceAreNotFound() {
    String id = store();
    String memoryId = memory(id, "/a.md", "a").get("id").asText();
    String versionId = field(ok(http().get(versions(id))), "id").getFirst();
    Http other = server.http(TestServer.OTHER_KEY);

    List<Http.Response> answers =
        List.of(
            other.get("/v1/memory_stores/" + id),
            other.post("/v1/memory_stores/" + id, "{\"name\":\"mine\"}"),
            other.post("/v1/memory_stores/" + id + "/archive"),
            other.delete("/v1/memory_stores/" + id),
            other.post(memories(id), "{\"path\":\"/b.md\",\"content\":\"b\"}"),
            other.get(memories(id)),
            other.get(memories(id) + "/" + memoryId),
            other.post(memories(id) + "/" + memoryId, "{\"content\":\"mine\"}"),
            other.delete(memories(id) + "/" + memoryId),
            other.get(versions(id)),
            other.get(versions(id) + "/" + versionId),
            other.post(versions(id) + "/" + versionId + "/redact"));
    assertThat(answers)
        .allSatisfy(
            r -> {
              assertThat(r.status()).as(String.valueOf(r.json())).isEqualTo(404);
              assertThat(r.errorType()).isEqualTo("not_found_error");
            });
    assertThat(field(ok(other.get("/v1/memory_stores?limit=100")), "id")).doesNotContain(id);
    assertThat(ok(http().get(memories(id) + "/" + memoryId)).get("content").asText())
        .isEqualTo("a");
    assertThat(ok(http().get("/v1/memory_stores/" + id)).get("archived_at").isNull()).isTrue();
  }

  // Memories.

  @Test
  void aNewMemoryAnswersInTheBasicViewWithItsDigestAndSizeAndRetrieveGivesItsContent()
      throws Exception {
    String id = store();
    String text = "Prefers metric units.\n";
    JsonNode m = memory(id, "/preferences/units.md", text);
    assertThat(keys(m))
        .containsExactly(
            "id",
            "type",
            "memory_store_id",
            "memory_version_id",
            "path",
            "content",
            "content_sha256",
            "content_size_bytes",
            "created_at",
            "updated_at");
    assertThat(m.get("id").asText()).matches("mem_01[0-9A-Za-z]{22}");
    assertThat(m.get("memory_version_id").asText()).matches("memver_01[0-9A-Za-z]{22}");
    assertThat(m.get("type").asText()).isEqualTo("memory");
    assertThat(m.get("memory_store_id").asText()).isEqualTo(id);
    assertThat(m.get("content").isNull()).isTrue();
    assertThat(m.get("content_sha256").asText())
        .isEqualTo(sha256(text))
        .isEqualTo("643816ebdddcae6220f1cf8218621872a1370ffbf8dfb04409bf3cf344694326");
    assertThat(m.get("content_size_bytes").asLong()).isEqualTo(22);

    JsonNode full = ok(http().get(memories(id) + "/" + m.get("id").asText()));
    assertThat(full.get("content").asText()).isEqualTo(text);
    assertThat(
            ok(http().get(memories(id) + "/" + m.get("id").asText() + "?view=basic"))
                .get("content")
                .isNull())
        .isTrue();
    JsonNode createdFull =
        ok(http().post(memories(id) + "?view=full", "{\"path\":\"/u.md\",\"content\":\"ü\"}"));
    assertThat(createdFull.get("content").asText()).isEqualTo("ü");
    assertThat(createdFull.get("content_size_bytes").asLong()).isEqualTo(2);
    assertInvalid(http().get(memories(id) + "/" + m.get("id").asText() + "?view=all"), "view");
  }

  @Test
  void contentIsUtf8TextOfAtMost102400BytesAndEmptyIsAllowed() throws Exception {
    String id = store();
    JsonNode empty = memory(id, "/empty.md", "");
    assertThat(empty.get("content_size_bytes").asLong()).isZero();
    assertThat(empty.get("content_sha256").asText()).isEqualTo(sha256(""));

    String atLimit = "é".repeat(51_200); // two bytes each
    assertThat(memory(id, "/big.md", atLimit).get("content_size_bytes").asLong())
        .isEqualTo(102_400);
    assertInvalid(create(id, "/bigger.md", atLimit + "x"), "at most 102400 bytes");
    assertInvalid(http().post(memories(id), "{\"path\":\"/n.md\",\"content\":null}"), "content");
    assertInvalid(http().post(memories(id), "{\"path\":\"/n.md\"}"), "content is required");
    assertInvalid(http().post(memories(id), "{\"path\":\"/n.md\",\"content\":1}"), "string");
    assertInvalid(
        http().post(memories(id), "{\"path\":\"/n.md\",\"content\":\"x\",\"tags\":[]}"),
        "unknown field 'tags'");
  }

  @Test
  void pathsBreakingARuleAreRefusedNamingIt() {
    String id = store();
    String deep = "/s".repeat(21);
    String[][] cases = {
      {"notes.md", "must start with '/'"},
      {"/notes/", "must not end with '/'"},
      {"/", "must not end with '/'"},
      {"/a//b", "empty segments"},
      {"/a/./b", "'.' or '..' segments"},
      {"/a/../b", "'.' or '..' segments"},
      {"/a\u0007b", "control characters"},
      {"/a\u200Bb", "format characters"},
      {"/a\u2028b", "U+2028"},
      {"/e\u0301", "Normalization Form C"},
      {"/" + "x".repeat(1024), "at most 1024 bytes"},
      {deep, "at most 20 segments"},
      {"/" + "x".repeat(256), "segments must be at most 255 bytes"},
    };
    for (String[] c : cases) {
      assertInvalid(create(id, c[0], "x"), c[1]);
    }
    ok(create(id, "/s".repeat(20), "x"));
    ok(create(id, "/" + "x".repeat(255), "x"));
    ok(create(id, "/\u00e9", "precomposed é is NFC"));
    ok(create(id, "/Case.md", "x"));
    ok(create(id, "/case.md", "paths are case-sensitive"));
    assertThat(ok(http().get(memories(id) + "?limit=100")).get("data")).hasSize(5);
  }

  @Test
  void aPathTakenOrAboveOrBelowAnotherMemoryIsAPathConflictNamingThatMemory() {
    String id = store();
    String notes = memory(id, "/notes", "a file").get("id").asText();
    String todo = memory(id, "/projects/todo.md", "x").get("id").asText();

    JsonNode same = assertConflict(create(id, "/notes", "again"), "memory_path_conflict_error");
    assertThat(same.get("conflicting_path").asText()).isEqualTo("/notes");
    assertThat(same.get("conflicting_memory_id").asText()).isEqualTo(notes);

    JsonNode below =
        assertConflict(create(id, "/notes/todo.md", "x"), "memory_path_conflict_error");
    assertThat(below.get("conflicting_path").asText()).isEqualTo("/notes");
    assertThat(below.get("conflicting_memory_id").asText()).isEqualTo(notes);

    JsonNode above = assertConflict(create(id, "/projects", "x"), "memory_path_conflict_error");
    assertThat(above.get("conflicting_path").asText()).isEqualTo("/projects/todo.md");
    assertThat(above.get("conflicting_memory_id").asText()).isEqualTo(todo);
    assertThat(above.get("message").asText()).contains("/projects/todo.md");

    ok(create(id, "/notes-archive/a.md", "a sibling, not below"));
    ok(create(id, "/projects/done.md", "beside, not above"));
  }

  @Test
  void anUpdateKeepsTheIdWhenThePathChangesAndRecordsAModifiedVersion() {
    String id = store();
    JsonNode m = memory(id, "/draft.md", "text");
    String memoryId = m.get("id").asText();
    memory(id, "/taken/x.md", "x");

    JsonNode moved =
        ok(http().post(memories(id) + "/" + memoryId, "{\"path\":\"/final/done.md\"}"));
    assertThat(moved.get("id").asText()).isEqualTo(memoryId);
    assertThat(moved.get("path").asText()).isEqualTo("/final/done.md");
    assertThat(moved.get("content").isNull()).isTrue();
    assertThat(moved.get("content_sha256")).isEqualTo(m.get("content_sha256"));
    assertThat(moved.get("memory_version_id")).isNotEqualTo(m.get("memory_version_id"));
    assertThat(moved.get("created_at")).isEqualTo(m.get("created_at"));
    assertThat(moved.get("updated_at").asText()).isGreaterThan(m.get("updated_at").asText());

    JsonNode both =
        ok(
            http()
                .post(
                    memories(id) + "/" + memoryId + "?view=full",
                    "{\"path\":\"/final/v2.md\",\"content\":\"text v2\",\"precondition\":null}"));
    assertThat(both.get("content").asText()).isEqualTo("text v2");

    JsonNode v = ok(http().get(versions(id) + "/" + moved.get("memory_version_id").asText()));
    assertThat(v.get("operation").asText()).isEqualTo("modified");
    assertThat(v.get("path").asText()).isEqualTo("/final/done.md");
    assertThat(v.get("content").asText()).isEqualTo("text");

    assertConflict(
        http().post(memories(id) + "/" + memoryId, "{\"path\":\"/taken\"}"),
        "memory_path_conflict_error");
    assertInvalid(http().post(memories(id) + "/" + memoryId, "{\"path\":\"rel\"}"), "path");
    assertThat(http().post(memories(id) + "/mem_missing", "{\"content\":\"x\"}").status())
        .isEqualTo(404);
  }

  @Test
  void anUpdateWhosePreconditionNoLongerHoldsIsA409TellingTheCallerToReadAgain() throws Exception {
    String id = store();
    JsonNode m = memory(id, "/a.md", "one");
    String url = memories(id) + "/" + m.get("id").asText();
    String stale = m.get("content_sha256").asText();
    ok(http().post(url, "{\"content\":\"two\"}"));

    JsonNode error =
        assertConflict(
            http()
                .post(
                    url,
                    "{\"content\":\"three\",\"precondition\":{\"type\":\"content_sha256\","
                        + "\"content_sha256\":\""
                        + stale
                        + "\"}}"),
            "memory_precondition_failed_error");
    assertThat(error.get("message").asText()).contains("retrieve the memory again");
    assertThat(ok(http().get(url)).get("content").asText()).isEqualTo("two");

    JsonNode applied =
        ok(
            http()
                .post(
                    url,
                    "{\"content\":\"three\",\"precondition\":{\"type\":\"content_sha256\","
                        + "\"content_sha256\":\""
                        + sha256("two")
                        + "\"}}"));
    assertThat(applied.get("content_sha256").asText()).isEqualTo(sha256("three"));
  }

  @Test
  void anUpdateThatAsksForWhatTheMemoryAlreadyIsSucceedsWithoutANewVersionWhateverItsPrecondition()
      throws Exception {
    String id = store();
    JsonNode m = memory(id, "/a.md", "same");
    String url = memories(id) + "/" + m.get("id").asText();
    JsonNode again =
        ok(
            http()
                .post(
                    url,
                    "{\"content\":\"same\",\"path\":\"/a.md\",\"precondition\":{\"type\":"
                        + "\"content_sha256\",\"content_sha256\":\""
                        + sha256("something else")
                        + "\"}}"));
    assertThat(again.get("memory_version_id")).isEqualTo(m.get("memory_version_id"));
    assertThat(again.get("updated_at")).isEqualTo(m.get("updated_at"));
    assertThat(ok(http().get(versions(id))).get("data")).hasSize(1);
  }

  @Test
  void malformedPreconditionsAreRefused() {
    String id = store();
    String url = memories(id) + "/" + memory(id, "/a.md", "a").get("id").asText();
    assertInvalid(
        http()
            .post(
                url,
                "{\"content\":\"b\",\"precondition\":{\"type\":\"etag\",\"content_sha256\":\"x\"}}"),
        "precondition.type must be 'content_sha256'");
    assertInvalid(
        http().post(url, "{\"content\":\"b\",\"precondition\":{\"type\":\"content_sha256\"}}"),
        "precondition.content_sha256 is required");
    assertInvalid(
        http()
            .post(
                url,
                "{\"content\":\"b\",\"precondition\":{\"type\":\"content_sha256\","
                    + "\"content_sha256\":\""
                    + "A".repeat(64)
                    + "\"}}"),
        "64 lowercase hexadecimal");
    assertInvalid(
        http().post(url, "{\"content\":\"b\",\"precondition\":\"sha\"}"), "must be an object");
    assertInvalid(
        http().delete(url + "?expected_content_sha256=abc"), "expected_content_sha256 must be 64");
  }

  @Test
  void aDeleteWithAStaleDigestDeletesNothingAndOneWithTheCurrentDigestDeletes() throws Exception {
    String id = store();
    JsonNode m = memory(id, "/a.md", "a");
    String url = memories(id) + "/" + m.get("id").asText();
    assertConflict(
        http().delete(url + "?expected_content_sha256=" + sha256("b")),
        "memory_precondition_failed_error");
    assertThat(http().get(url).status()).isEqualTo(200);

    JsonNode deleted = ok(http().delete(url + "?expected_content_sha256=" + sha256("a")));
    assertThat(deleted.toString())
        .isEqualTo("{\"id\":\"" + m.get("id").asText() + "\",\"type\":\"memory_deleted\"}");
    assertThat(http().get(url).status()).isEqualTo(404);
    assertThat(http().delete(url).status()).isEqualTo(404);
    ok(create(id, "/a.md", "the path is free again"));
  }

  @Test
  void pathPrefixMatchesWholeSegmentsAndDepthOneRollsDeeperMemoriesIntoPrefixes() {
    String id = store();
    for (String p :
        List.of(
            "/notes/todo.md",
            "/notes/2026/jan.md",
            "/notes/2026/feb.md",
            "/notes/2025/dec/31.md",
            "/notes-archive/old.md",
            "/readme.md",
            "/zeta/z.md")) {
      memory(id, p, p);
    }
    assertThat(paths(ok(http().get(memories(id) + "?path_prefix=/notes/"))))
        .containsExactly(
            "/notes/2025/dec/31.md", "/notes/2026/feb.md", "/notes/2026/jan.md", "/notes/todo.md");
    assertThat(paths(ok(http().get(memories(id) + "?depth=1"))))
        .containsExactly("prefix /notes-archive/", "prefix /notes/", "/readme.md", "prefix /zeta/");
    assertThat(paths(ok(http().get(memories(id) + "?path_prefix=/notes/&depth=1"))))
        .containsExactly("prefix /notes/2025/", "prefix /notes/2026/", "/notes/todo.md");
    assertThat(paths(ok(http().get(memories(id) + "?path_prefix=/notes/&depth=2"))))
        .containsExactly(
            "prefix /notes/2025/dec/",
            "/notes/2026/feb.md",
            "/notes/2026/jan.md",
            "/notes/todo.md");
    assertThat(paths(ok(http().get(memories(id) + "?path_prefix=/nothing/")))).isEmpty();
    JsonNode prefix = ok(http().get(memories(id) + "?depth=1")).get("data").get(0);
    assertThat(prefix.toString())
        .isEqualTo("{\"type\":\"memory_prefix\",\"path\":\"/notes-archive/\"}");

    assertInvalid(http().get(memories(id) + "?path_prefix=/notes"), "start and end with '/'");
    assertInvalid(http().get(memories(id) + "?path_prefix=notes/"), "start and end with '/'");
    assertInvalid(http().get(memories(id) + "?path_prefix=/a//"), "empty segments");
    assertInvalid(http().get(memories(id) + "?depth=-1"), "depth must be 0 or more");
    assertInvalid(http().get(memories(id) + "?depth=one"), "depth must be an integer");
  }

  @Test
  void listPagesFollowOnePathOrderAcrossMemoriesAndPrefixes() {
    String id = store();
    List<String> expected = new ArrayList<>();
    for (int d = 0; d < 4; d++) {
      for (int f = 0; f < 3; f++) {
        memory(id, "/d" + d + "/f" + f + ".md", "x");
      }
      memory(id, "/m" + d + ".md", "x");
      expected.add("prefix /d" + d + "/");
    }
    for (int d = 0; d < 4; d++) {
      expected.add("/m" + d + ".md");
    }
    List<String> seen = new ArrayList<>();
    String page = null;
    int pages = 0;
    do {
      JsonNode p =
          ok(http().get(memories(id) + "?depth=1&limit=3" + (page == null ? "" : "&page=" + page)));
      seen.addAll(paths(p));
      assertThat(p.get("data").size()).isPositive();
      page = p.get("next_page").isNull() ? null : p.get("next_page").asText();
      pages++;
    } while (page != null);
    assertThat(seen).containsExactlyElementsOf(expected);
    assertThat(pages).isEqualTo(3);

    JsonNode flat = ok(http().get(memories(id) + "?limit=5"));
    String cursor = flat.get("next_page").asText();
    assertThat(paths(ok(http().get(memories(id) + "?limit=5&page=" + cursor))))
        .startsWith("/d1/f2.md");
    assertInvalid(
        http().get(memories(id) + "?path_prefix=/m0/&page=" + cursor),
        "page is not a cursor of this list");
  }

  @Test
  void depthOneListsLongRunsOfMemoriesAndOfPrefixesInPathOrderAcrossPages() {
    String id = store();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String path = String.format("/a%02d.md", i);
      memory(id, path, "x");
      expected.add(path);
    }
    for (String d : List.of("b", "c", "d")) {
      memory(id, "/" + d + "/one.md", "x");
      memory(id, "/" + d + "/two/deeper.md", "x");
      expected.add("prefix /" + d + "/");
    }
    for (int i = 0; i < 5; i++) {
      String path = "/e" + i + ".md";
      memory(id, path, "x");
      expected.add(path);
    }
    assertThat(paths(ok(http().get(memories(id) + "?depth=1&limit=100"))))
        .containsExactlyElementsOf(expected);
    List<String> seen = new ArrayList<>();
    for (var page : Fixtures.pages(http(), memories(id) + "?depth=1&limit=7")) {
      seen.addAll(paths(ok(page)));
    }
    assertThat(seen).containsExactlyElementsOf(expected);
  }

  @Test
  void theFullViewIncludesContentAndHoldsAtMost20ItemsAPage() {
    String id = store();
    for (int i = 0; i < 25; i++) {
      memory(id, String.format("/m%02d.md", i), "content " + i);
    }
    JsonNode basic = ok(http().get(memories(id) + "?limit=100"));
    assertThat(basic.get("data")).hasSize(25);
    assertThat(basic.get("data").get(0).get("content").isNull()).isTrue();
    JsonNode full = ok(http().get(memories(id) + "?limit=100&view=full"));
    assertThat(full.get("data")).hasSize(20);
    assertThat(full.get("data").get(0).get("content").asText()).isEqualTo("content 0");
    JsonNode rest =
        ok(
            http()
                .get(memories(id) + "?limit=100&view=full&page=" + full.get("next_page").asText()));
    assertThat(rest.get("data")).hasSize(5);
    assertThat(rest.get("next_page").isNull()).isTrue();
  }

  // Versions.

  @Test
  void everyCreateModifyAndDeleteMakesAVersionNamingTheCallersKey() throws Exception {
    String id = store();
    JsonNode m = memory(id, "/a.md", "one");
    String memoryId = m.get("id").asText();
    String url = memories(id) + "/" + memoryId;
    ok(http().post(url, "{\"content\":\"two\"}"));
    ok(http().post(url, "{\"path\":\"/b.md\"}"));
    ok(http().delete(url));

    JsonNode page = ok(http().get(versions(id) + "?memory_id=" + memoryId));
    assertThat(field(page, "operation"))
        .containsExactly("deleted", "modified", "modified", "created");
    assertThat(field(page, "path")).containsExactly("/b.md", "/b.md", "/a.md", "/a.md");
    JsonNode deleted = page.get("data").get(0);
    assertThat(keys(deleted))
        .containsExactly(
            "id",
            "type",
            "memory_store_id",
            "memory_id",
            "operation",
            "path",
            "content",
            "content_sha256",
            "content_size_bytes",
            "created_by",
            "created_at",
            "redacted_at",
            "redacted_by");
    assertThat(deleted.get("content_sha256").isNull()).isTrue();
    assertThat(deleted.get("content_size_bytes").isNull()).isTrue();
    JsonNode created = page.get("data").get(3);
    assertThat(created.get("id").asText()).isEqualTo(m.get("memory_version_id").asText());
    assertThat(created.get("content").isNull()).as("basic view").isTrue();
    assertThat(created.get("content_sha256").asText()).isEqualTo(sha256("one"));
    assertThat(created.get("content_size_bytes").asLong()).isEqualTo(3);
    assertThat(created.get("redacted_at").isNull()).isTrue();
    assertThat(created.get("redacted_by").isNull()).isTrue();
    JsonNode author = created.get("created_by");
    assertThat(keys(author)).containsExactly("type", "api_key_id");
    assertThat(author.get("type").asText()).isEqualTo("api_actor");
    assertThat(author.get("api_key_id").asText()).matches("apikey_01[0-9A-Za-z]{22}");
    page.get("data").forEach(v -> assertThat(v.get("created_by")).isEqualTo(author));

    JsonNode full = ok(http().get(versions(id) + "?memory_id=" + memoryId + "&view=full"));
    assertThat(field(full, "content")).containsExactly("null", "two", "two", "one");
    assertThat(
            ok(http().get(versions(id) + "/" + created.get("id").asText())).get("content").asText())
        .isEqualTo("one");
  }

  @Test
  void versionListsFilterByMemoryOperationAuthorAndTimeAndPageNewestFirst() {
    String id = store();
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      made.add(0, memory(id, "/m" + i + ".md", "x").get("memory_version_id").asText());
    }
    String key =
        ok(http().get(versions(id)))
            .get("data")
            .get(0)
            .get("created_by")
            .get("api_key_id")
            .asText();

    JsonNode first = ok(http().get(versions(id) + "?limit=2"));
    assertThat(field(first, "id")).containsExactlyElementsOf(made.subList(0, 2));
    JsonNode second =
        ok(http().get(versions(id) + "?limit=2&page=" + first.get("next_page").asText()));
    assertThat(field(second, "id")).containsExactlyElementsOf(made.subList(2, 4));

    assertThat(field(ok(http().get(versions(id) + "?api_key_id=" + key)), "id")).hasSize(5);
    assertThat(ok(http().get(versions(id) + "?api_key_id=apikey_other")).get("data")).isEmpty();
    assertThat(ok(http().get(versions(id) + "?session_id=sesn_any")).get("data")).isEmpty();
    assertThat(ok(http().get(versions(id) + "?service_account_id=svac_any")).get("data")).isEmpty();
    assertThat(ok(http().get(versions(id) + "?operation=deleted")).get("data")).isEmpty();
    String createdAt = ok(http().get(versions(id) + "/" + made.get(2))).get("created_at").asText();
    assertThat(
            field(
                ok(
                    http()
                        .get(
                            versions(id)
                                + "?created_at[gte]="
                                + encode(createdAt)
                                + "&created_at[lte]="
                                + encode(createdAt))),
                "id"))
        .containsExactly(made.get(2));
    assertInvalid(http().get(versions(id) + "?operation=renamed"), "operation must be");
    assertInvalid(
        http().get(versions(id) + "?page=" + first.get("next_page").asText() + "x"), "page");
    assertThat(http().get(versions(id) + "/memver_missing").status()).isEqualTo(404);
  }

  @Test
  void eachKeyIsRecordedAsTheAuthorUnderAnIdOfItsOwn() {
    String mine = store();
    memory(mine, "/a.md", "a");
    Http other = server.http(TestServer.OTHER_KEY);
    String theirs = ok(other.post("/v1/memory_stores", "{\"name\":\"theirs\"}")).get("id").asText();
    ok(other.post(memories(theirs), "{\"path\":\"/a.md\",\"content\":\"a\"}"));
    String myKey =
        ok(http().get(versions(mine)))
            .get("data")
            .get(0)
            .get("created_by")
            .get("api_key_id")
            .asText();
    String theirKey =
        ok(other.get(versions(theirs)))
            .get("data")
            .get(0)
            .get("created_by")
            .get("api_key_id")
            .asText();
    assertThat(theirKey).matches("apikey_01[0-9A-Za-z]{22}").isNotEqualTo(myKey);
  }

  @Test
  void redactingAVersionErasesItsPathAndContentAndKeepsTheAuditTrail() throws Exception {
    String id = store();
    JsonNode m = memory(id, "/secret.md", "password=hunter2");
    String url = memories(id) + "/" + m.get("id").asText();
    ok(http().post(url, "{\"content\":\"password=<removed>\",\"path\":\"/clean.md\"}"));
    String old = m.get("memory_version_id").asText();

    JsonNode redacted = ok(http().post(versions(id) + "/" + old + "/redact"));
    assertThat(redacted.get("id").asText()).isEqualTo(old);
    assertThat(redacted.get("operation").asText()).isEqualTo("created");
    assertThat(redacted.get("memory_id")).isEqualTo(m.get("id"));
    assertThat(redacted.get("path").isNull()).isTrue();
    assertThat(redacted.get("content").isNull()).isTrue();
    assertThat(redacted.get("content_sha256").isNull()).isTrue();
    assertThat(redacted.get("content_size_bytes").isNull()).isTrue();
    assertThat(redacted.get("created_by").get("type").asText()).isEqualTo("api_actor");
    assertThat(redacted.get("redacted_at").isNull()).isFalse();
    assertThat(redacted.get("redacted_by")).isEqualTo(redacted.get("created_by"));
    assertThat(ok(http().get(versions(id) + "/" + old))).isEqualTo(redacted);
    assertThat(ok(http().post(versions(id) + "/" + old + "/redact")))
        .as("redacting again changes nothing")
        .isEqualTo(redacted);
    assertThat(ok(http().get(url)).get("content").asText()).isEqualTo("password=<removed>");
    assertThat(ok(http().get(versions(id))).get("data")).hasSize(2);
  }

  @Test
  void theVersionHoldingAMemorysCurrentContentCannotBeRedactedUntilTheMemoryMovesOn() {
    String id = store();
    JsonNode m = memory(id, "/a.md", "a");
    String current = m.get("memory_version_id").asText();
    JsonNode error =
        assertConflict(http().post(versions(id) + "/" + current + "/redact"), "conflict_error");
    assertThat(error.get("message").asText()).contains("update or delete the memory first");
    assertThat(ok(http().get(versions(id) + "/" + current)).get("content").asText()).isEqualTo("a");

    ok(http().delete(memories(id) + "/" + m.get("id").asText()));
    JsonNode redacted = ok(http().post(versions(id) + "/" + current + "/redact"));
    assertThat(redacted.get("redacted_at").isNull()).isFalse();
    String deletion = field(ok(http().get(versions(id) + "?operation=deleted")), "id").getFirst();
    assertThat(ok(http().post(versions(id) + "/" + deletion + "/redact")).get("path").isNull())
        .isTrue();
    assertThat(http().post(versions(id) + "/memver_missing/redact").status()).isEqualTo(404);
  }

  @Test
  void memoryWritesOfUnknownStoresAreNotFound() {
    String missing = "memstore_01" + "0".repeat(22);
    assertThat(create(missing, "/a.md", "a").status()).isEqualTo(404);
    assertThat(http().get(memories(missing)).status()).isEqualTo(404);
    assertThat(http().get(versions(missing)).status()).isEqualTo(404);
    assertThat(http().get(memories(missing) + "/mem_x").status()).isEqualTo(404);
  }
}
