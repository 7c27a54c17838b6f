package dev.berth.http;

import dev.berth.domain.Ids;
import dev.berth.metrics.ServerMetrics;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;

/**
 * Jetty's error handler, for the failures it answers itself before Javalin sees the request: a
 * malformed request line, URI or header, an oversize header block, a bad {@code Content-Length} or
 * {@code Transfer-Encoding}, or a request refused while the server drains. Jetty's default writes
 * an HTML page; the SDKs need the envelope of spec §1.8 with a request id, like every other error.
 */
final class ProtocolErrors implements Request.Handler {
  private final AccessLog access;

  ProtocolErrors(AccessLog access) {
    this.access = access;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = response.getStatus();
    String message = (String) request.getAttribute(ErrorHandler.ERROR_MESSAGE);
    if (request.getAttribute(ErrorHandler.ERROR_EXCEPTION) instanceof HttpException e) {
      status = e.getCode();
      message = message == null ? e.getReason() : message;
    }
    if (status < 400) {
      status = 500; // an error without an error status: Jetty failed after committing nothing
    }
    if (message == null) {
      message = HttpStatus.getMessage(status);
    }
    String id = Ids.request();
    response.setStatus(status);
    response.getHeaders().put("request-id", id);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    Boolean retry = retry(status);
    if (retry != null) {
      response.getHeaders().put("x-should-retry", retry.toString());
    }
    byte[] body = ErrorMapper.envelope(type(status), describe(status, message), null, id);
    // HEAD and statuses without content: Jetty sends the headers and drops the body.
    response.write(true, ByteBuffer.wrap(body), callback);
    access.record(
        id,
        java.util.Objects.requireNonNullElse(request.getMethod(), ""),
        ServerMetrics.UNMATCHED,
        status,
        Duration.ofNanos(NanoTime.since(request.getBeginNanoTime())),
        null);
    return true;
  }

  /** spec §1.8: the recommended {@code error.type} of each status. */
  private static String type(int status) {
    return switch (status) {
      case 404 -> "not_found_error";
      case 408 -> "timeout_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 503 -> "overloaded_error";
      default -> status < 500 ? "invalid_request_error" : "api_error";
    };
  }

  /**
   * spec §1.9: a malformed request fails the same way every time, so say so; a 503 while draining
   * is worth a retry; other 5xx keep the SDK's default.
   */
  private static Boolean retry(int status) {
    return switch (status) {
      case 408, 429, 503 -> true;
      case 501, 505 -> false;
      default -> status < 500 ? false : null;
    };
  }

  private static String describe(int status, String reason) {
    return switch (status) {
      case 404 -> "no such endpoint";
      case 413 -> "request is too large";
      case 431 -> "request headers are too large";
      case 500 -> "internal server error";
      case 503 -> "the server is shutting down; retry shortly";
      default ->
          "malformed HTTP request: "
              + (reason.equals(HttpStatus.getMessage(status))
                  ? "cannot parse the request line, URI or headers"
                  : reason);
    };
  }
}
