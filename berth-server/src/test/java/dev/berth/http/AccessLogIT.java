package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testing.BerthProcess;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.RepositorySessions;
import dev.berth.testing.SecretSearch;
import dev.berth.testing.TestServer;
import dev.berth.testing.TestStores;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log of Berth as a process (logging is set up once per JVM): one access line per request, in
 * text or, with {@code --log-format json}, as one JSON object per line like every other line; and
 * no API key, repository token or query string sent in a request ever in it.
 */
class AccessLogIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WRONG_KEY = "sk-wrong-AccessLogIT-0123456789";
  private static final String TOKEN = "ghp_AccessLogToken0123456789abcdef";
  private static final String QUERY_SECRET = "QuerySecret0123456789";

  @TempDir Path dataDir;
  @RegisterExtension final TestStores stores = TestStores.provision();

  @Test
  void eachRequestHasOneTextLineWithItsIdRouteStatusDurationAndWorkspace() throws Exception {
    try (BerthProcess berth = BerthProcess.start(stores, dataDir)) {
      Http http = berth.http();
      String file = Fixtures.upload(http, "a.txt", "a");
      var r = http.get("/v1/files/" + file);
      assertThat(r.status()).isEqualTo(200);
      String id = r.header("request-id");
      String workspace = r.header("anthropic-workspace-id");

      List<String> lines = linesWith(berth, id);

      assertThat(lines).hasSize(1);
      assertThat(lines.getFirst())
          .matches(
              "\\S+ INFO  AccessLog - "
                  + id
                  + " GET /v1/files/\\{file_id\\} 200 \\d+ ms workspace="
                  + Pattern.quote(workspace));
      assertThat(berth.logText()).doesNotContain(file);
    }
  }

  @Test
  void asJsonEveryLineIsAnObjectAndTheAccessLineCarriesItsFields() throws Exception {
    try (BerthProcess berth = BerthProcess.start(stores, dataDir, "--log-format", "json")) {
      Http http = berth.http();
      var r = http.get("/v1/files?limit=1");
      assertThat(r.status()).isEqualTo(200);
      var unauthenticated = berth.http(null).get("/v1/files");
      assertThat(unauthenticated.status()).isEqualTo(401);

      List<JsonNode> events = events(berth);

      assertThat(events).isNotEmpty();
      for (JsonNode event : events) {
        assertThat(event.path("timestamp").isNumber()).as("%s", event).isTrue();
        assertThat(event.path("level").asText()).as("%s", event).isNotEmpty();
        assertThat(event.path("loggerName").asText()).as("%s", event).isNotEmpty();
        assertThat(event.has("formattedMessage")).as("%s", event).isTrue();
      }
      assertThat(events)
          .anySatisfy(
              e ->
                  assertThat(e.path("formattedMessage").asText())
                      .startsWith("Berth listening on http://"));

      Map<String, String> access = accessFields(events, r.header("request-id"));
      assertThat(access)
          .containsEntry("method", "GET")
          .containsEntry("route", "/v1/files")
          .containsEntry("status", "200")
          .containsEntry("workspace_id", r.header("anthropic-workspace-id"))
          .containsKey("duration_ms");
      assertThat(Long.parseLong(access.get("duration_ms"))).isNotNegative();

      Map<String, String> refused = accessFields(events, unauthenticated.header("request-id"));
      assertThat(refused)
          .containsEntry("route", "/v1/files")
          .containsEntry("status", "401")
          .doesNotContainKey("workspace_id");
    }
  }

  @Test
  void keysTokensAndQueryStringsSentInRequestsNeverReachTheLog() throws Exception {
    try (BerthProcess berth =
        BerthProcess.start(
            stores, dataDir, "--log-format", "json", "--github-url", "http://127.0.0.1:1")) {
      Http http = berth.http();
      var withHeader =
          http.send(
              http.bare("/v1/files?limit=1&note=" + QUERY_SECRET)
                  .header("x-api-key", TestServer.KEY)
                  .GET());
      assertThat(withHeader.status()).isEqualTo(200);
      assertThat(berth.http(WRONG_KEY).get("/v1/files").status()).isEqualTo(401);
      assertThat(berth.http(null).get("/v1/files?api_key=" + QUERY_SECRET).status()).isEqualTo(401);
      JsonNode session =
          RepositorySessions.create(http, RepositorySessions.privateRepository("app", TOKEN));
      String resource = session.at("/resources/0/id").asText();
      JsonNode state = RepositorySessions.awaitSettled(http, session.get("id").asText(), resource);
      assertThat(state.get("state").asText()).isEqualTo("failed");
      http.get("/berth/v1/metrics");

      List<String> secrets =
          List.of(TestServer.KEY, TestServer.OTHER_KEY, WRONG_KEY, TOKEN, QUERY_SECRET);
      assertThat(SecretSearch.holds(berth.logText(), secrets)).as(berth.logText()).isFalse();
      assertThat(events(berth)).isNotEmpty(); // and it is all JSON
    }
  }

  /** The log's lines holding {@code text}. */
  private static List<String> linesWith(BerthProcess berth, String text) {
    return berth.logText().lines().filter(line -> line.contains(text)).toList();
  }

  /** Every line of the log, each parsed as one JSON object. */
  private static List<JsonNode> events(BerthProcess berth) throws IOException {
    List<JsonNode> events = new java.util.ArrayList<>();
    for (String line : berth.logText().lines().toList()) {
      JsonNode node = JSON.readTree(line);
      assertThat(node.isObject()).as(line).isTrue();
      events.add(node);
    }
    return events;
  }

  /** The key-value pairs of the one access-log event of {@code requestId}. */
  private static Map<String, String> accessFields(List<JsonNode> events, String requestId) {
    List<Map<String, String>> found = new java.util.ArrayList<>();
    for (JsonNode event : events) {
      if (!event.path("loggerName").asText().equals(AccessLog.class.getName())) {
        continue;
      }
      Map<String, String> fields = new HashMap<>();
      for (JsonNode pair : event.path("kvpList")) {
        pair.properties().forEach(f -> fields.put(f.getKey(), f.getValue().asText()));
      }
      if (requestId.equals(fields.get("request_id"))) {
        assertThat(event.path("level").asText()).isEqualTo("INFO");
        assertThat(event.path("formattedMessage").asText()).startsWith(requestId + " ");
        found.add(fields);
      }
    }
    assertThat(found).as("access lines of %s", requestId).hasSize(1);
    return found.getFirst();
  }
}
