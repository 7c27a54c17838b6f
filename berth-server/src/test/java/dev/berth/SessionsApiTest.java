package dev.berth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SessionsApiTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  static String body(String agent, String env, String extra) {
    return "{\"agent\":" + agent + ",\"environment_id\":\"" + env + "\"" + extra + "}";
  }

  /** An agent reference pinning {@code version} of {@code agent}. */
  static String pinned(String agent, int version) {
    return "{\"type\":\"agent\",\"id\":\"" + agent + "\",\"version\":" + version + "}";
  }

  @Test
  void newSessionIsIdleAndCarriesTheResolvedAgent() {
    String agent = Fixtures.agent(server.http());
    String env = Fixtures.environment(server.http());
    var r =
        server
            .http()
            .post(
                "/v1/sessions",
                body("\"" + agent + "\"", env, ",\"title\":\"T\",\"metadata\":{\"k\":\"v\"}"));
    assertThat(r.status()).isEqualTo(200);
    JsonNode s = r.json();
    assertThat(s.get("id").asText()).matches("sesn_01[0-9A-Za-z]{22}");
    assertThat(s.get("type").asText()).isEqualTo("session");
    assertThat(s.get("status").asText()).isEqualTo("idle");
    assertThat(s.get("agent").get("id").asText()).isEqualTo(agent);
    assertThat(s.get("agent").get("version").asInt()).isEqualTo(1);
    assertThat(s.get("agent").has("metadata")).isFalse();
    assertThat(s.get("environment_id").asText()).isEqualTo(env);
    assertThat(s.get("title").asText()).isEqualTo("T");
    assertThat(s.get("metadata").get("k").asText()).isEqualTo("v");
    for (String key : List.of("resources", "vault_ids", "outcome_evaluations")) {
      assertThat(s.get(key).isArray()).as(key).isTrue();
    }
    for (String key : List.of("budget", "archived_at")) {
      assertThat(s.has(key) && s.get(key).isNull()).as(key).isTrue();
    }
    assertThat(s.get("created_at").asText()).endsWith("Z");
    assertThat(
            server.http().get("/v1/sessions/" + s.get("id").asText()).json().get("title").asText())
        .isEqualTo("T");
  }

  @Test
  void agentMayBeGivenAsAnObjectWithAVersion() {
    String agent = Fixtures.agent(server.http());
    String env = Fixtures.environment(server.http());
    var ok = server.http().post("/v1/sessions", body(pinned(agent, 1), env, ""));
    assertThat(ok.status()).isEqualTo(200);
    var bad = server.http().post("/v1/sessions", body(pinned(agent, 0), env, ""));
    assertThat(bad.status()).isEqualTo(400);
    var missing = server.http().post("/v1/sessions", body(pinned(agent, 9), env, ""));
    assertThat(missing.status()).isEqualTo(404);
  }

  @Test
  void badCreateRequestsAreRejectedWithClearErrors() {
    String agent = "\"" + Fixtures.agent(server.http()) + "\"";
    String env = Fixtures.environment(server.http());
    record Case(String body, int status) {}
    for (var c :
        List.of(
            new Case("{\"environment_id\":\"" + env + "\"}", 400),
            new Case("{\"agent\":" + agent + "}", 400),
            new Case(body("7", env, ""), 400),
            new Case(body(agent, env, ",\"title\":5"), 400),
            new Case(body(agent, env, ",\"metadata\":{\"k\":1}"), 400),
            new Case(body(agent, env, ",\"metadata\":" + tooManyPairs()), 400),
            new Case(body(agent, env, ",\"nonsense\":true"), 400),
            new Case(body(agent, env, ",\"resources\":{}"), 400),
            new Case(
                body(
                    agent,
                    env,
                    ",\"resources\":[{\"type\":\"memory_store\",\"memory_store_id\":\"m\"}]"),
                404),
            new Case(
                body(
                    agent,
                    env,
                    ",\"budget\":{\"type\":\"limit\",\"max_list_cost\":{\"amount\":\"01\",\"currency\":\"USD\"}}"),
                400),
            new Case(body(agent, env, ",\"initial_events\":[{\"type\":\"agent.message\"}]"), 400),
            new Case(body(agent, "env_01unknown", ""), 404),
            new Case(body("\"agent_01unknown\"", env, ""), 404),
            new Case("{not json", 400),
            new Case("[1,2]", 400))) {
      var r = server.http().post("/v1/sessions", c.body());
      assertThat(r.status()).as(c.body()).isEqualTo(c.status());
      assertThat(r.errorType())
          .isEqualTo(c.status() == 404 ? "not_found_error" : "invalid_request_error");
      assertThat(r.json().get("request_id").asText()).isEqualTo(r.header("request-id"));
    }
  }

  @Test
  void archivedEnvironmentCannotStartSessions() {
    String agent = Fixtures.agent(server.http());
    String env = Fixtures.environment(server.http());
    server.http().post("/v1/environments/" + env + "/archive");
    var r = server.http().post("/v1/sessions", body("\"" + agent + "\"", env, ""));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("error").path("details").path("error_code").asText())
        .isEqualTo("environment_archived");
  }

  @Test
  void updatePatchesTitleAndMetadata() {
    String id =
        Fixtures.session(server.http(), "\"title\":\"old\",\"metadata\":{\"a\":\"1\",\"b\":\"2\"}");
    var r =
        server
            .http()
            .post(
                "/v1/sessions/" + id, "{\"title\":\"new\",\"metadata\":{\"a\":null,\"c\":\"3\"}}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("title").asText()).isEqualTo("new");
    assertThat(r.json().get("metadata").properties()).hasSize(2);
    assertThat(r.json().get("metadata").get("b").asText()).isEqualTo("2");
    assertThat(r.json().get("metadata").get("c").asText()).isEqualTo("3");
    assertThat(r.json().get("updated_at").asText())
        .isGreaterThan(r.json().get("created_at").asText());

    var unchanged = server.http().post("/v1/sessions/" + id, "{}");
    assertThat(unchanged.json().get("updated_at")).isEqualTo(r.json().get("updated_at"));
    assertThat(
            server
                .http()
                .post("/v1/sessions/" + id, "{\"title\":null}")
                .json()
                .get("title")
                .isNull())
        .isTrue();
    assertThat(server.http().post("/v1/sessions/" + id, "{\"vault_ids\":[]}").status())
        .isEqualTo(400);
    assertThat(server.http().post("/v1/sessions/" + id, "{\"metadata\":{\"x\":5}}").status())
        .isEqualTo(400);
    assertThat(server.http().post("/v1/sessions/sesn_01nope", "{}").status()).isEqualTo(404);
  }

  @Test
  void updateReplacesTheSessionsToolsButNotTheStoredAgent() {
    String agent = Fixtures.agent(server.http());
    String env = Fixtures.environment(server.http());
    String id =
        server
            .http()
            .post("/v1/sessions", body("\"" + agent + "\"", env, ""))
            .json()
            .get("id")
            .asText();

    var r =
        server
            .http()
            .post(
                "/v1/sessions/" + id,
                "{\"agent\":{\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}}");

    assertThat(r.status()).isEqualTo(200);
    JsonNode tools = r.json().get("agent").get("tools");
    assertThat(tools).hasSize(1);
    assertThat(tools.get(0).get("configs")).hasSize(8);
    assertThat(server.http().get("/v1/agents/" + agent).json().get("tools")).isEmpty();
    var cleared = server.http().post("/v1/sessions/" + id, "{\"agent\":{\"tools\":[]}}");
    assertThat(cleared.json().get("agent").get("tools")).isEmpty();
    assertThat(server.http().post("/v1/sessions/" + id, "{\"agent\":{\"model\":\"x\"}}").status())
        .isEqualTo(400);
    assertThat(
            server
                .http()
                .post(
                    "/v1/sessions/" + id,
                    "{\"agent\":{\"mcp_servers\":[{\"type\":\"url\",\"name\":\"s\",\"url\":\"https://x.example\"}]}}")
                .status())
        .as("an MCP server no toolset uses")
        .isEqualTo(400);
  }

  @Test
  void budgetCanBeRaisedOrRemovedButNotAddedLater() {
    String budget =
        "{\"type\":\"limit\",\"max_list_cost\":{\"amount\":\"2500\",\"currency\":\"USD\"}}";
    String with = Fixtures.session(server.http(), "\"budget\":" + budget);
    String without = Fixtures.session(server.http());

    var raised =
        server
            .http()
            .post("/v1/sessions/" + with, "{\"budget\":" + budget.replace("2500", "5000") + "}");
    assertThat(raised.json().at("/budget/max_list_cost/amount").asText()).isEqualTo("5000");
    var zero =
        server
            .http()
            .post("/v1/sessions/" + with, "{\"budget\":" + budget.replace("2500", "0") + "}");
    assertThat(zero.json().at("/error/details/error_code").asText()).isEqualTo("budget_not_raised");
    assertThat(
            server
                .http()
                .post("/v1/sessions/" + with, "{\"budget\":null}")
                .json()
                .get("budget")
                .isNull())
        .isTrue();
    var added = server.http().post("/v1/sessions/" + without, "{\"budget\":" + budget + "}");
    assertThat(added.status()).isEqualTo(400);
    assertThat(added.json().at("/error/details/error_code").asText())
        .isEqualTo("budget_create_only");
  }

  @Test
  void archiveIsIdempotentAndHidesTheSessionFromTheDefaultList() {
    String id = Fixtures.session(server.http());
    var first = server.http().post("/v1/sessions/" + id + "/archive");
    assertThat(first.status()).isEqualTo(200);
    String archivedAt = first.json().get("archived_at").asText();
    assertThat(archivedAt).isNotEmpty();
    assertThat(
            server
                .http()
                .post("/v1/sessions/" + id + "/archive")
                .json()
                .get("archived_at")
                .asText())
        .isEqualTo(archivedAt);
    assertThat(ids("/v1/sessions?limit=100")).doesNotContain(id);
    assertThat(ids("/v1/sessions?limit=100&include_archived=true")).contains(id);
    assertThat(server.http().post("/v1/sessions/" + id, "{\"title\":\"x\"}").status())
        .isEqualTo(400);
    assertThat(server.http().get("/v1/sessions/" + id).status()).isEqualTo(200);
  }

  @Test
  void deleteIsPermanent() {
    String id = Fixtures.session(server.http());
    var r = server.http().delete("/v1/sessions/" + id);
    assertThat(r.json().get("id").asText()).isEqualTo(id);
    assertThat(r.json().get("type").asText()).isEqualTo("session_deleted");
    assertThat(server.http().get("/v1/sessions/" + id).status()).isEqualTo(404);
    assertThat(server.http().delete("/v1/sessions/" + id).status()).isEqualTo(404);
  }

  @Test
  void listFiltersByAgentStatusAndCreationTime() {
    try (var fresh = TestServer.start()) {
      Http h = fresh.http();
      String agent = Fixtures.agent(h);
      String env = Fixtures.environment(h);
      List<String> created = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        created.add(
            h.post("/v1/sessions", body("\"" + agent + "\"", env, "")).json().get("id").asText());
      }
      String other = Fixtures.session(h);
      String firstAt = h.get("/v1/sessions/" + created.get(0)).json().get("created_at").asText();

      assertThat(idsOf(h, "/v1/sessions?limit=100&agent_id=" + agent))
          .containsExactlyElementsOf(reversed(created));
      assertThat(idsOf(h, "/v1/sessions?limit=100&order=asc&agent_id=" + agent))
          .containsExactlyElementsOf(created);
      assertThat(idsOf(h, "/v1/sessions?agent_id=" + agent + "&agent_version=2")).isEmpty();
      assertThat(idsOf(h, "/v1/sessions?statuses[]=idle&statuses[]=running")).hasSize(6);
      assertThat(idsOf(h, "/v1/sessions?statuses=running")).isEmpty();
      assertThat(h.get("/v1/sessions?statuses[]=sleeping").status()).isEqualTo(400);
      assertThat(idsOf(h, "/v1/sessions?order=asc&created_at[gt]=" + enc(firstAt)))
          .containsExactlyElementsOf(concat(created.subList(1, 5), other));
      assertThat(idsOf(h, "/v1/sessions?order=asc&created_at%5Bgte%5D=" + enc(firstAt))).hasSize(6);
      assertThat(idsOf(h, "/v1/sessions?created_at[lte]=" + enc(firstAt)))
          .containsExactly(created.get(0));
      assertThat(idsOf(h, "/v1/sessions?created_at[lt]=" + enc(firstAt))).isEmpty();
      assertThat(h.get("/v1/sessions?created_at[gt]=yesterday").status()).isEqualTo(400);
      assertThat(h.get("/v1/sessions?order=sideways").status()).isEqualTo(400);
      assertThat(idsOf(h, "/v1/sessions?memory_store_id=memstore_01x")).isEmpty();
      assertThat(idsOf(h, "/v1/sessions?created_at[gt]=" + enc("2000-01-01T00:00:00+01:00")))
          .hasSize(6);
    }
  }

  @Test
  void listedSessionsCarryTheirOwnResources() {
    try (var fresh = TestServer.start()) {
      Http h = fresh.http();
      String file = Fixtures.upload(h, "x.txt", "x");
      String two =
          Fixtures.session(
              h,
              "\"resources\":["
                  + Fixtures.fileResource(file, "/a")
                  + ","
                  + Fixtures.fileResource(file, "/b")
                  + "]");
      String none = Fixtures.session(h);

      JsonNode data = h.get("/v1/sessions").json().get("data");

      assertThat(data).hasSize(2);
      int noneAt = data.get(0).get("id").asText().equals(none) ? 0 : 1;
      JsonNode first = data.get(noneAt);
      JsonNode second = data.get(1 - noneAt);
      assertThat(first.get("resources")).isEmpty();
      assertThat(second.get("id").asText()).isEqualTo(two);
      assertThat(second.get("resources").findValuesAsText("mount_path"))
          .containsExactly("/mnt/session/uploads/a", "/mnt/session/uploads/b");
    }
  }

  @Test
  void listPagesForwardAndBackward() {
    try (var fresh = TestServer.start()) {
      Http h = fresh.http();
      List<String> created = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        created.add(Fixtures.session(h));
      }
      List<String> newestFirst = reversed(created);
      var p1 = h.get("/v1/sessions?limit=2").json();
      assertThat(p1.get("prev_page").isNull()).isTrue();
      var p2 = h.get("/v1/sessions?limit=2&page=" + p1.get("next_page").asText()).json();
      var p3 = h.get("/v1/sessions?limit=2&page=" + p2.get("next_page").asText()).json();
      assertThat(p3.get("next_page").isNull()).isTrue();
      List<String> all = new ArrayList<>();
      for (var p : List.of(p1, p2, p3)) {
        p.get("data").forEach(d -> all.add(d.get("id").asText()));
      }
      assertThat(all).containsExactlyElementsOf(newestFirst);
      var back = h.get("/v1/sessions?limit=2&page=" + p3.get("prev_page").asText()).json();
      List<String> backIds = new ArrayList<>();
      back.get("data").forEach(d -> backIds.add(d.get("id").asText()));
      assertThat(backIds).containsExactlyElementsOf(newestFirst.subList(2, 4));
      assertThat(back.get("prev_page").isNull()).isFalse();
      assertThat(h.get("/v1/sessions?limit=0").status()).isEqualTo(400);
      assertThat(h.get("/v1/sessions?limit=101").status()).isEqualTo(400);
      assertThat(h.get("/v1/sessions?page=%25%25").status()).isEqualTo(400);
    }
  }

  @Test
  void sessionsOfAnotherWorkspaceAreInvisible() {
    String id = Fixtures.session(server.http());
    Http other = server.http(TestServer.OTHER_KEY);
    assertThat(other.get("/v1/sessions/" + id).status()).isEqualTo(404);
    assertThat(other.post("/v1/sessions/" + id, "{}").status()).isEqualTo(404);
    assertThat(other.post("/v1/sessions/" + id + "/archive").status()).isEqualTo(404);
    assertThat(other.delete("/v1/sessions/" + id).status()).isEqualTo(404);
    assertThat(other.get("/v1/sessions?limit=100").json().get("data").findValuesAsText("id"))
        .doesNotContain(id);
  }

  @Test
  void sessionRoutesRequireTheManagedAgentsBeta() {
    var r =
        server
            .http()
            .send(
                server
                    .http()
                    .builder("/v1/sessions")
                    .setHeader("anthropic-beta", "files-api-2025-04-14")
                    .GET());
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("error").path("message").asText())
        .contains("managed-agents-2026-04-01");
    var both =
        server
            .http()
            .send(
                server
                    .http()
                    .builder("/v1/sessions")
                    .setHeader("anthropic-beta", "files-api-2025-04-14, managed-agents-2026-04-01")
                    .GET());
    assertThat(both.status()).isEqualTo(200);
  }

  private static String tooManyPairs() {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < 17; i++) {
      sb.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
    }
    return sb.append("}").toString();
  }

  private static List<String> ids(String path) {
    return idsOf(server.http(), path);
  }

  private static List<String> idsOf(Http h, String path) {
    var r = h.get(path);
    assertThat(r.status()).as(path + " " + r.json()).isEqualTo(200);
    return r.json().get("data").findValuesAsText("id").stream()
        .filter(id -> id.startsWith("sesn_"))
        .toList();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static List<String> reversed(List<String> l) {
    List<String> r = new ArrayList<>(l);
    java.util.Collections.reverse(r);
    return r;
  }

  private static List<String> concat(List<String> l, String x) {
    List<String> r = new ArrayList<>(l);
    r.add(x);
    return r;
  }
}
