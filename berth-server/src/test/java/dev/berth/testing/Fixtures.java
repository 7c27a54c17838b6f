package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Objects most tests need: a file, an environment, an agent and a session, made over HTTP. */
public final class Fixtures {
  private Fixtures() {}

  public static String upload(Http http, String name, String content) {
    var r = http.upload(name, "text/plain", content.getBytes(StandardCharsets.UTF_8));
    assertThat(r.status()).as("upload: %s", r.json()).isEqualTo(200);
    return r.json().get("id").asText();
  }

  public static String environment(Http http) {
    var r = http.post("/v1/environments", "{\"name\":\"env\"}");
    assertThat(r.status()).as("environment: %s", r.json()).isEqualTo(200);
    return r.json().get("id").asText();
  }

  public static String agent(Http http) {
    var r = http.post("/v1/agents", "{\"name\":\"agent\",\"model\":\"claude-sonnet-4-6\"}");
    assertThat(r.status()).as("agent: %s", r.json()).isEqualTo(200);
    return r.json().get("id").asText();
  }

  /** A new session of a new agent in a new environment; {@code extra} is more JSON fields. */
  public static String session(Http http, String extra) {
    String body =
        "{\"agent\":\""
            + agent(http)
            + "\",\"environment_id\":\""
            + environment(http)
            + "\""
            + (extra.isEmpty() ? "" : "," + extra)
            + "}";
    var r = http.post("/v1/sessions", body);
    assertThat(r.status()).as("session: %s", r.json()).isEqualTo(200);
    return r.json().get("id").asText();
  }

  /**
   * {@code POST /v1/sessions} of a new agent in a new environment with {@code resources} (JSON
   * array items); the answer, whatever its status.
   */
  public static Http.Response createSession(Http http, String... resources) {
    return http.post(
        "/v1/sessions",
        "{\"agent\":\""
            + agent(http)
            + "\",\"environment_id\":\""
            + environment(http)
            + "\",\"resources\":["
            + String.join(",", resources)
            + "]}");
  }

  public static String session(Http http) {
    return session(http, "");
  }

  /**
   * Every page of a list, fetched in turn from {@code path} (which already has a query string) by
   * following {@code next_page} until it is null or missing.
   */
  public static List<Http.Response> pages(Http http, String path) {
    List<Http.Response> pages = new ArrayList<>();
    String page = null;
    do {
      var r = http.get(path + (page == null ? "" : "&page=" + page));
      pages.add(r);
      JsonNode next = r.json() == null ? null : r.json().get("next_page");
      page = next == null || next.isNull() ? null : next.asText();
    } while (page != null);
    return pages;
  }

  public static String fileResource(String fileId, String mountPath) {
    return "{\"type\":\"file\",\"file_id\":\""
        + fileId
        + "\""
        + (mountPath == null ? "" : ",\"mount_path\":\"" + mountPath + "\"")
        + "}";
  }
}
