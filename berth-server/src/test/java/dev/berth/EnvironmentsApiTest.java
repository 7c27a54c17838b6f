package dev.berth;

import static dev.berth.testing.ApiAssertions.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EnvironmentsApiTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  static String create(String body) {
    var r = server.http().post("/v1/environments", body);
    assertThat(r.status()).as(r.json() == null ? "" : r.json().toString()).isEqualTo(200);
    return r.json().get("id").asText();
  }

  /** Expects creating with {@code body} to be invalid, with {@code messagePart} in the message. */
  static void assertCreateInvalid(String body, String messagePart) {
    assertInvalid(server.http().post("/v1/environments", body), messagePart);
  }

  static String errorCode(Http.Response r) {
    return r.json().path("error").path("details").path("error_code").asText(null);
  }

  @Test
  void createWithoutConfigGetsTheDefaultCloudConfig() {
    var r = server.http().post("/v1/environments", "{\"name\":\"python-data-analysis\"}");
    assertThat(r.status()).isEqualTo(200);
    JsonNode env = r.json();
    assertThat(env.get("id").asText()).matches("env_01[0-9A-Za-z]{22}");
    assertThat(env.get("type").asText()).isEqualTo("environment");
    assertThat(env.get("description").isNull()).isTrue();
    assertThat(env.get("config").toString())
        .isEqualTo(
            "{\"type\":\"cloud\",\"networking\":{\"type\":\"unrestricted\"},\"packages\":"
                + "{\"type\":\"packages\",\"apt\":[],\"cargo\":[],\"gem\":[],\"go\":[],\"npm\":[],"
                + "\"pip\":[]}}");
    assertThat(env.get("metadata").toString()).isEqualTo("{}");
    assertThat(env.get("scope").asText()).isEqualTo("organization");
    assertThat(env.get("archived_at").isNull()).isTrue();
    assertThat(env.get("created_at").asText()).endsWith("Z");
    assertThat(env.get("updated_at")).isEqualTo(env.get("created_at"));
    assertThat(r.header("content-type")).startsWith("application/json");
  }

  @Test
  void createWithLimitedNetworkingAndSelfHosted() {
    var limited =
        server
            .http()
            .post(
                "/v1/environments",
                "{\"name\":\"l\",\"config\":{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\","
                    + "\"allowed_hosts\":[\"api.example.com\"],\"allow_package_managers\":true},"
                    + "\"packages\":{\"pip\":[\"pandas==2.2.2\"]}}}");
    assertThat(limited.status()).isEqualTo(200);
    assertThat(limited.json().get("config").get("networking").toString())
        .isEqualTo(
            "{\"type\":\"limited\",\"allowed_hosts\":[\"api.example.com\"],"
                + "\"allow_mcp_servers\":false,\"allow_package_managers\":true}");
    var self =
        server
            .http()
            .post(
                "/v1/environments",
                "{\"name\":\"on-prem\",\"description\":\"Self-hosted workers\",\"config\":"
                    + "{\"type\":\"self_hosted\"},\"metadata\":{\"team\":\"infra\"},"
                    + "\"scope\":\"organization\"}");
    assertThat(self.json().get("config").toString()).isEqualTo("{\"type\":\"self_hosted\"}");
    assertThat(self.json().get("metadata").get("team").asText()).isEqualTo("infra");
    assertThat(self.json().get("description").asText()).isEqualTo("Self-hosted workers");
  }

  @Test
  void createRejectsInvalidBodies() {
    assertCreateInvalid("{}", "name is required");
    assertCreateInvalid("{\"name\":5}", "name must be a string");
    assertCreateInvalid("{\"name\":\"\"}", "name must not be empty");
    assertCreateInvalid("{\"name\":\"e\",\"colour\":1}", "'colour'");
    assertCreateInvalid("{\"name\":\"e\",\"config\":{\"type\":\"docker\"}}", "'docker'");
    assertCreateInvalid(
        "{\"name\":\"e\",\"config\":{\"type\":\"cloud\",\"networking\":{\"type\":\"vpn\"}}}",
        "'vpn'");
    assertCreateInvalid(
        "{\"name\":\"e\",\"config\":{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\"},"
            + "\"packages\":{\"apt\":[\"curl\"]}}}",
        "allow_package_managers");
    assertCreateInvalid("{\"name\":\"e\",\"scope\":\"account\"}", "account");
    assertCreateInvalid("{\"name\":\"e\",\"scope\":\"planet\"}", "'planet'");
    assertCreateInvalid("{\"name\":\"e\",\"metadata\":[]}", "metadata");
    var tooLong =
        server
            .http()
            .post(
                "/v1/environments",
                "{\"name\":\"e\",\"metadata\":{\"k\":\"" + "v".repeat(513) + "\"}}");
    assertInvalid(tooLong, "512");
    assertThat(errorCode(tooLong)).isEqualTo("invalid_metadata");
    assertCreateInvalid("[1]", "JSON object");
    assertCreateInvalid("{\"name\":", "not valid JSON");
  }

  @Test
  void retrieveAndOtherWorkspaceIsNotFound() {
    String id = create("{\"name\":\"mine\"}");
    var got = server.http().get("/v1/environments/" + id);
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.json().get("name").asText()).isEqualTo("mine");
    var other = server.http(TestServer.OTHER_KEY);
    for (var r :
        List.of(
            other.get("/v1/environments/" + id),
            other.post("/v1/environments/" + id, "{\"name\":\"x\"}"),
            other.post("/v1/environments/" + id + "/archive"),
            other.delete("/v1/environments/" + id),
            server.http().get("/v1/environments/env_011CZkZ9X2dpNyB7HsEFoRfW"),
            server.http().get("/v1/environments/nonsense"))) {
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.errorType()).isEqualTo("not_found_error");
      assertThat(errorCode(r)).isEqualTo("environment_not_found");
    }
    assertThat(server.http().get("/v1/environments/" + id).json().get("name").asText())
        .isEqualTo("mine");
  }

  @Test
  void updatePatchesFields() {
    String id =
        create(
            "{\"name\":\"e\",\"description\":\"d\",\"metadata\":{\"a\":\"1\",\"b\":\"2\","
                + "\"c\":\"3\"},"
                + "\"config\":{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\","
                + "\"allowed_hosts\":[\"x.io\"],\"allow_package_managers\":true},"
                + "\"packages\":{\"pip\":[\"pandas\"]}}}");
    var r =
        server
            .http()
            .post(
                "/v1/environments/" + id,
                "{\"name\":\"renamed\",\"metadata\":{\"a\":null,\"b\":\"\",\"d\":\"4\"},"
                    + "\"config\":{\"type\":\"cloud\",\"packages\":{\"npm\":[\"left-pad\"]}}}");
    assertThat(r.status()).isEqualTo(200);
    JsonNode env = r.json();
    assertThat(env.get("name").asText()).isEqualTo("renamed");
    assertThat(env.get("description").asText()).isEqualTo("d");
    assertThat(env.get("metadata").toString()).isEqualTo("{\"c\":\"3\",\"d\":\"4\"}");
    assertThat(env.get("config").get("networking").get("allowed_hosts").get(0).asText())
        .isEqualTo("x.io");
    assertThat(env.get("config").get("packages").get("pip").get(0).asText()).isEqualTo("pandas");
    assertThat(env.get("config").get("packages").get("npm").get(0).asText()).isEqualTo("left-pad");
    assertThat(env.get("updated_at").asText()).isGreaterThan(env.get("created_at").asText());

    var nulled = server.http().post("/v1/environments/" + id, "{\"description\":null}");
    assertThat(nulled.json().get("description").isNull()).isTrue();
    var emptied = server.http().post("/v1/environments/" + id, "{\"description\":\"\"}");
    assertThat(emptied.json().get("description").asText()).isEmpty();
    var unchanged = server.http().post("/v1/environments/" + id, "{}");
    assertThat(unchanged.status()).isEqualTo(200);
    assertThat(unchanged.json()).isEqualTo(emptied.json());
  }

  @Test
  void updateRejectsTypeChangeAndInvalidValues() {
    String id = create("{\"name\":\"e\"}");
    var change =
        server.http().post("/v1/environments/" + id, "{\"config\":{\"type\":\"self_hosted\"}}");
    assertInvalid(change, "cannot change");
    assertThat(errorCode(change)).isEqualTo("invalid_config_type_change");
    assertInvalid(
        server.http().post("/v1/environments/" + id, "{\"name\":7}"), "name must be a string");
    assertInvalid(server.http().post("/v1/environments/" + id, "{\"unknown\":true}"), "'unknown'");
    assertInvalid(
        server.http().post("/v1/environments/" + id, "{\"metadata\":{\"k\":1}}"), "metadata.k");
    assertInvalid(
        server
            .http()
            .post(
                "/v1/environments/" + id,
                "{\"config\":{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\"},"
                    + "\"packages\":{\"go\":[\"x\"]}}}"),
        "allow_package_managers");
    var many = new StringBuilder("{\"metadata\":{");
    for (int i = 0; i < 17; i++) {
      many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
    }
    var tooMany = server.http().post("/v1/environments/" + id, many.append("}}").toString());
    assertInvalid(tooMany, "at most 16");
    assertThat(errorCode(tooMany)).isEqualTo("invalid_metadata");
  }

  @Test
  void archiveIsIdempotentAndBlocksUpdates() {
    String id = create("{\"name\":\"e\"}");
    var first = server.http().post("/v1/environments/" + id + "/archive");
    assertThat(first.status()).isEqualTo(200);
    String archivedAt = first.json().get("archived_at").asText();
    assertThat(archivedAt).endsWith("Z");
    var again = server.http().post("/v1/environments/" + id + "/archive");
    assertThat(again.json().get("archived_at").asText()).isEqualTo(archivedAt);
    var update = server.http().post("/v1/environments/" + id, "{\"name\":\"x\"}");
    assertInvalid(update, "archived");
    assertThat(errorCode(update)).isEqualTo("environment_archived");
    assertThat(server.http().get("/v1/environments/" + id).json().get("archived_at").asText())
        .isEqualTo(archivedAt);
  }

  @Test
  void deleteRemovesTheEnvironment() {
    String id = create("{\"name\":\"e\"}");
    var r = server.http().delete("/v1/environments/" + id);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().toString())
        .isEqualTo("{\"id\":\"" + id + "\",\"type\":\"environment_deleted\"}");
    assertThat(server.http().get("/v1/environments/" + id).status()).isEqualTo(404);
    assertThat(server.http().delete("/v1/environments/" + id).status()).isEqualTo(404);
  }

  @Test
  void listPagesNewestFirstAndHidesArchivedByDefault() {
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(create("{\"name\":\"page-" + i + "\"}"));
    }
    String archived = create("{\"name\":\"archived\"}");
    server.http().post("/v1/environments/" + archived + "/archive");

    List<String> seen = new ArrayList<>();
    var pages = Fixtures.pages(server.http(), "/v1/environments?limit=2");
    for (var r : pages) {
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().has("next_page")).isTrue();
      // every page but the last is full
      if (r.json().get("next_page").isNull()) {
        assertThat(r.json().get("data")).isNotEmpty();
      } else {
        assertThat(r.json().get("data")).hasSize(2);
      }
      r.json().get("data").forEach(e -> seen.add(e.get("id").asText()));
    }
    assertThat(pages.size()).isGreaterThanOrEqualTo(3);
    assertThat(seen).doesNotHaveDuplicates().doesNotContain(archived);
    assertThat(seen).isSortedAccordingTo((a, b) -> b.compareTo(a));
    assertThat(seen).containsSubsequence(created.reversed());
    var all = server.http().get("/v1/environments?limit=100");
    assertThat(all.json().get("data").size()).isEqualTo(seen.size());
    assertThat(all.json().get("next_page").isNull()).isTrue();

    var withArchived = server.http().get("/v1/environments?include_archived=true&limit=100");
    assertThat(withArchived.json().get("data").findValuesAsText("id")).contains(archived);
    assertThat(server.http(TestServer.OTHER_KEY).get("/v1/environments").json().get("data"))
        .isEmpty();
  }

  @Test
  void listRejectsBadParameters() {
    assertInvalid(server.http().get("/v1/environments?limit=0"), "limit");
    assertInvalid(server.http().get("/v1/environments?limit=101"), "limit");
    assertInvalid(server.http().get("/v1/environments?limit=abc"), "limit");
    assertInvalid(server.http().get("/v1/environments?include_archived=maybe"), "include_archived");
    assertInvalid(server.http().get("/v1/environments?page=%21%21"), "page");
  }

  @Test
  void missingBetaHeaderIsRejected() {
    var r =
        server
            .http()
            .send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/environments"))
                    .header("Authorization", "Bearer " + TestServer.KEY)
                    .GET());
    assertInvalid(r, "managed-agents-2026-04-01");
  }
}
