package dev.berth.http;

import dev.berth.api.Deleted;
import dev.berth.api.EnvironmentJson;
import dev.berth.domain.EnvironmentService;
import dev.berth.domain.Ids;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Set;
import java.util.function.Predicate;

/** {@code /v1/environments} (spec §5). */
public final class EnvironmentsRoutes implements HttpServer.Routes {
  static final int MAX_LIMIT = 100;
  private static final Predicate<String> ENVIRONMENT_ID = Ids.shapeOf(Ids.ENVIRONMENT);
  private static final Set<String> FIELDS =
      Set.of("name", "config", "description", "metadata", "scope");

  private final EnvironmentService environments;
  private final long maxJsonBytes;

  public EnvironmentsRoutes(EnvironmentService environments, long maxJsonBytes) {
    this.environments = environments;
    this.maxJsonBytes = maxJsonBytes;
  }

  @Override
  public void register(JavalinConfig cfg) {
    cfg.routes.post("/v1/environments", this::create);
    cfg.routes.get("/v1/environments", this::list);
    cfg.routes.get("/v1/environments/{environment_id}", this::retrieve);
    cfg.routes.post("/v1/environments/{environment_id}", this::update);
    cfg.routes.post("/v1/environments/{environment_id}/archive", this::archive);
    cfg.routes.delete("/v1/environments/{environment_id}", this::delete);
  }

  private void create(Context ctx) {
    var body = JsonBody.read(ctx, maxJsonBytes).allowOnly(FIELDS);
    var params =
        new EnvironmentService.CreateParams(
            body.requiredString("name"),
            body.raw("config").filter(c -> !c.isNull()),
            body.optionalString("description"),
            body.metadata("metadata"),
            body.optionalString("scope"));
    ctx.json(EnvironmentJson.from(environments.create(HttpServer.workspace(ctx), params)));
  }

  private void list(Context ctx) {
    var page =
        environments.list(
            HttpServer.workspace(ctx),
            Query.bool(ctx, "include_archived", false),
            Query.page(ctx, MAX_LIMIT, ENVIRONMENT_ID));
    ctx.json(Pages.cursor(page.map(EnvironmentJson::from)));
  }

  private void retrieve(Context ctx) {
    ctx.json(
        EnvironmentJson.from(
            environments.retrieve(HttpServer.workspace(ctx), ctx.pathParam("environment_id"))));
  }

  private void update(Context ctx) {
    var body = JsonBody.read(ctx, maxJsonBytes).allowOnly(FIELDS);
    var params =
        new EnvironmentService.UpdateParams(
            body.optionalString("name"),
            body.patchString("description"),
            body.raw("config").filter(c -> !c.isNull()),
            body.metadataPatch("metadata"),
            body.optionalString("scope"));
    ctx.json(
        EnvironmentJson.from(
            environments.update(
                HttpServer.workspace(ctx), ctx.pathParam("environment_id"), params)));
  }

  private void archive(Context ctx) {
    ctx.json(
        EnvironmentJson.from(
            environments.archive(HttpServer.workspace(ctx), ctx.pathParam("environment_id"))));
  }

  private void delete(Context ctx) {
    var deleted = environments.delete(HttpServer.workspace(ctx), ctx.pathParam("environment_id"));
    ctx.json(new Deleted(deleted.id(), "environment_deleted"));
  }
}
