package dev.berth.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.error.ApiException;
import dev.berth.error.OutOfDescriptors;
import dev.berth.error.StoreException;
import dev.berth.json.Json;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns any failure into the API's error envelope (spec §1.8) with the right status and {@code
 * x-should-retry} (spec §1.9). The only place that writes error JSON: {@link ProtocolErrors} uses
 * {@link #envelope} for the failures Jetty answers before any route runs.
 */
final class ErrorMapper {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);
  static final String RENDERED = "berth.error-rendered";
  private static final String DETAILS = "berth.error-details";
  private static final String ERROR_FIELDS = "berth.error-fields";

  /** How much of an oversize body is read and dropped before the 413 (as Tomcat's swallow). */
  static final long SWALLOW_BYTES = 4L * 1024 * 1024;

  private ErrorMapper() {}

  static void render(Exception failure, Context ctx) {
    switch (failure) {
      case ApiException e -> render(ctx, e);
      case StoreException.Unreachable e -> {
        log.warn("metadata store unreachable: {}", e.getMessage());
        write(
            ctx,
            503,
            "overloaded_error",
            "the metadata store is unavailable; retry shortly",
            null,
            true);
      }
      case StoreException.TransientConflict e -> {
        log.info("transaction lost a race and was rolled back: {}", e.getMessage());
        write(
            ctx,
            503,
            "overloaded_error",
            "the request raced a concurrent change and was rolled back; retry it",
            null,
            true);
      }
      case OutOfDescriptors e -> outOfDescriptors(ctx, e);
      default -> {
        if (OutOfDescriptors.isCause(failure)) { // below a layer that does not classify it
          outOfDescriptors(ctx, failure);
          return;
        }
        log.error("request {} {} failed", ctx.method(), ctx.path(), failure);
        write(ctx, 500, "api_error", "internal server error", null, null);
      }
    }
  }

  /**
   * The process ran short of file descriptors: nothing was wrong with the request, and once load
   * drops the same request works, so the SDKs are told to retry.
   */
  private static void outOfDescriptors(Context ctx, Throwable failure) {
    log.warn(
        "request {} {} ran short of file descriptors: {}",
        ctx.method(),
        ctx.path(),
        failure.toString());
    write(
        ctx,
        503,
        "overloaded_error",
        "the server is short of file descriptors; retry shortly",
        null,
        true);
  }

  /**
   * A {@link Error} (out of memory, stack overflow) escaping a handler: Javalin hands it over with
   * only the servlet response, so the request id comes from the header already set on it.
   */
  static void renderError(HttpServletResponse res, Error error) {
    log.error("request failed with {}", error.toString(), error);
    if (res.isCommitted()) {
      return;
    }
    String requestId = res.getHeader("request-id");
    res.resetBuffer();
    res.setStatus(500);
    res.setContentType("application/json");
    try {
      res.getOutputStream().write(envelope("api_error", "internal server error", null, requestId));
    } catch (IOException e) {
      log.debug("could not write the error response", e);
    }
  }

  private static void render(Context ctx, ApiException e) {
    String code = e.errorCode().orElse(null);
    ctx.attribute(DETAILS, e.details());
    switch (e) {
      case ApiException.InvalidRequest x ->
          write(ctx, 400, "invalid_request_error", x.getMessage(), code, false);
      case ApiException.Unauthenticated x ->
          write(ctx, 401, "authentication_error", x.getMessage(), code, false);
      case ApiException.PermissionDenied x ->
          write(ctx, 403, "permission_error", x.getMessage(), code, false);
      case ApiException.NotFound x ->
          write(ctx, 404, "not_found_error", x.getMessage(), code, false);
      case ApiException.MethodNotAllowed x ->
          write(ctx, 405, "invalid_request_error", x.getMessage(), code, false);
      case ApiException.Conflict x ->
          write(ctx, 409, "conflict_error", x.getMessage(), code, false);
      case ApiException.PreconditionFailed x ->
          write(ctx, 409, "memory_precondition_failed_error", x.getMessage(), code, false);
      case ApiException.PathConflict x -> {
        ctx.attribute(
            ERROR_FIELDS,
            Map.of(
                "conflicting_path", x.conflictingPath(),
                "conflicting_memory_id", x.conflictingMemoryId()));
        write(ctx, 409, "memory_path_conflict_error", x.getMessage(), code, false);
      }
      case ApiException.TooLarge x -> {
        swallowRest(ctx);
        ctx.header("Connection", "close"); // whatever is left of an oversize body is not read
        write(ctx, 413, "request_too_large", x.getMessage(), code, false);
      }
      case ApiException.RateLimited x -> {
        ctx.header("retry-after", Integer.toString(x.retryAfterSeconds()));
        write(ctx, 429, "rate_limit_error", x.getMessage(), code, true);
      }
      case ApiException.Unavailable x ->
          write(ctx, 503, "overloaded_error", x.getMessage(), code, true);
      case ApiException.Misdirected x ->
          write(ctx, 421, "invalid_request_error", x.getMessage(), code, false);
      case ApiException.NotImplemented x ->
          write(ctx, 501, "api_error", x.getMessage(), code, false);
    }
  }

  /**
   * Reads and drops what is left of the request body, up to {@link #SWALLOW_BYTES}. A connection
   * closed with unread request bytes is reset, and the reset can reach the client before it has
   * read the 413, which it then sees as a connection error and retries.
   */
  private static void swallowRest(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > SWALLOW_BYTES) {
      return; // too much to read; the client is told by the reset either way
    }
    byte[] buffer = new byte[64 * 1024];
    long left = SWALLOW_BYTES;
    try {
      InputStream in = ctx.req().getInputStream();
      int n;
      while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
        left -= n;
      }
    } catch (IOException | RuntimeException e) {
      // the client went away or the body is unreadable; the 413 is still the answer
    }
  }

  /** Writes the envelope; {@code retry} null leaves the SDK's default (retry 5xx). */
  static void write(
      Context ctx, int status, String type, String message, String errorCode, Boolean retry) {
    Map<String, Object> details = ctx.attribute(DETAILS);
    Map<String, String> fields = ctx.attribute(ERROR_FIELDS);
    byte[] body =
        envelope(
            type,
            message,
            errorCode,
            details == null ? Map.of() : details,
            fields == null ? Map.of() : fields,
            RequestIds.of(ctx));
    if (retry != null) {
      ctx.header("x-should-retry", retry.toString());
    }
    ctx.attribute(RENDERED, true);
    ctx.status(status).contentType("application/json").result(body);
  }

  /** The envelope's bytes; {@code errorCode} null leaves {@code details} out. */
  static byte[] envelope(String type, String message, String errorCode, String requestId) {
    return envelope(type, message, errorCode, Map.of(), Map.of(), requestId);
  }

  /**
   * The envelope's bytes, with more {@code details} fields after {@code error_code}, and more
   * {@code fields} of the error object itself after its message (spec §1.8: the memory API's {@code
   * conflicting_path}, say).
   */
  static byte[] envelope(
      String type,
      String message,
      String errorCode,
      Map<String, Object> details,
      Map<String, String> fields,
      String requestId) {
    ObjectNode body = Json.MAPPER.createObjectNode().put("type", "error");
    ObjectNode error = body.putObject("error").put("type", type).put("message", message);
    new TreeMap<>(fields).forEach(error::put);
    if (errorCode != null) {
      ObjectNode node = error.putObject("details").put("error_code", errorCode);
      details.forEach((field, value) -> node.set(field, Json.MAPPER.valueToTree(value)));
    }
    body.put("request_id", requestId);
    return Json.write(body).getBytes(StandardCharsets.UTF_8);
  }
}
