package dev.berth.http;

import static dev.berth.http.ProtocolErrorsTest.assertEnvelope;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.RawHttp;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Request bodies and query strings that do not say one thing unambiguously: bytes that are not
 * UTF-8, escapes that are not characters, keys given twice, cursors no list issued. Each is a 400
 * that creates nothing, never a guess at what the client meant.
 */
class MalformedInputTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  /** POSTs {@code json}, byte for byte, with the key and the beta header. */
  static RawHttp.Response post(String path, byte[] json) {
    var request = new ByteArrayOutputStream();
    request.writeBytes(
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: berth\r\nx-api-key: "
                + TestServer.KEY
                + "\r\nanthropic-beta: "
                + Http.BETA
                + "\r\nContent-Type: application/json\r\nContent-Length: "
                + json.length
                + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    request.writeBytes(json);
    return RawHttp.send(server.baseUrl(), request.toByteArray());
  }

  static RawHttp.Response post(String path, String json) {
    return post(path, json.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code before + bytes + after}, the text parts as UTF-8. */
  static byte[] bytes(String before, byte[] bytes, String after) {
    var out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(bytes);
    out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  static List<String> environmentNames() {
    List<String> names = new ArrayList<>();
    for (var page : Fixtures.pages(server.http(), "/v1/environments?limit=100")) {
      page.json().get("data").forEach(e -> names.add(e.get("name").asText()));
    }
    return names;
  }

  static void assertNoEnvironmentNamed(String prefix) {
    assertThat(environmentNames()).noneMatch(name -> name.startsWith(prefix));
  }

  @Test
  void overlongUtf8InAMountPathIsRejectedAndNothingIsMounted() {
    String session = Fixtures.session(server.http());
    String file = Fixtures.upload(server.http(), "f.txt", "f");
    byte[] overlongSlash = {(byte) 0xC0, (byte) 0xAF};
    var r =
        post(
            "/v1/sessions/" + session + "/resources",
            bytes(
                "{\"type\":\"file\",\"file_id\":\"" + file + "\",\"mount_path\":\"/ov",
                overlongSlash,
                "er\"}"));
    assertEnvelope(r, 400, "invalid_request_error");
    assertThat(r.json().path("error").path("message").asText()).contains("UTF-8");
    var resources = server.http().get("/v1/sessions/" + session + "/resources");
    assertThat(resources.json().get("data")).isEmpty();
  }

  @Test
  void bytesThatAreNotUtf8AreRejectedWhereverTheyStand() {
    byte[][] invalid = {
      {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
      {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, // overlong '/', three bytes
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a surrogate encoded as if it were a character
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // past U+10FFFF
      {(byte) 0x80}, // a continuation byte alone
      {(byte) 0xE2, (byte) 0x82}, // a sequence cut short
      {(byte) 0xFF},
    };
    for (byte[] bad : invalid) {
      var inValue = post("/v1/environments", bytes("{\"name\":\"utf8-", bad, "\"}"));
      assertEnvelope(inValue, 400, "invalid_request_error");
      var inKey =
          post(
              "/v1/environments",
              bytes("{\"name\":\"utf8-key\",\"metadata\":{\"k", bad, "\":\"v\"}}"));
      assertEnvelope(inKey, 400, "invalid_request_error");
    }
    assertNoEnvironmentNamed("utf8-");
  }

  @Test
  void bodyInAnotherUnicodeEncodingIsRejected() {
    for (var charset :
        List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE, StandardCharsets.UTF_16)) {
      var r = post("/v1/environments", "{\"name\":\"utf16-env\"}".getBytes(charset));
      assertEnvelope(r, 400, "invalid_request_error");
    }
    assertNoEnvironmentNamed("utf16-");
  }

  @Test
  void escapedHalfOfASurrogatePairIsRejected() {
    for (String bad :
        List.of(
            "{\"name\":\"lone-\\ud800\"}",
            "{\"name\":\"lone-\\udc00x\"}",
            "{\"name\":\"lone-\\ude00\\ud83d\"}",
            "{\"name\":\"lone-key\",\"metadata\":{\"\\ud800\":\"v\"}}",
            "{\"name\":\"lone-value\",\"metadata\":{\"k\":\"\\udfff\"}}")) {
      var r = post("/v1/environments", bad);
      assertEnvelope(r, 400, "invalid_request_error");
      assertThat(r.json().path("error").path("message").asText()).contains("surrogate");
    }
    assertNoEnvironmentNamed("lone-");
  }

  @Test
  void characterOutsideTheBasicPlaneIsAcceptedWhetherEscapedOrNot() {
    var escaped = post("/v1/environments", "{\"name\":\"pair-\\ud83d\\ude00\"}");
    assertThat(escaped.status()).as(escaped.text()).isEqualTo(200);
    assertThat(escaped.json().get("name").asText()).isEqualTo("pair-\uD83D\uDE00");
    var raw = post("/v1/environments", "{\"name\":\"pair-\uD83D\uDE00\"}");
    assertThat(raw.status()).as(raw.text()).isEqualTo(200);
    assertThat(raw.json().get("name").asText()).isEqualTo("pair-\uD83D\uDE00");
  }

  @Test
  void nulInAStoredStringIsRejected() {
    for (String bad :
        List.of(
            "{\"name\":\"nul-\\u0000\"}",
            "{\"name\":\"nul-value\",\"metadata\":{\"k\":\"a\\u0000b\"}}",
            "{\"name\":\"nul-key\",\"metadata\":{\"a\\u0000b\":\"v\"}}",
            "{\"name\":\"nul-description\",\"description\":\"a\\u0000b\"}")) {
      var r = post("/v1/environments", bad);
      assertEnvelope(r, 400, "invalid_request_error");
      assertThat(r.json().path("error").path("message").asText()).contains("NUL");
    }
    assertNoEnvironmentNamed("nul-");
  }

  @Test
  void keyGivenTwiceIsRejected() {
    for (String bad :
        List.of(
            "{\"name\":\"twice-a\",\"name\":\"twice-b\"}",
            "{\"name\":\"twice-nested\",\"metadata\":{\"k\":\"1\",\"k\":\"2\"}}")) {
      var r = post("/v1/environments", bad);
      assertEnvelope(r, 400, "invalid_request_error");
      assertThat(r.json().path("error").path("message").asText()).contains("Duplicate");
    }
    assertNoEnvironmentNamed("twice-");
  }

  @Test
  void cursorOfTheRightFormThatNoListIssuedIsRejected() {
    String session = Fixtures.session(server.http());
    String agent = Fixtures.agent(server.http());
    List<String> lists =
        List.of(
            "/v1/files",
            "/v1/files?scope_id=" + session,
            "/v1/environments",
            "/v1/agents",
            "/v1/agents/" + agent + "/versions",
            "/v1/sessions",
            "/v1/sessions/" + session + "/resources");
    for (String list : lists) {
      for (String position : List.of(">garbage", "<", ">file_01", "> sesn_01")) {
        String cursor =
            Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(("berth1:" + position).getBytes(StandardCharsets.UTF_8));
        String path = list + (list.contains("?") ? "&" : "?") + "page=" + cursor;
        var r = server.http().get(path);
        assertThat(r.status()).as("%s: %s", path, r.json()).isEqualTo(400);
        assertThat(r.errorType()).isEqualTo("invalid_request_error");
        assertThat(r.json().path("error").path("message").asText()).contains("page");
        assertThat(r.json().path("request_id").asText()).isEqualTo(r.header("request-id"));
      }
    }
  }

  @Test
  void cursorOfOneListIsRejectedByAnother() {
    for (int i = 0; i < 2; i++) {
      Fixtures.environment(server.http());
    }
    JsonNode first = server.http().get("/v1/environments?limit=1").json();
    String environmentsCursor = first.get("next_page").asText();
    var r = server.http().get("/v1/files?page=" + environmentsCursor);
    assertThat(r.status()).as("%s", r.json()).isEqualTo(400);
    assertThat(r.errorType()).isEqualTo("invalid_request_error");
    var own = server.http().get("/v1/environments?limit=1&page=" + environmentsCursor);
    assertThat(own.status()).isEqualTo(200);
  }

  @Test
  void queryParameterThatIsNotUtf8IsRejected() {
    for (String bad : List.of("%C0%AF", "%ED%A0%80", "%FF", "a%E2%82")) {
      var r = server.http().get("/v1/files?scope_id=" + bad);
      assertThat(r.status()).as("%s: %s", bad, r.json()).isEqualTo(400);
      assertThat(r.errorType()).isEqualTo("invalid_request_error");
      assertThat(r.json().path("error").path("message").asText()).contains("UTF-8");
    }
    assertThat(server.http().get("/v1/files?scope_id=%E2%82%AC").status()).isEqualTo(200);
  }

  @Test
  void nulInAQueryParameterIsRejected() {
    for (String path :
        List.of(
            "/v1/files?scope_id=a%00b",
            "/v1/files?ids%5B%5D=file_%00",
            "/v1/sessions?agent_id=%00",
            "/v1/agents/agent_x?version=%00")) {
      var r = server.http().get(path);
      assertThat(r.status()).as("%s: %s", path, r.json()).isEqualTo(400);
      assertThat(r.errorType()).isEqualTo("invalid_request_error");
      assertThat(r.json().path("error").path("message").asText()).contains("NUL");
    }
  }
}
