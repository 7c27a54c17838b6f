package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@link OpenApiContract} refuses: each test feeds it a response the document does not allow.
 */
class OpenApiContractTest {
  private static final OpenApiContract contract = OpenApiContract.document();

  private static final String FILE =
      """
      {"id":"file_011CNha8iCJcU1wXNR6q4V8w","type":"file","filename":"data.csv",\
      "mime_type":"text/csv","size_bytes":8,"created_at":"2026-04-14T09:30:00Z",\
      "downloadable":false,"expires_at":null,"scope":null}""";

  private static final Map<String, List<String>> JSON_HEADERS =
      Map.of(
          "content-type", List.of("application/json"),
          "request-id", List.of("req_011CZk8QrTzhJqmHUoZe95b9"),
          "anthropic-workspace-id", List.of("alpha"));

  private static List<String> problems(
      String method, String path, int status, Map<String, List<String>> headers, String body) {
    return contract.problems(new OpenApiContract.Exchange(method, path, status, headers, body));
  }

  private static List<String> fileAnswer(String body) {
    return problems("GET", "/v1/files/file_011CNha8iCJcU1wXNR6q4V8w", 200, JSON_HEADERS, body);
  }

  @Test
  void documentedResponseKeepsTheContract() {
    assertThat(fileAnswer(FILE)).isEmpty();
  }

  @Test
  void missingRequiredFieldBreaksIt() {
    assertThat(fileAnswer(FILE.replace("\"size_bytes\":8,", "")))
        .singleElement()
        .asString()
        .contains("size_bytes");
  }

  @Test
  void fieldOfTheWrongTypeBreaksIt() {
    assertThat(fileAnswer(FILE.replace("\"size_bytes\":8", "\"size_bytes\":\"8\"")))
        .singleElement()
        .asString()
        .contains("/size_bytes", "integer");
  }

  @Test
  void undocumentedFieldBreaksIt() {
    assertThat(fileAnswer(FILE.replace("}", ",\"owner\":\"x\"}")))
        .singleElement()
        .asString()
        .contains("owner");
  }

  @Test
  void timestampThatIsNotRfc3339BreaksIt() {
    assertThat(fileAnswer(FILE.replace("2026-04-14T09:30:00Z", "2026-04-14 09:30:00")))
        .singleElement()
        .asString()
        .contains("/created_at");
  }

  @Test
  void statusTheOperationDoesNotListBreaksIt() {
    assertThat(problems("GET", "/v1/files/file_x", 409, JSON_HEADERS, FILE))
        .singleElement()
        .asString()
        .contains("409", "/v1/files/{file_id}");
  }

  @Test
  void errorTypeOtherThanItsStatusSaysBreaksIt() {
    String envelope =
        """
        {"type":"error","error":{"type":"invalid_request_error","message":"no"},\
        "request_id":"req_011CZk8QrTzhJqmHUoZe95b9"}""";

    assertThat(problems("GET", "/v1/files/file_x", 404, JSON_HEADERS, envelope))
        .singleElement()
        .asString()
        .contains("/error/type", "not_found_error");
  }

  @Test
  void missingRequestIdHeaderBreaksIt() {
    var headers =
        Map.of(
            "content-type", List.of("application/json"),
            "anthropic-workspace-id", List.of("alpha"));

    assertThat(problems("GET", "/v1/files/file_x", 200, headers, FILE))
        .containsExactly("header 'request-id' is missing");
  }

  @Test
  void mediaTypeOtherThanDocumentedBreaksIt() {
    var headers = new java.util.HashMap<>(JSON_HEADERS);
    headers.put("content-type", List.of("text/plain"));

    assertThat(problems("GET", "/v1/files/file_x", 200, headers, FILE))
        .singleElement()
        .asString()
        .contains("text/plain");
  }

  @Test
  void successOnARouteTheDocumentLacksBreaksIt() {
    assertThat(problems("GET", "/v1/files/file_x/thumbnail", 200, JSON_HEADERS, FILE))
        .singleElement()
        .asString()
        .contains("no operation GET");
  }

  @Test
  void errorOnARouteTheDocumentLacksMustStillBeTheEnvelope() {
    assertThat(problems("PUT", "/v1/files", 405, JSON_HEADERS, "{\"message\":\"no\"}"))
        .isNotEmpty();
  }

  @Test
  void responseBreakingTheDocumentFailsTheTestThatGotIt() throws IOException {
    HttpServer wrong =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    wrong.createContext(
        "/",
        exchange -> {
          byte[] body =
              FILE.replace("\"size_bytes\":8", "\"size_bytes\":-8")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("content-type", "application/json");
          exchange.getResponseHeaders().add("request-id", "req_011CZk8QrTzhJqmHUoZe95b9");
          exchange.getResponseHeaders().add("anthropic-workspace-id", "alpha");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    wrong.start();
    try {
      Http http = new Http("http://127.0.0.1:" + wrong.getAddress().getPort(), TestServer.KEY);

      assertThatThrownBy(() -> http.get("/v1/files/file_011CNha8iCJcU1wXNR6q4V8w"))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("GET /v1/files/file_011CNha8iCJcU1wXNR6q4V8w answered 200")
          .hasMessageContaining("/size_bytes");
    } finally {
      wrong.stop(0);
    }
  }
}
