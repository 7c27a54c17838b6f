package dev.berth.http;

import dev.berth.api.Deleted;
import dev.berth.api.MemoryJson;
import dev.berth.api.MemoryVersionJson;
import dev.berth.domain.MemoryService;
import dev.berth.domain.MemoryService.View;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /v1/memory_stores/{id}/memories} and {@code …/memory_versions} (spec §7.2). Creates and
 * updates answer in the {@code basic} view unless asked otherwise, retrievals in {@code full}.
 */
public final class MemoriesRoutes implements HttpServer.Routes {
  static final int MAX_LIMIT = 100;
  private static final String MEMORIES = "/v1/memory_stores/{memory_store_id}/memories";
  private static final String VERSIONS = "/v1/memory_stores/{memory_store_id}/memory_versions";
  private static final Set<String> CREATE_FIELDS = Set.of("path", "content");
  private static final Set<String> UPDATE_FIELDS = Set.of("path", "content", "precondition");
  private static final Set<String> PRECONDITION_FIELDS = Set.of("type", "content_sha256");

  private final MemoryService memories;
  private final long maxJsonBytes;

  public MemoriesRoutes(MemoryService memories, long maxJsonBytes) {
    this.memories = memories;
    this.maxJsonBytes = maxJsonBytes;
  }

  @Override
  public void register(JavalinConfig cfg) {
    cfg.routes.post(MEMORIES, this::create);
    cfg.routes.get(MEMORIES, this::list);
    cfg.routes.get(MEMORIES + "/{memory_id}", this::retrieve);
    cfg.routes.post(MEMORIES + "/{memory_id}", this::update);
    cfg.routes.delete(MEMORIES + "/{memory_id}", this::delete);
    cfg.routes.get(VERSIONS, this::listVersions);
    cfg.routes.get(VERSIONS + "/{memory_version_id}", this::retrieveVersion);
    cfg.routes.post(VERSIONS + "/{memory_version_id}/redact", this::redact);
  }

  private void create(Context ctx) {
    View view = view(ctx, View.BASIC);
    var body = JsonBody.read(ctx, maxJsonBytes).allowOnly(CREATE_FIELDS);
    String path = body.requiredString("path");
    String content =
        body.optionalString("content")
            .orElseThrow(
                () -> JsonBody.invalid("content is required: a string, \"\" for an empty memory"));
    var memory =
        memories.create(
            HttpServer.workspace(ctx),
            MemoryStoresRoutes.storeId(ctx),
            path,
            content,
            HttpServer.actor(ctx));
    ctx.json(MemoryJson.from(memory, view == View.FULL));
  }

  private void list(Context ctx) {
    View view = view(ctx, View.BASIC);
    var page =
        memories.list(
            HttpServer.workspace(ctx),
            MemoryStoresRoutes.storeId(ctx),
            Query.string(ctx, "path_prefix"),
            Query.intParam(ctx, "depth").orElse(0),
            view,
            Query.page(ctx, MAX_LIMIT, position -> position.startsWith("/")));
    ctx.json(Pages.cursor(page.map(e -> MemoryJson.from(e, view == View.FULL))));
  }

  private void retrieve(Context ctx) {
    View view = view(ctx, View.FULL);
    var memory =
        memories.retrieve(
            HttpServer.workspace(ctx), MemoryStoresRoutes.storeId(ctx), memoryId(ctx), view);
    ctx.json(MemoryJson.from(memory, view == View.FULL));
  }

  /** Absent or null {@code path} and {@code content} keep theirs. */
  private void update(Context ctx) {
    View view = view(ctx, View.BASIC);
    var body = JsonBody.read(ctx, maxJsonBytes).allowOnly(UPDATE_FIELDS);
    Optional<String> expected =
        body.optionalObject("precondition")
            .map(
                p -> {
                  p.allowOnly(PRECONDITION_FIELDS);
                  if (!p.requiredString("type").equals("content_sha256")) {
                    throw JsonBody.invalid("precondition.type must be 'content_sha256'");
                  }
                  return p.requiredString("content_sha256");
                });
    var params =
        new MemoryService.UpdateParams(
            body.optionalString("path"), body.optionalString("content"), expected);
    var memory =
        memories.update(
            HttpServer.workspace(ctx),
            MemoryStoresRoutes.storeId(ctx),
            memoryId(ctx),
            params,
            HttpServer.actor(ctx));
    ctx.json(MemoryJson.from(memory, view == View.FULL));
  }

  private void delete(Context ctx) {
    var deleted =
        memories.delete(
            HttpServer.workspace(ctx),
            MemoryStoresRoutes.storeId(ctx),
            memoryId(ctx),
            Query.string(ctx, "expected_content_sha256"),
            HttpServer.actor(ctx));
    ctx.json(new Deleted(deleted.id(), "memory_deleted"));
  }

  private void listVersions(Context ctx) {
    View view = view(ctx, View.BASIC);
    var query =
        new MemoryService.VersionQuery(
            Query.string(ctx, "memory_id"),
            Query.string(ctx, "operation"),
            Query.string(ctx, "api_key_id"),
            Query.string(ctx, "session_id"),
            Query.string(ctx, "service_account_id"),
            Query.timestamp(ctx, "created_at[gte]"),
            Query.timestamp(ctx, "created_at[lte]"));
    var page =
        memories.listVersions(
            HttpServer.workspace(ctx),
            MemoryStoresRoutes.storeId(ctx),
            query,
            view,
            Query.page(ctx, MAX_LIMIT, MemoryService::isVersionPosition));
    ctx.json(Pages.cursor(page.map(v -> MemoryVersionJson.from(v, view == View.FULL))));
  }

  private void retrieveVersion(Context ctx) {
    View view = view(ctx, View.FULL);
    var version =
        memories.retrieveVersion(
            HttpServer.workspace(ctx), MemoryStoresRoutes.storeId(ctx), versionId(ctx), view);
    ctx.json(MemoryVersionJson.from(version, view == View.FULL));
  }

  private void redact(Context ctx) {
    var version =
        memories.redact(
            HttpServer.workspace(ctx),
            MemoryStoresRoutes.storeId(ctx),
            versionId(ctx),
            HttpServer.actor(ctx));
    ctx.json(MemoryVersionJson.from(version, true));
  }

  private static View view(Context ctx, View fallback) {
    return Query.string(ctx, "view").map(View::parse).orElse(fallback);
  }

  private static String memoryId(Context ctx) {
    return ctx.pathParam("memory_id");
  }

  private static String versionId(Context ctx) {
    return ctx.pathParam("memory_version_id");
  }
}
