package dev.berth;

import static dev.berth.testing.ApiAssertions.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.Fixtures;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AgentsApiTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  static JsonNode create(String body) {
    var r = server.http().post("/v1/agents", body);
    assertThat(r.status()).as(String.valueOf(r.json())).isEqualTo(200);
    return r.json();
  }

  /** Expects creating with {@code body} to be invalid, with {@code messagePart} in the message. */
  static void assertCreateInvalid(String body, String messagePart) {
    assertInvalid(server.http().post("/v1/agents", body), messagePart);
  }

  /** The agent ids of a list page, in order. */
  static List<String> ids(JsonNode page) {
    List<String> out = new ArrayList<>();
    page.get("data").forEach(a -> out.add(a.get("id").asText()));
    return out;
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void minimalCreateMatchesTheGoldenShape() {
    JsonNode a = create("{\"model\":\"claude-sonnet-4-6\",\"name\":\"Support Agent\"}");
    assertThat(a.get("id").asText()).matches("agent_01[0-9A-Za-z]{22}");
    List<String> keys = new ArrayList<>();
    a.fieldNames().forEachRemaining(keys::add);
    assertThat(keys)
        .containsExactly(
            "id",
            "type",
            "version",
            "name",
            "description",
            "system",
            "model",
            "execution_identity",
            "mcp_servers",
            "skills",
            "tools",
            "multiagent",
            "metadata",
            "archived_at",
            "created_at",
            "updated_at");
    assertThat(a.get("type").asText()).isEqualTo("agent");
    assertThat(a.get("version").asInt()).isEqualTo(1);
    assertThat(a.get("model").toString()).isEqualTo("{\"id\":\"claude-sonnet-4-6\"}");
    assertThat(a.get("execution_identity").toString()).isEqualTo("{\"type\":\"service_account\"}");
    assertThat(a.get("description").isNull()).isTrue();
    assertThat(a.get("system").isNull()).isTrue();
    assertThat(a.get("multiagent").isNull()).isTrue();
    assertThat(a.get("archived_at").isNull()).isTrue();
    assertThat(a.get("tools").toString()).isEqualTo("[]");
    assertThat(a.get("metadata").toString()).isEqualTo("{}");
  }

  @Test
  void createResolvesToolsetModelAndMcp() {
    JsonNode a =
        create(
            "{\"model\":{\"id\":\"claude-sonnet-4-6\",\"effort\":\"medium\","
                + "\"speed\":\"standard\"},\"name\":\"A\",\"system\":\"You"
                + " help.\",\"tools\":[{\"type\":"
                + "\"agent_toolset_20260401\",\"configs\":[{\"name\":\"bash\",\"enabled\":false}]},"
                + "{\"type\":\"mcp_toolset\",\"mcp_server_name\":\"docs\"},{\"type\":\"custom\","
                + "\"name\":\"lookup\",\"description\":\"Look"
                + " up\",\"input_schema\":{\"type\":"
                + "\"object\"}}],\"mcp_servers\":[{\"type\":\"url\",\"name\":\"docs\","
                + "\"url\":\"https://mcp.example.com/sse\"}],\"skills\":[{\"type\":\"anthropic\","
                + "\"skill_id\":\"xlsx\"}],\"execution_identity\":{\"type\":\"aws_role\","
                + "\"role_arn\":\"arn:aws:iam::123:role/agent\"},\"metadata\":{\"team\":\"x\"}}");
    assertThat(a.get("model").toString())
        .isEqualTo(
            "{\"id\":\"claude-sonnet-4-6\",\"effort\":{\"type\":\"medium\"},"
                + "\"speed\":\"standard\"}");
    JsonNode toolset = a.get("tools").get(0);
    assertThat(toolset.get("configs")).hasSize(8);
    assertThat(toolset.get("configs").get(0).get("enabled").asBoolean()).isFalse();
    assertThat(toolset.get("configs").get(6).get("url_sources").isNull()).isTrue();
    assertThat(
            a.get("tools")
                .get(1)
                .get("default_config")
                .get("permission_policy")
                .get("type")
                .asText())
        .isEqualTo("always_ask");
    assertThat(a.get("tools").get(2).get("name").asText()).isEqualTo("lookup");
    assertThat(a.get("skills").get(0).get("version").asText()).isEqualTo("latest");
    assertThat(a.get("execution_identity").get("role_arn").asText())
        .isEqualTo("arn:aws:iam::123:role/agent");
    assertThat(a.get("mcp_servers").get(0).get("url").asText())
        .isEqualTo("https://mcp.example.com/sse");
  }

  @Test
  void createRejectsInvalidBodies() {
    assertCreateInvalid("{\"name\":\"A\"}", "model is required");
    assertCreateInvalid("{\"model\":\"m\"}", "name is required");
    assertCreateInvalid("{\"model\":\"m\",\"name\":\"\"}", "must not be empty");
    assertCreateInvalid("{\"model\":\"m\",\"name\":3}", "name must be a string");
    assertCreateInvalid("{\"model\":7,\"name\":\"A\"}", "model must be");
    assertCreateInvalid("{\"model\":\"m\",\"name\":\"A\",\"temperature\":1}", "'temperature'");
    assertCreateInvalid(
        "{\"model\":{\"id\":\"m\",\"effort\":\"extreme\"},\"name\":\"A\"}", "'extreme'");
    assertCreateInvalid("{\"model\":\"m\",\"name\":\"A\",\"tools\":{}}", "tools must be an array");
    assertCreateInvalid(
        "{\"model\":\"m\",\"name\":\"A\",\"tools\":[{\"type\":\"shell\"}]}", "'shell'");
    assertCreateInvalid(
        "{\"model\":\"m\",\"name\":\"A\",\"mcp_servers\":[{\"type\":\"url\",\"name\":\"s\","
            + "\"url\":\"https://x.io\"}]}",
        "not used by any mcp_toolset");
    assertCreateInvalid(
        "{\"model\":\"m\",\"name\":\"A\",\"tools\":[{\"type\":\"mcp_toolset\","
            + "\"mcp_server_name\":\"s\"}]}",
        "does not name a server");
    assertCreateInvalid(
        "{\"model\":\"m\",\"name\":\"A\",\"description\":false}", "description must be a string");
    assertCreateInvalid(
        "{\"model\":\"m\",\"name\":\"A\",\"execution_identity\":{\"type\":\"x\"}}",
        "execution_identity.type");
    StringBuilder tools = new StringBuilder("[");
    for (int i = 0; i < 257; i++) {
      tools
          .append(i == 0 ? "" : ",")
          .append("{\"type\":\"custom\",\"name\":\"t")
          .append(i)
          .append("\",\"description\":\"d\",\"input_schema\":{}}");
    }
    assertCreateInvalid("{\"model\":\"m\",\"name\":\"A\",\"tools\":" + tools + "]}", "at most 256");
    var multi =
        server
            .http()
            .post(
                "/v1/agents",
                "{\"model\":\"m\",\"name\":\"A\",\"multiagent\":{\"type\":\"coordinator\","
                    + "\"agents\":[\"agent_011CZkYpogX7uDKUyvBTophP\"]}}");
    assertThat(multi.status()).isEqualTo(404);
  }

  @Test
  void retrieveByVersion() {
    String id = create("{\"model\":\"m\",\"name\":\"v1\"}").get("id").asText();
    server.http().post("/v1/agents/" + id, "{\"name\":\"v2\"}");
    assertThat(server.http().get("/v1/agents/" + id).json().get("name").asText()).isEqualTo("v2");
    var v1 = server.http().get("/v1/agents/" + id + "?version=1");
    assertThat(v1.status()).isEqualTo(200);
    assertThat(v1.json().get("name").asText()).isEqualTo("v1");
    assertThat(v1.json().get("version").asInt()).isEqualTo(1);
    assertThat(server.http().get("/v1/agents/" + id + "?version=2").json().get("name").asText())
        .isEqualTo("v2");
    assertInvalid(server.http().get("/v1/agents/" + id + "?version=0"), "version");
    assertInvalid(server.http().get("/v1/agents/" + id + "?version=x"), "version");
    assertThat(server.http().get("/v1/agents/" + id + "?version=3").status()).isEqualTo(404);
    assertThat(server.http().get("/v1/agents/agent_011CZkYpogX7uDKUyvBTophP").status())
        .isEqualTo(404);
    var other = server.http(TestServer.OTHER_KEY);
    for (var r :
        List.of(
            other.get("/v1/agents/" + id),
            other.post("/v1/agents/" + id, "{\"name\":\"x\"}"),
            other.get("/v1/agents/" + id + "/versions"),
            other.post("/v1/agents/" + id + "/archive"))) {
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.errorType()).isEqualTo("not_found_error");
    }
  }

  @Test
  void updateBumpsVersionOnlyOnRealChange() {
    JsonNode a = create("{\"model\":\"m\",\"name\":\"A\",\"metadata\":{\"k\":\"v\"}}");
    String id = a.get("id").asText();
    var same =
        server.http().post("/v1/agents/" + id, "{\"name\":\"A\",\"model\":\"m\",\"version\":1}");
    assertThat(same.status()).isEqualTo(200);
    assertThat(same.json()).isEqualTo(a);
    var empty = server.http().post("/v1/agents/" + id, "{}");
    assertThat(empty.json()).isEqualTo(a);

    var changed =
        server
            .http()
            .post(
                "/v1/agents/" + id,
                "{\"version\":1,\"system\":\"Be brief.\",\"metadata\":{\"k\":null,\"n\":\"1\"},"
                    + "\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}");
    assertThat(changed.status()).isEqualTo(200);
    assertThat(changed.json().get("version").asInt()).isEqualTo(2);
    assertThat(changed.json().get("system").asText()).isEqualTo("Be brief.");
    assertThat(changed.json().get("metadata").toString()).isEqualTo("{\"n\":\"1\"}");
    assertThat(changed.json().get("updated_at").asText())
        .isGreaterThan(a.get("updated_at").asText());
    assertThat(changed.json().get("created_at")).isEqualTo(a.get("created_at"));

    var cleared = server.http().post("/v1/agents/" + id, "{\"tools\":[],\"system\":null}");
    assertThat(cleared.json().get("version").asInt()).isEqualTo(3);
    assertThat(cleared.json().get("tools").toString()).isEqualTo("[]");
    assertThat(cleared.json().get("system").isNull()).isTrue();
    var nulled =
        server
            .http()
            .post("/v1/agents/" + id, "{\"skills\":[{\"type\":\"custom\",\"skill_id\":\"s\"}]}");
    assertThat(nulled.json().get("version").asInt()).isEqualTo(4);
    var skillsCleared = server.http().post("/v1/agents/" + id, "{\"skills\":null}");
    assertThat(skillsCleared.json().get("skills").toString()).isEqualTo("[]");
    assertThat(skillsCleared.json().get("version").asInt()).isEqualTo(5);
  }

  @Test
  void staleVersionIsAConflictThatIsNotRetried() {
    String id = create("{\"model\":\"m\",\"name\":\"A\"}").get("id").asText();
    server.http().post("/v1/agents/" + id, "{\"name\":\"B\"}");
    var r = server.http().post("/v1/agents/" + id, "{\"version\":1,\"name\":\"C\"}");
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.errorType()).isEqualTo("conflict_error");
    assertThat(r.header("x-should-retry")).isEqualTo("false");
    assertThat(server.http().get("/v1/agents/" + id).json().get("name").asText()).isEqualTo("B");
  }

  @Test
  void updateRejectsInvalidValues() {
    String id = create("{\"model\":\"m\",\"name\":\"A\"}").get("id").asText();
    assertInvalid(
        server.http().post("/v1/agents/" + id, "{\"version\":\"1\"}"),
        "version must be an integer");
    assertInvalid(server.http().post("/v1/agents/" + id, "{\"name\":\"\"}"), "must not be empty");
    assertInvalid(server.http().post("/v1/agents/" + id, "{\"colour\":\"red\"}"), "'colour'");
    assertInvalid(
        server
            .http()
            .post(
                "/v1/agents/" + id,
                "{\"mcp_servers\":[{\"name\":\"s\",\"url\":\"https://x.io\"}]}"),
        "not used by any mcp_toolset");
    assertInvalid(server.http().post("/v1/agents/" + id, "{\"metadata\":{\"k\":5}}"), "metadata.k");
    assertThat(server.http().get("/v1/agents/" + id).json().get("version").asInt()).isEqualTo(1);
  }

  @Test
  void archiveIsIdempotentAndHidesFromList() {
    String id = create("{\"model\":\"m\",\"name\":\"to-archive\"}").get("id").asText();
    var first = server.http().post("/v1/agents/" + id + "/archive");
    assertThat(first.status()).isEqualTo(200);
    String archivedAt = first.json().get("archived_at").asText();
    assertThat(archivedAt).endsWith("Z");
    assertThat(
            server.http().post("/v1/agents/" + id + "/archive").json().get("archived_at").asText())
        .isEqualTo(archivedAt);
    assertThat(ids(server.http().get("/v1/agents?limit=100").json())).doesNotContain(id);
    assertThat(ids(server.http().get("/v1/agents?limit=100&include_archived=true").json()))
        .contains(id);
    assertInvalid(server.http().post("/v1/agents/" + id, "{\"name\":\"x\"}"), "archived");
    assertThat(server.http().post("/v1/agents/agent_missing/archive").status()).isEqualTo(404);
  }

  @Test
  void listPagesNewestFirstWithCreatedAtBounds() {
    List<String> created = new ArrayList<>();
    List<String> createdAt = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      JsonNode a = create("{\"model\":\"m\",\"name\":\"page-" + i + "\"}");
      created.add(a.get("id").asText());
      createdAt.add(a.get("created_at").asText());
    }
    List<String> seen = new ArrayList<>();
    var pages = Fixtures.pages(server.http(), "/v1/agents?limit=2");
    for (var r : pages) {
      assertThat(r.status()).isEqualTo(200);
      // every page but the last is full
      if (r.json().get("next_page").isNull()) {
        assertThat(r.json().get("data")).isNotEmpty();
      } else {
        assertThat(r.json().get("data")).hasSize(2);
      }
      r.json().get("data").forEach(e -> seen.add(e.get("id").asText()));
    }
    assertThat(pages.size()).isGreaterThanOrEqualTo(3);
    assertThat(seen).doesNotHaveDuplicates().isSortedAccordingTo((a, b) -> b.compareTo(a));
    assertThat(seen).containsSubsequence(created.reversed());

    var bounded =
        server
            .http()
            .get(
                "/v1/agents?limit=100&"
                    + encode("created_at[gte]")
                    + "="
                    + encode(createdAt.get(1))
                    + "&"
                    + encode("created_at[lte]")
                    + "="
                    + encode(createdAt.get(3)));
    assertThat(ids(bounded.json())).containsExactly(created.get(3), created.get(2), created.get(1));
    assertInvalid(
        server.http().get("/v1/agents?" + encode("created_at[gte]") + "=yesterday"), "RFC 3339");
    assertInvalid(server.http().get("/v1/agents?limit=101"), "limit");
    assertInvalid(server.http().get("/v1/agents?include_archived=yes"), "include_archived");
    assertThat(server.http(TestServer.OTHER_KEY).get("/v1/agents").json().get("data")).isEmpty();
  }

  @Test
  void versionsListNewestFirstThroughAllPages() {
    String id = create("{\"model\":\"m\",\"name\":\"n0\"}").get("id").asText();
    for (int i = 1; i < 5; i++) {
      assertThat(server.http().post("/v1/agents/" + id, "{\"name\":\"n" + i + "\"}").status())
          .isEqualTo(200);
    }
    List<Integer> versions = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (var r : Fixtures.pages(server.http(), "/v1/agents/" + id + "/versions?limit=2")) {
      assertThat(r.status()).isEqualTo(200);
      r.json()
          .get("data")
          .forEach(
              v -> {
                versions.add(v.get("version").asInt());
                names.add(v.get("name").asText());
                assertThat(v.get("id").asText()).isEqualTo(id);
              });
    }
    assertThat(versions).containsExactly(5, 4, 3, 2, 1);
    assertThat(names).containsExactly("n4", "n3", "n2", "n1", "n0");
    assertThat(server.http().get("/v1/agents/agent_missing/versions").status()).isEqualTo(404);
    assertInvalid(server.http().get("/v1/agents/" + id + "/versions?limit=0"), "limit");
  }

  @Test
  void missingBetaHeaderIsRejected() {
    var r =
        server
            .http()
            .send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/agents"))
                    .header("Authorization", "Bearer " + TestServer.KEY)
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"name\":\"A\"}")));
    assertInvalid(r, "managed-agents-2026-04-01");
  }
}
