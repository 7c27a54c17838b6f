package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Http;
import dev.berth.testing.TestServer;
import java.net.http.HttpRequest;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The conventions of spec §1 that every endpoint shares, checked over plain HTTP. */
class HttpConventionsTest {
  private static final String BAD_KEY = "sk-not-a-key-of-this-server";

  static TestServer server;
  static Http anonymous;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    anonymous = server.http(null);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Http.Response list(HttpRequest.Builder request) {
    return anonymous.send(request);
  }

  /** Every error: the envelope of spec §1.8 with the header's request id. */
  static void assertEnvelope(Http.Response r, int status, String type) {
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.header("content-type")).startsWith("application/json");
    assertThat(r.json()).isNotNull();
    assertThat(r.json().path("type").asText()).isEqualTo("error");
    assertThat(r.errorType()).isEqualTo(type);
    assertThat(r.json().path("error").path("message").asText()).isNotBlank();
    assertThat(r.header("request-id")).matches("req_01[0-9A-Za-z]{22}");
    assertThat(r.json().path("request_id").asText()).isEqualTo(r.header("request-id"));
  }

  @Test
  void xApiKeyAloneAuthenticates() {
    var r = list(anonymous.bare("/v1/files").header("x-api-key", TestServer.KEY));
    assertThat(r.status()).isEqualTo(200);
  }

  @Test
  void bearerTokenAloneAuthenticates() {
    var r = list(anonymous.bare("/v1/files").header("Authorization", "Bearer " + TestServer.KEY));
    assertThat(r.status()).isEqualTo(200);
  }

  @Test
  void bothHeadersWithOneValidAuthenticate() {
    var validApiKey =
        list(
            anonymous
                .bare("/v1/files")
                .header("x-api-key", TestServer.KEY)
                .header("Authorization", "Bearer " + BAD_KEY));
    assertThat(validApiKey.status()).isEqualTo(200);
    var validBearer =
        list(
            anonymous
                .bare("/v1/files")
                .header("x-api-key", BAD_KEY)
                .header("Authorization", "Bearer " + TestServer.KEY));
    assertThat(validBearer.status()).isEqualTo(200);
    var bothValid =
        list(
            anonymous
                .bare("/v1/files")
                .header("x-api-key", TestServer.KEY)
                .header("Authorization", "Bearer " + TestServer.KEY));
    assertThat(bothValid.status()).isEqualTo(200);
  }

  @Test
  void bothHeadersInvalidIsUnauthenticated() {
    var r =
        list(
            anonymous
                .bare("/v1/files")
                .header("x-api-key", BAD_KEY)
                .header("Authorization", "Bearer " + BAD_KEY));
    assertEnvelope(r, 401, "authentication_error");
  }

  @Test
  void missingKeyIsUnauthenticatedAndNotRetried() {
    var r = list(anonymous.bare("/v1/files"));
    assertEnvelope(r, 401, "authentication_error");
    assertThat(r.header("x-should-retry")).isEqualTo("false");
  }

  @Test
  void invalidKeyIsUnauthenticatedAndNotRetried() {
    var r = server.http(BAD_KEY).get("/v1/files");
    assertEnvelope(r, 401, "authentication_error");
    assertThat(r.header("x-should-retry")).isEqualTo("false");
  }

  @Test
  void nonBearerAuthorizationIsUnauthenticated() {
    var r = list(anonymous.bare("/v1/files").header("Authorization", "Basic " + TestServer.KEY));
    assertEnvelope(r, 401, "authentication_error");
  }

  @Test
  void successCarriesRequestIdHeader() {
    var r = server.http().get("/v1/files");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("request-id")).matches("req_01[0-9A-Za-z]{22}");
    assertThat(r.header("content-type")).startsWith("application/json");
  }

  @Test
  void everyResponseHasItsOwnRequestId() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      ids.add(server.http().get("/v1/files").header("request-id"));
      ids.add(server.http().get("/v1/files/file_nope").header("request-id"));
    }
    assertThat(ids).hasSize(10);
  }

  @Test
  void errorBodyRequestIdEqualsHeader() {
    var r = server.http().get("/v1/files/file_01" + "0".repeat(22));
    assertEnvelope(r, 404, "not_found_error");
  }

  @Test
  void workspaceIdIsEchoed() {
    var r = server.http().get("/v1/files");
    String workspace = r.header("anthropic-workspace-id");
    assertThat(workspace).matches("wrkspc_01[0-9A-Za-z]{22}");
    String other =
        server.http(TestServer.OTHER_KEY).get("/v1/files").header("anthropic-workspace-id");
    assertThat(other).startsWith("wrkspc_").isNotEqualTo(workspace);
    var notFound = server.http().get("/v1/files/file_nope");
    assertThat(notFound.header("anthropic-workspace-id")).isEqualTo(workspace);
  }

  @Test
  void matchingWorkspaceHeaderIsAccepted() {
    String workspace = server.http().get("/v1/files").header("anthropic-workspace-id");
    var r =
        server
            .http()
            .send(server.http().builder("/v1/files").header("anthropic-workspace-id", workspace));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("anthropic-workspace-id")).isEqualTo(workspace);
  }

  @Test
  void mismatchedWorkspaceHeaderIsPermissionDenied() {
    String other =
        server.http(TestServer.OTHER_KEY).get("/v1/files").header("anthropic-workspace-id");
    var r =
        server
            .http()
            .send(server.http().builder("/v1/files").header("anthropic-workspace-id", other));
    assertEnvelope(r, 403, "permission_error");
    assertThat(r.header("x-should-retry")).isEqualTo("false");
    var unknown =
        server
            .http()
            .send(
                server.http().builder("/v1/files").header("anthropic-workspace-id", "wrkspc_nope"));
    assertEnvelope(unknown, 403, "permission_error");
  }

  @Test
  void unknownRouteIsNotFoundEnvelope() {
    assertEnvelope(server.http().get("/v1/nonsense"), 404, "not_found_error");
    assertEnvelope(server.http().get("/v1/files/a/b/c"), 404, "not_found_error");
    assertEnvelope(server.http().get("/nonsense"), 404, "not_found_error");
    assertEnvelope(server.http().get("/"), 404, "not_found_error");
  }

  @Test
  void wrongMethodIsMethodNotAllowedEnvelope() {
    var put =
        server
            .http()
            .send(
                server.http().builder("/v1/files").PUT(HttpRequest.BodyPublishers.ofString("{}")));
    assertEnvelope(put, 405, "invalid_request_error");
    var deleteAll = server.http().delete("/v1/files");
    assertEnvelope(deleteAll, 405, "invalid_request_error");
    var postToFile = server.http().post("/v1/files/file_01" + "0".repeat(22), "{}");
    assertEnvelope(postToFile, 405, "invalid_request_error");
  }

  @Test
  void betaQueryParameterIsAcceptedOnFiles() {
    assertThat(server.http().get("/v1/files?beta=true").status()).isEqualTo(200);
    var up =
        server
            .http()
            .upload(
                "/v1/files?beta=true", new Http.Form().file("b.txt", "text/plain", new byte[] {1}));
    assertThat(up.status()).isEqualTo(200);
    String id = up.json().get("id").asText();
    assertThat(server.http().get("/v1/files/" + id + "?beta=true").status()).isEqualTo(200);
    assertThat(server.http().delete("/v1/files/" + id + "?beta=true").status()).isEqualTo(200);
  }

  @Test
  void filesNeedNoBetaHeaderAndAcceptLegacyOnes() {
    var none = list(anonymous.bare("/v1/files").header("x-api-key", TestServer.KEY));
    assertThat(none.status()).isEqualTo(200);
    var legacy =
        list(
            anonymous
                .bare("/v1/files")
                .header("x-api-key", TestServer.KEY)
                .header("anthropic-beta", "files-api-2025-04-14, some-future-beta"));
    assertThat(legacy.status()).isEqualTo(200);
  }

  @Test
  void anyAnthropicVersionIsAccepted() {
    for (String version : new String[] {"2023-06-01", "2026-10-21", "1999-01-01"}) {
      var r =
          list(
              anonymous
                  .bare("/v1/files")
                  .header("x-api-key", TestServer.KEY)
                  .header("anthropic-version", version));
      assertThat(r.status()).isEqualTo(200);
    }
  }
}
