package dev.berth.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A plain HTTP client for tests: JSON in, {@link Response} out, with the SDKs' headers. Every
 * response must keep the OpenAPI document ({@link OpenApiContract}); one that does not fails the
 * test that got it.
 */
public final class Http {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static final ObjectMapper MAPPER = new ObjectMapper();
  public static final String BETA = "managed-agents-2026-04-01";

  private final String base;
  private final String key;
  private final Consumer<Response> observer;

  public Http(String base, String key) {
    this(base, key, OpenApiContract::check);
  }

  private Http(String base, String key, Consumer<Response> observer) {
    this.base = base;
    this.key = key;
    this.observer = observer;
  }

  /** The same client, handing every response it gets to {@code observer} too. */
  public Http observed(Consumer<Response> observer) {
    return new Http(base, key, this.observer.andThen(observer));
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
    return upload(new Form().file(filename, contentType, bytes));
  }

  /** POSTs a multipart form to {@code /v1/files}. */
  public Response upload(Form form) {
    return upload("/v1/files", form);
  }

  public Response upload(String path, Form form) {
    return send(
        builder(path)
            .header("content-type", form.contentType())
            .POST(HttpRequest.BodyPublishers.ofByteArray(form.body())));
  }

  /** A {@code multipart/form-data} body built part by part, including shapes no SDK sends. */
  public static final class Form {
    private final String boundary = "berth-" + UUID.randomUUID();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /**
     * A {@code file} part; {@code filename} null leaves the attribute out, as Java's byte[] does.
     */
    public Form file(String filename, String contentType, byte[] bytes) {
      String disposition = "form-data; name=\"file\"";
      if (filename != null) {
        disposition += "; filename=\"" + filename + "\"";
      }
      return part(disposition, contentType, bytes);
    }

    /** A text field, such as {@code expires_in_seconds}. */
    public Form field(String name, String value) {
      return part(
          "form-data; name=\"" + name + "\"",
          "text/plain; charset=utf-8",
          value.getBytes(StandardCharsets.UTF_8));
    }

    /** Any part; {@code contentType} null leaves the header out. */
    public Form part(String disposition, String contentType, byte[] bytes) {
      String head = "--" + boundary + "\r\nContent-Disposition: " + disposition + "\r\n";
      if (contentType != null) {
        head += "Content-Type: " + contentType + "\r\n";
      }
      out.writeBytes((head + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.writeBytes(bytes);
      out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
      return this;
    }

    public String contentType() {
      return "multipart/form-data; boundary=" + boundary;
    }

    public byte[] body() {
      var all = new ByteArrayOutputStream();
      all.writeBytes(out.toByteArray());
      all.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
      return all.toByteArray();
    }
  }

  /** A request with auth and beta headers, to adjust further. */
  public HttpRequest.Builder builder(String path) {
    var b =
        HttpRequest.newBuilder(URI.create(base + path.replace("[", "%5B").replace("]", "%5D")))
            .header("anthropic-version", "2026-10-21")
            .header("anthropic-beta", BETA);
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return b;
  }

  /** A request to this server with no headers at all (no key, no version, no beta). */
  public HttpRequest.Builder bare(String path) {
    return HttpRequest.newBuilder(URI.create(base + path));
  }

  public Response send(HttpRequest.Builder request) {
    try {
      return observe(CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sends on a connection of its own and returns at once, for requests still running later. */
  public CompletableFuture<Response> sendAsync(HttpRequest.Builder request) {
    return HttpClient.newHttpClient()
        .sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(this::observe);
  }

  private Response observe(HttpResponse<byte[]> r) {
    Response response = response(r);
    observer.accept(response);
    return response;
  }

  private static Response response(HttpResponse<byte[]> r) {
    JsonNode json = null;
    if (r.headers().firstValue("content-type").orElse("").startsWith("application/json")) {
      try {
        json = MAPPER.readTree(r.body());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new Response(r.statusCode(), json, r);
  }
}
