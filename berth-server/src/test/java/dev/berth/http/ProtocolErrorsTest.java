package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Http;
import dev.berth.testing.RawHttp;
import dev.berth.testing.TestServer;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests broken at the HTTP level, most of which Jetty answers before any route runs, and the
 * methods no route declares: all get the error envelope of spec §1.8, never an HTML page.
 */
class ProtocolErrorsTest {
  private static final String AUTH = "x-api-key: " + TestServer.KEY + "\r\n";

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static RawHttp.Response raw(String request) {
    return RawHttp.send(server.baseUrl(), request);
  }

  static RawHttp.Response get(String target) {
    return raw("GET " + target + " HTTP/1.1\r\nHost: berth\r\n" + AUTH + "\r\n");
  }

  /** The envelope with its request id, and a client mistake that no retry fixes. */
  static void assertEnvelope(RawHttp.Response r, int status, String type) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.header("content-type")).startsWith("application/json");
    assertThat(r.text()).doesNotContain("<html", "at org.eclipse", "Exception");
    var json = r.json();
    assertThat(json).as(r.text()).isNotNull();
    assertThat(json.path("type").asText()).isEqualTo("error");
    assertThat(json.path("error").path("type").asText()).isEqualTo(type);
    assertThat(json.path("error").path("message").asText()).isNotBlank();
    assertThat(r.header("request-id")).matches("req_01[0-9A-Za-z]{22}");
    assertThat(json.path("request_id").asText()).isEqualTo(r.header("request-id"));
    assertThat(r.header("x-should-retry")).isEqualTo("false");
  }

  @Test
  void badPercentEncodingIsInvalidRequest() {
    assertEnvelope(get("/v1/files/%zz"), 400, "invalid_request_error");
    assertEnvelope(get("/v1/files/abc%"), 400, "invalid_request_error");
  }

  @Test
  void utf16EscapeIsInvalidRequestNotServerError() {
    assertEnvelope(get("/v1/files/%u0041"), 400, "invalid_request_error");
  }

  @Test
  void ambiguousPathsAreInvalidRequest() {
    assertEnvelope(get("/.."), 400, "invalid_request_error");
    assertEnvelope(get("/v1/files/%2e%2e/x"), 400, "invalid_request_error");
    assertEnvelope(get("/v1/files/a%2Fb"), 400, "invalid_request_error");
    assertEnvelope(get("/v1//files"), 400, "invalid_request_error");
  }

  @Test
  void illegalPathCharactersAreInvalidRequest() {
    assertEnvelope(get("/v1/files/a\\b"), 400, "invalid_request_error");
    assertEnvelope(get("/v1/files/%00"), 400, "invalid_request_error");
  }

  @Test
  void malformedRequestLineIsInvalidRequest() {
    assertEnvelope(raw("GARBAGE\r\n\r\n"), 400, "invalid_request_error");
    assertEnvelope(
        raw("GET /v1/files HTTP/1.1 extra\r\nHost: berth\r\n\r\n"), 400, "invalid_request_error");
  }

  @Test
  void unknownHttpVersionIsNotRetried() {
    assertEnvelope(raw("GET /v1/files HTTP/9.9\r\nHost: berth\r\n\r\n"), 505, "api_error");
  }

  @Test
  void missingHostIsInvalidRequest() {
    assertEnvelope(raw("GET /v1/files HTTP/1.1\r\n" + AUTH + "\r\n"), 400, "invalid_request_error");
  }

  @Test
  void malformedHeaderIsInvalidRequest() {
    assertEnvelope(
        raw("GET /v1/files HTTP/1.1\r\nHost: berth\r\nBad Header: x\r\n\r\n"),
        400,
        "invalid_request_error");
  }

  @Test
  void oversizeHeadersAre431() {
    var r =
        raw("GET /v1/files HTTP/1.1\r\nHost: berth\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
    assertEnvelope(r, 431, "invalid_request_error");
  }

  @Test
  void oversizeUriIs414() {
    assertEnvelope(get("/v1/files/" + "a".repeat(20_000)), 414, "invalid_request_error");
  }

  @Test
  void invalidContentLengthIsInvalidRequest() {
    for (String length :
        new String[] {"abc", "-1", "99999999999999999999999", "5\r\nContent-Length: 6"}) {
      var r =
          raw(
              "POST /v1/files HTTP/1.1\r\nHost: berth\r\n"
                  + AUTH
                  + "Content-Length: "
                  + length
                  + "\r\n\r\nhello");
      assertEnvelope(r, 400, "invalid_request_error");
    }
  }

  @Test
  void conflictingFramingIsInvalidRequest() {
    assertEnvelope(
        raw(
            "POST /v1/files HTTP/1.1\r\nHost: berth\r\n"
                + AUTH
                + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        400,
        "invalid_request_error");
    assertEnvelope(
        raw(
            "POST /v1/files HTTP/1.1\r\nHost: berth\r\n"
                + AUTH
                + "Transfer-Encoding: gzip\r\n\r\n"),
        400,
        "invalid_request_error");
  }

  @Test
  void badChunkedJsonBodyIsInvalidRequestNotServerError() {
    var r =
        raw(
            "POST /v1/environments HTTP/1.1\r\nHost: berth\r\n"
                + AUTH
                + "anthropic-beta: "
                + Http.BETA
                + "\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
    assertEnvelope(r, 400, "invalid_request_error");
  }

  @Test
  void badChunkedUploadIsInvalidRequest() {
    var r =
        raw(
            "POST /v1/files HTTP/1.1\r\nHost: berth\r\n"
                + AUTH
                + "Content-Type: multipart/form-data; boundary=b\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
    assertEnvelope(r, 400, "invalid_request_error");
  }

  @Test
  void unknownMethodIsMethodNotAllowedWithAllow() {
    var r = raw("BREW /v1/files HTTP/1.1\r\nHost: berth\r\n" + AUTH + "\r\n");
    assertEnvelope(r, 405, "invalid_request_error");
    assertThat(r.header("allow")).contains("GET", "POST", "HEAD");
  }

  @Test
  void optionsIsMethodNotAllowedWithAllow() {
    var r = raw("OPTIONS /v1/files/file_x HTTP/1.1\r\nHost: berth\r\n" + AUTH + "\r\n");
    assertEnvelope(r, 405, "invalid_request_error");
    assertThat(r.header("allow")).contains("GET", "DELETE");
    assertEnvelope(raw("OPTIONS * HTTP/1.1\r\nHost: berth\r\n\r\n"), 404, "not_found_error");
  }

  @Test
  void headIsGetWithoutBody() {
    var get = server.http().get("/v1/files");
    var head = server.http().send(server.http().builder("/v1/files").HEAD());
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("content-type")).isEqualTo(get.header("content-type"));
    assertThat(head.header("content-length")).isEqualTo(get.header("content-length"));
    assertThat(head.header("request-id")).matches("req_01[0-9A-Za-z]{22}");
    assertThat(head.raw().body()).isEmpty();
  }

  @Test
  void headOfMissingFileIsNotFound() {
    var head = server.http().send(server.http().builder("/v1/files/file_nope").HEAD());
    assertThat(head.status()).isEqualTo(404);
    assertThat(head.header("content-type")).startsWith("application/json");
    assertThat(head.header("x-should-retry")).isEqualTo("false");
    assertThat(head.raw().body()).isEmpty();
    var unauthenticated = server.http(null).send(server.http(null).builder("/v1/files").HEAD());
    assertThat(unauthenticated.status()).isEqualTo(401);
  }

  @Test
  void headOnMalformedRequestHasNoBody() {
    var r = raw("HEAD /v1/files/%zz HTTP/1.1\r\nHost: berth\r\n\r\n");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.header("content-type")).startsWith("application/json");
    assertThat(r.header("request-id")).matches("req_01[0-9A-Za-z]{22}");
    assertThat(r.text()).isEmpty();
  }

  @Test
  void wellFormedRequestsStillSucceed() {
    assertThat(get("/v1/files").status()).isEqualTo(200);
    assertThat(server.http().get("/v1/files?limit=1").status()).isEqualTo(200);
    var put =
        server
            .http()
            .send(server.http().builder("/v1/files").PUT(HttpRequest.BodyPublishers.noBody()));
    assertThat(put.status()).isEqualTo(405);
  }
}
