package dev.berth.memory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.json.Json;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code memory_store} session resources over real HTTP: attached at creation with their rules,
 * answered in the SDK's shape, fixed for the session's life, and listed by store.
 */
class MemoryStoreResourcesApiTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  static Http http() {
    return server.http();
  }

  static String store(Http http, String name, String description) {
    var r =
        http.post(
            "/v1/memory_stores",
            Json.write(java.util.Map.of("name", name, "description", description)));
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    return r.json().get("id").asText();
  }

  static String attach(String storeId, String extra) {
    return "{\"type\":\"memory_store\",\"memory_store_id\":\""
        + storeId
        + "\""
        + (extra.isEmpty() ? "" : "," + extra)
        + "}";
  }

  static Http.Response create(Http http, String... resources) {
    return Fixtures.createSession(http, resources);
  }

  static JsonNode created(String... resources) {
    var r = create(http(), resources);
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    return r.json();
  }

  @Test
  void anAttachedStoreIsAnsweredWithExactlyTheSdkFieldsAndItsNameAndDescriptionSnapshotted() {
    String storeId = store(http(), "User Préférences!", "what the user likes");
    JsonNode session =
        created(attach(storeId, "\"access\":\"read_only\",\"instructions\":\"read me first\""));
    JsonNode r = session.get("resources").get(0);
    Set<String> fields = new TreeSet<>();
    r.fieldNames().forEachRemaining(fields::add);
    assertThat(fields)
        .containsExactly(
            "access",
            "description",
            "instructions",
            "memory_store_id",
            "mount_path",
            "name",
            "type");
    assertThat(r.get("type").asText()).isEqualTo("memory_store");
    assertThat(r.get("memory_store_id").asText()).isEqualTo(storeId);
    assertThat(r.get("access").asText()).isEqualTo("read_only");
    assertThat(r.get("instructions").asText()).isEqualTo("read me first");
    assertThat(r.get("name").asText()).isEqualTo("User Préférences!");
    assertThat(r.get("description").asText()).isEqualTo("what the user likes");
    assertThat(r.get("mount_path").asText()).isEqualTo("/mnt/memory/user-preferences");

    assertThat(
            http()
                .post("/v1/memory_stores/" + storeId, "{\"name\":\"renamed\",\"description\":\"\"}")
                .status())
        .isEqualTo(200);
    var again = http().get("/v1/sessions/" + session.get("id").asText());
    assertThat(again.json().get("resources").get(0)).isEqualTo(r);
    var listed = http().get("/v1/sessions/" + session.get("id").asText() + "/resources");
    assertThat(listed.json().get("data").get(0)).isEqualTo(r);
  }

  @Test
  void accessDefaultsToReadWriteAndInstructionsToNull() {
    JsonNode r = created(attach(store(http(), "notes", ""), "")).get("resources").get(0);
    assertThat(r.get("access").asText()).isEqualTo("read_write");
    assertThat(r.get("instructions").isNull()).isTrue();
    assertThat(r.get("description").asText()).isEmpty();
  }

  @Test
  void storesWithTheSameSlugGetNumberedMountPathsInAttachOrder() {
    JsonNode resources =
        created(
                attach(store(http(), "Team Notes", ""), ""),
                attach(store(http(), "team-notes", ""), ""),
                attach(store(http(), "TEAM  notes", ""), ""),
                attach(store(http(), "!!!", ""), ""))
            .get("resources");
    List<String> paths = new ArrayList<>();
    resources.forEach(r -> paths.add(r.get("mount_path").asText()));
    assertThat(paths)
        .containsExactly(
            "/mnt/memory/team-notes",
            "/mnt/memory/team-notes-2",
            "/mnt/memory/team-notes-3",
            "/mnt/memory/memory");
  }

  @Test
  void nineStoresAreA400AndEightAreAccepted() {
    List<String> stores = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      stores.add(attach(store(http(), "s" + i, ""), ""));
    }
    var nine = create(http(), stores.toArray(String[]::new));
    assertThat(nine.status()).isEqualTo(400);
    assertThat(nine.errorType()).isEqualTo("invalid_request_error");
    assertThat(nine.json().at("/error/message").asText()).contains("at most 8 memory_store");
    assertThat(created(stores.subList(0, 8).toArray(String[]::new)).get("resources")).hasSize(8);
  }

  @Test
  void badAttachmentsAre400NamingTheRuleAndCreateNoSession() {
    String storeId = store(http(), "rules", "");
    String archived = store(http(), "old", "");
    assertThat(http().post("/v1/memory_stores/" + archived + "/archive", "{}").status())
        .isEqualTo(200);
    int before = sessionCount();
    record Case(String resource, String message) {}
    for (var c :
        List.of(
            new Case(attach(storeId, "\"access\":\"write_only\""), "access must be"),
            new Case(
                attach(
                    storeId,
                    "\"instructions\":"
                        + Json.write(String.join("", Collections.nCopies(4097, "é")))),
                "instructions must be at most 4096 characters"),
            new Case(attach(storeId, "\"mount_path\":\"/mnt/memory/x\""), "mount_path"),
            new Case(attach(archived, ""), "is archived"))) {
      var r = create(http(), attach(store(http(), "first", ""), ""), c.resource());
      assertThat(r.status()).as(c.resource()).isEqualTo(400);
      assertThat(r.errorType()).isEqualTo("invalid_request_error");
      assertThat(r.json().at("/error/message").asText()).contains(c.message());
    }
    assertThat(sessionCount()).isEqualTo(before);
    String longest = String.join("", Collections.nCopies(4096, "é"));
    assertThat(
            created(attach(storeId, "\"instructions\":" + Json.write(longest)))
                .at("/resources/0/instructions")
                .asText())
        .isEqualTo(longest);
  }

  @Test
  void aStoreOfAnotherWorkspaceOrNoneIsA404() {
    String theirs = store(server.http(TestServer.OTHER_KEY), "theirs", "");
    for (String id : List.of(theirs, "memstore_01nonexistent")) {
      var r = create(http(), attach(id, ""));
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.errorType()).isEqualTo("not_found_error");
    }
  }

  @Test
  void memoryStoreResourcesCannotBeAddedUpdatedOrDeletedAfterCreation() {
    String storeId = store(http(), "fixed", "");
    String session = created(attach(storeId, "")).get("id").asText();
    String base = "/v1/sessions/" + session + "/resources";
    var add = http().post(base, attach(storeId, ""));
    assertThat(add.status()).isEqualTo(400);
    assertThat(add.json().at("/error/message").asText())
        .contains("memory stores are attached when the session is created");
    String resourceId =
        http()
            .get("/berth/v1/sessions/" + session + "/sandbox")
            .json()
            .at("/resources/0/id")
            .asText();
    var update = http().post(base + "/" + resourceId, "{\"authorization_token\":\"t\"}");
    var delete = http().delete(base + "/" + resourceId);
    for (var r : List.of(update, delete)) {
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.errorType()).isEqualTo("invalid_request_error");
      assertThat(r.json().at("/error/message").asText())
          .contains("cannot be changed or removed afterwards");
    }
    assertThat(http().get(base).json().get("data")).hasSize(1);
  }

  @Test
  void listingSessionsByMemoryStoreIdFindsExactlyTheSessionsWithItAttachedPageByPage() {
    String shared = store(http(), "shared", "");
    String other = store(http(), "other", "");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      expected.add(created(attach(shared, ""), attach(other, "")).get("id").asText());
    }
    created(attach(other, ""));
    Fixtures.session(http());
    Collections.reverse(expected); // newest first
    List<String> seen = new ArrayList<>();
    for (var page : Fixtures.pages(http(), "/v1/sessions?limit=2&memory_store_id=" + shared)) {
      assertThat(page.status()).isEqualTo(200);
      page.json().get("data").forEach(s -> seen.add(s.get("id").asText()));
    }
    assertThat(seen).isEqualTo(expected);
    var theirs = server.http(TestServer.OTHER_KEY).get("/v1/sessions?memory_store_id=" + shared);
    assertThat(theirs.json().get("data")).isEmpty();
  }

  private static int sessionCount() {
    int n = 0;
    for (var page : Fixtures.pages(http(), "/v1/sessions?limit=100&include_archived=true")) {
      n += page.json().get("data").size();
    }
    return n;
  }
}
