package dev.berth.http;

import dev.berth.metrics.ServerMetrics;
import io.javalin.config.JavalinState;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import io.javalin.router.ParsedEndpoint;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per request answered, and its count and latency in the metrics: the request id (the
 * {@code request-id} header's), the method, the template of the route that matched ({@code
 * /v1/files/{file_id}}), the status, the time taken and, once a key has opened one, the workspace.
 * Never the path as sent, the query string or a header: paths hold the ids of a workspace's
 * objects, and query strings and headers can hold keys and tokens.
 *
 * <p>In text the line reads {@code req_… POST /v1/files 200 12 ms workspace=…}; as JSON the same
 * values are also fields of their own ({@code request_id}, {@code method}, {@code route}, {@code
 * status}, {@code duration_ms}, {@code workspace_id}).
 */
final class AccessLog {
  private static final Logger log = LoggerFactory.getLogger(AccessLog.class);

  private final ServerMetrics metrics;
  private final JavalinState routes;

  AccessLog(ServerMetrics metrics, JavalinState routes) {
    this.metrics = metrics;
    this.routes = routes;
  }

  /** A request Javalin answered, after its response was written. */
  void record(Context ctx, float millis) {
    String method = ctx.req().getMethod();
    record(
        RequestIds.of(ctx),
        method,
        route(ctx, method),
        ctx.statusCode(),
        Duration.ofNanos((long) (millis * 1_000_000.0)),
        HttpServer.workspace(ctx));
  }

  /**
   * The template of the route the request was for: the endpoint that answered it, which the context
   * keeps, else (refused before its endpoint ran, or no route at all) the first route that matches.
   * Matching tries a method's routes one after another, and for the resource routes, late in the
   * list, it took a POST or DELETE several times the rest of its line (38 of 49 us).
   */
  private String route(Context ctx, String method) {
    Endpoint answered = ctx.endpoints().matchedHttpEndpoint();
    if (answered != null) {
      return answered.path;
    }
    ParsedEndpoint matched =
        routes.internalRouter.findFirstHttpHandlerEntry(
            HandlerType.findOrCreate(method), ctx.path());
    return matched == null ? ServerMetrics.UNMATCHED : matched.endpoint.path;
  }

  /**
   * A request answered before it reached a route (see {@link ProtocolErrors}).
   *
   * @param workspace the caller's workspace, or null when no key opened one
   */
  void record(
      String requestId,
      String method,
      String route,
      int status,
      Duration duration,
      String workspace) {
    String m = ServerMetrics.method(method);
    metrics.request(m, route, status, duration);
    long ms = duration.toMillis();
    var line =
        log.atInfo()
            .addKeyValue("request_id", requestId)
            .addKeyValue("method", m)
            .addKeyValue("route", route)
            .addKeyValue("status", status)
            .addKeyValue("duration_ms", ms);
    if (workspace == null) {
      line.log("{} {} {} {} {} ms", requestId, m, route, status, ms);
    } else {
      line.addKeyValue("workspace_id", workspace)
          .log("{} {} {} {} {} ms workspace={}", requestId, m, route, status, ms, workspace);
    }
  }
}
