package dev.berth.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.error.ApiException;
import dev.berth.json.Json;
import dev.berth.store.Database;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.sql.SQLTransientConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns any failure into the API's error envelope (spec §1.8) with the right status and {@code
 * x-should-retry} (spec §1.9). The only place that writes error JSON: {@link ProtocolErrors}
 * uses {@link #envelope} for the failures Jetty answers before any route runs.
 */
final class ErrorMapper {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);
  static final String RENDERED = "berth.error-rendered";

  private ErrorMapper() {}

  static void render(Exception failure, Context ctx) {
    switch (failure) {
      case ApiException e -> render(ctx, e);
      case Database.StoreFailure e when isUnreachable(e) -> {
        log.warn("metadata store unreachable: {}", e.getMessage());
        write(ctx, 503, "overloaded_error", "the metadata store is unavailable; retry shortly", null, true);
      }
      default -> {
        log.error("request {} {} failed", ctx.method(), ctx.path(), failure);
        write(ctx, 500, "api_error", "internal server error", null, null);
      }
    }
  }

  private static void render(Context ctx, ApiException e) {
    String code = e.errorCode().orElse(null);
    switch (e) {
      case ApiException.InvalidRequest x ->
          write(ctx, 400, "invalid_request_error", x.getMessage(), code, false);
      case ApiException.Unauthenticated x ->
          write(ctx, 401, "authentication_error", x.getMessage(), code, false);
      case ApiException.PermissionDenied x ->
          write(ctx, 403, "permission_error", x.getMessage(), code, false);
      case ApiException.NotFound x -> write(ctx, 404, "not_found_error", x.getMessage(), code, false);
      case ApiException.MethodNotAllowed x ->
          write(ctx, 405, "invalid_request_error", x.getMessage(), code, false);
      case ApiException.Conflict x -> write(ctx, 409, "conflict_error", x.getMessage(), code, false);
      case ApiException.TooLarge x -> {
        ctx.header("Connection", "close"); // the rest of an oversize body is not read
        write(ctx, 413, "request_too_large", x.getMessage(), code, false);
      }
      case ApiException.Unavailable x -> write(ctx, 503, "overloaded_error", x.getMessage(), code, true);
    }
  }

  /** Writes the envelope; {@code retry} null leaves the SDK's default (retry 5xx). */
  static void write(
      Context ctx, int status, String type, String message, String errorCode, Boolean retry) {
    byte[] body = envelope(type, message, errorCode, RequestIds.of(ctx));
    if (retry != null) {
      ctx.header("x-should-retry", retry.toString());
    }
    ctx.attribute(RENDERED, Boolean.TRUE);
    ctx.status(status).contentType("application/json").result(body);
  }

  /** The envelope's bytes; {@code errorCode} null leaves {@code details} out. */
  static byte[] envelope(String type, String message, String errorCode, String requestId) {
    ObjectNode body = Json.MAPPER.createObjectNode().put("type", "error");
    ObjectNode error = body.putObject("error").put("type", type).put("message", message);
    if (errorCode != null) {
      error.putObject("details").put("error_code", errorCode);
    }
    body.put("request_id", requestId);
    return Json.write(body).getBytes(StandardCharsets.UTF_8);
  }

  private static boolean isUnreachable(Database.StoreFailure e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException) {
        return true;
      }
      if (t instanceof java.sql.SQLException s
          && s.getSQLState() != null
          && s.getSQLState().startsWith("08")) {
        return true;
      }
    }
    return false;
  }
}
