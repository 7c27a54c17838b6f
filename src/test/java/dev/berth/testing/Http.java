package dev.berth.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** A plain HTTP client for tests: JSON in, {@link Response} out, with the SDKs' headers. */
public final class Http {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static final ObjectMapper MAPPER = new ObjectMapper();
  public static final String BETA = "managed-agents-2026-04-01";

  private final String base;
  private final String key;

  Http(String base, String key) {
    this.base = base;
    this.key = key;
  }

  /** A status, the parsed JSON body (null when not JSON) and the response. */
  public record Response(int status, JsonNode json, HttpResponse<byte[]> raw) {
    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    public String errorType() {
      return json == null ? null : json.path("error").path("type").asText(null);
    }
  }

  public Response get(String path) {
    return send(builder(path).GET());
  }

  public Response delete(String path) {
    return send(builder(path).DELETE());
  }

  public Response post(String path, String json) {
    return send(
        builder(path)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** POST with no body and no content type, as the SDKs archive. */
  public Response post(String path) {
    return send(builder(path).POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** Uploads bytes as the {@code file} part of a multipart form. */
  public Response upload(String filename, String contentType, byte[] bytes) {
    String boundary = "berth-" + UUID.randomUUID();
    String head =
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + filename + "\"\r\nContent-Type: " + contentType + "\r\n\r\n";
    String tail = "\r\n--" + boundary + "--\r\n";
    byte[] h = head.getBytes(StandardCharsets.UTF_8);
    byte[] t = tail.getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[h.length + bytes.length + t.length];
    System.arraycopy(h, 0, body, 0, h.length);
    System.arraycopy(bytes, 0, body, h.length, bytes.length);
    System.arraycopy(t, 0, body, h.length + bytes.length, t.length);
    return send(
        builder("/v1/files")
            .header("content-type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** A request with auth and beta headers, to adjust further. */
  public HttpRequest.Builder builder(String path) {
    var b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("anthropic-version", "2026-10-21")
            .header("anthropic-beta", BETA);
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return b;
  }

  public Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<byte[]> r = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      JsonNode json = null;
      if (r.headers().firstValue("content-type").orElse("").startsWith("application/json")) {
        json = MAPPER.readTree(r.body());
      }
      return new Response(r.statusCode(), json, r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
