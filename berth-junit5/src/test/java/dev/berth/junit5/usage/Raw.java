package dev.berth.junit5.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.junit5.BerthServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Plain JSON requests through the JDK's client, closed after each: tests that count the threads
 * left behind use it, since an SDK client keeps threads of its own after it is closed.
 */
final class Raw {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Raw() {}

  /** POSTs {@code body} to {@code path} and returns the JSON answer, which must be a 200. */
  static JsonNode post(BerthServer server, String path, String body) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
            .header("x-api-key", server.apiKey())
            .header("anthropic-beta", "managed-agents-2026-04-01")
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new AssertionError(
            path + " answered " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A new session (with its agent and environment); returns its id. */
  static String session(BerthServer server) {
    String agent =
        post(server, "/v1/agents", "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\"}")
            .get("id")
            .asText();
    String environment = post(server, "/v1/environments", "{\"name\":\"e\"}").get("id").asText();
    return post(
            server,
            "/v1/sessions",
            "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + environment + "\"}")
        .get("id")
        .asText();
  }

  /** Runs {@code sh -c script} in the session's sandbox; returns its exit code. */
  static int sh(BerthServer server, String session, String script) {
    return post(
            server,
            "/berth/v1/sessions/" + session + "/exec",
            "{\"command\":[\"sh\",\"-c\"," + JSON.valueToTree(script) + "]}")
        .get("exit_code")
        .asInt();
  }
}
