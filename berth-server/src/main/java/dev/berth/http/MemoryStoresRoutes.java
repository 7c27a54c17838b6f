package dev.berth.http;

import dev.berth.api.Deleted;
import dev.berth.api.MemoryStoreJson;
import dev.berth.domain.Ids;
import dev.berth.domain.MemoryStoreService;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Set;
import java.util.function.Predicate;

/** {@code /v1/memory_stores}: the stores themselves (spec §7.1); their memories are elsewhere. */
public final class MemoryStoresRoutes implements HttpServer.Routes {
  static final int MAX_LIMIT = 100;
  private static final Predicate<String> STORE_ID = Ids.shapeOf(Ids.MEMORY_STORE);
  private static final Set<String> FIELDS = Set.of("name", "description", "metadata");

  private final MemoryStoreService stores;
  private final long maxJsonBytes;

  public MemoryStoresRoutes(MemoryStoreService stores, long maxJsonBytes) {
    this.stores = stores;
    this.maxJsonBytes = maxJsonBytes;
  }

  @Override
  public void register(JavalinConfig cfg) {
    cfg.routes.post("/v1/memory_stores", this::create);
    cfg.routes.get("/v1/memory_stores", this::list);
    cfg.routes.get("/v1/memory_stores/{memory_store_id}", this::retrieve);
    cfg.routes.post("/v1/memory_stores/{memory_store_id}", this::update);
    cfg.routes.delete("/v1/memory_stores/{memory_store_id}", this::delete);
    cfg.routes.post("/v1/memory_stores/{memory_store_id}/archive", this::archive);
  }

  private void create(Context ctx) {
    var body = JsonBody.read(ctx, maxJsonBytes).allowOnly(FIELDS);
    var params =
        new MemoryStoreService.CreateParams(
            body.requiredString("name"),
            body.optionalString("description"),
            body.metadata("metadata"));
    ctx.json(MemoryStoreJson.from(stores.create(HttpServer.workspace(ctx), params)));
  }

  private void list(Context ctx) {
    var page =
        stores.list(
            HttpServer.workspace(ctx),
            Query.bool(ctx, "include_archived", false),
            Query.timestamp(ctx, "created_at[gte]"),
            Query.timestamp(ctx, "created_at[lte]"),
            Query.page(ctx, MAX_LIMIT, STORE_ID));
    ctx.json(Pages.cursor(page.map(MemoryStoreJson::from)));
  }

  private void retrieve(Context ctx) {
    ctx.json(MemoryStoreJson.from(stores.retrieve(HttpServer.workspace(ctx), storeId(ctx))));
  }

  /** Absent or null fields keep their values; {@code description: ""} clears it. */
  private void update(Context ctx) {
    var body = JsonBody.read(ctx, maxJsonBytes).allowOnly(FIELDS);
    var params =
        new MemoryStoreService.UpdateParams(
            body.optionalString("name"),
            body.optionalString("description"),
            body.metadataPatch("metadata"));
    ctx.json(MemoryStoreJson.from(stores.update(HttpServer.workspace(ctx), storeId(ctx), params)));
  }

  private void archive(Context ctx) {
    ctx.json(MemoryStoreJson.from(stores.archive(HttpServer.workspace(ctx), storeId(ctx))));
  }

  private void delete(Context ctx) {
    var deleted = stores.delete(HttpServer.workspace(ctx), storeId(ctx));
    ctx.json(new Deleted(deleted.id(), "memory_store_deleted"));
  }

  static String storeId(Context ctx) {
    return ctx.pathParam("memory_store_id");
  }
}
