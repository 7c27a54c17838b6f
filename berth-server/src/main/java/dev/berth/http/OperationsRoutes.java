package dev.berth.http;

import dev.berth.api.ReadinessJson;
import dev.berth.domain.Readiness;
import dev.berth.metrics.ServerMetrics;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Set;

/**
 * For operators (README "Health, metrics and logs"): {@code GET /berth/v1/health} (the process
 * answers) and {@code /berth/v1/ready} (its dependencies do), both without a key and revealing
 * nothing of any workspace; {@code /berth/v1/metrics} in the Prometheus text format, for any key of
 * the server, or for anyone when the metrics are public.
 */
public final class OperationsRoutes implements HttpServer.Routes {
  static final String HEALTH = HttpServer.EXTENSIONS + "/health";
  static final String READY = HttpServer.EXTENSIONS + "/ready";
  static final String METRICS = HttpServer.EXTENSIONS + "/metrics";

  private final Readiness readiness;
  private final ServerMetrics metrics;
  private final boolean metricsPublic;

  public OperationsRoutes(Readiness readiness, ServerMetrics metrics, boolean metricsPublic) {
    this.readiness = readiness;
    this.metrics = metrics;
    this.metricsPublic = metricsPublic;
  }

  @Override
  public void register(JavalinConfig cfg) {
    cfg.routes.get(HEALTH, ctx -> ctx.json(Map.of("status", "ok")));
    cfg.routes.get(READY, this::ready);
    cfg.routes.get(METRICS, this::metrics);
  }

  @Override
  public Set<String> unauthenticated() {
    return metricsPublic ? Set.of(HEALTH, READY, METRICS) : Set.of(HEALTH, READY);
  }

  private void ready(Context ctx) {
    Readiness.Report report = readiness.check();
    ctx.status(report.ready() ? 200 : 503).json(ReadinessJson.from(report));
  }

  private void metrics(Context ctx) {
    ctx.contentType(ServerMetrics.CONTENT_TYPE).result(metrics.scrape());
  }
}
