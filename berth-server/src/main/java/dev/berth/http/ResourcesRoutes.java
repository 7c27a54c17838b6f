package dev.berth.http;

import dev.berth.api.Deleted;
import dev.berth.api.ResourceJson;
import dev.berth.domain.Ids;
import dev.berth.domain.ResourceService;
import dev.berth.error.ApiException;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Set;
import java.util.function.Predicate;

/** {@code /v1/sessions/{session_id}/resources} (spec §2). */
public final class ResourcesRoutes implements HttpServer.Routes {
  static final int MAX_LIMIT = 100;
  private static final Predicate<String> RESOURCE_ID = Ids.shapeOf(Ids.RESOURCE);
  private static final String BASE = "/v1/sessions/{session_id}/resources";

  private final ResourceService resources;
  private final long maxJsonBytes;

  public ResourcesRoutes(ResourceService resources, long maxJsonBytes) {
    this.resources = resources;
    this.maxJsonBytes = maxJsonBytes;
  }

  @Override
  public void register(JavalinConfig cfg) {
    cfg.routes.post(BASE, this::add);
    cfg.routes.get(BASE, this::list);
    cfg.routes.get(BASE + "/{resource_id}", this::retrieve);
    cfg.routes.post(BASE + "/{resource_id}", this::update);
    cfg.routes.delete(BASE + "/{resource_id}", this::delete);
  }

  private void add(Context ctx) {
    JsonBody body = JsonBody.read(ctx, maxJsonBytes);
    String type = body.requiredString("type");
    if (!type.equals("file")) {
      throw new ApiException.InvalidRequest(
          type.equals("github_repository")
              ? "only file resources can be added to an existing session: repositories are"
                  + " declared when the session is created (resources of POST /v1/sessions)"
              : type.equals("memory_store")
                  ? "only file resources can be added to an existing session: memory stores are"
                      + " attached when the session is created (resources of POST /v1/sessions)"
                  : "type must be 'file', got '" + type + "'");
    }
    var added = resources.add(HttpServer.workspace(ctx), session(ctx), fileParams(body));
    ctx.json(ResourceJson.from(added));
  }

  private void list(Context ctx) {
    var page =
        resources.list(
            HttpServer.workspace(ctx), session(ctx), Query.page(ctx, MAX_LIMIT, RESOURCE_ID));
    ctx.json(Pages.cursor(page.map(ResourceJson::from)));
  }

  private void retrieve(Context ctx) {
    ctx.json(
        ResourceJson.from(resources.retrieve(HttpServer.workspace(ctx), session(ctx), id(ctx))));
  }

  private void update(Context ctx) {
    JsonBody body = JsonBody.read(ctx, maxJsonBytes).allowOnly(Set.of("authorization_token"));
    String token = body.requiredString("authorization_token");
    ctx.json(
        ResourceJson.from(
            resources.update(HttpServer.workspace(ctx), session(ctx), id(ctx), token)));
  }

  private void delete(Context ctx) {
    var deleted = resources.delete(HttpServer.workspace(ctx), session(ctx), id(ctx));
    ctx.json(new Deleted(deleted.id(), "session_resource_deleted"));
  }

  /** {@code {"type":"file","file_id","mount_path"?}}, shared with session creation. */
  static ResourceService.FileParams fileParams(JsonBody body) {
    body.allowOnly(Set.of("type", "file_id", "mount_path"));
    return new ResourceService.FileParams(
        body.requiredString("file_id"), body.optionalString("mount_path"));
  }

  private static String session(Context ctx) {
    return ctx.pathParam("session_id");
  }

  private static String id(Context ctx) {
    return ctx.pathParam("resource_id");
  }
}
