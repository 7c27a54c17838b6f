package dev.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Deleted;
import dev.berth.api.SessionJson;
import dev.berth.domain.Ids;
import dev.berth.domain.Patch;
import dev.berth.domain.ResourceService;
import dev.berth.domain.SessionService;
import dev.berth.model.MemoryMount;
import dev.berth.model.Repository;
import dev.berth.model.SessionFilter;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/** {@code /v1/sessions} (spec §3). */
public final class SessionsRoutes implements HttpServer.Routes {
  static final int MAX_LIMIT = 100;
  private static final Predicate<String> SESSION_ID = Ids.shapeOf(Ids.SESSION);
  private static final Set<String> CREATE_FIELDS =
      Set.of(
          "agent",
          "environment_id",
          "resources",
          "title",
          "metadata",
          "vault_ids",
          "budget",
          "initial_events");
  private static final Set<String> EVENT_TYPES = Set.of("user.message", "user.define_outcome");

  private final SessionService sessions;
  private final long maxJsonBytes;

  public SessionsRoutes(SessionService sessions, long maxJsonBytes) {
    this.sessions = sessions;
    this.maxJsonBytes = maxJsonBytes;
  }

  @Override
  public void register(JavalinConfig cfg) {
    cfg.routes.post("/v1/sessions", this::create);
    cfg.routes.get("/v1/sessions", this::list);
    cfg.routes.get("/v1/sessions/{session_id}", this::retrieve);
    cfg.routes.post("/v1/sessions/{session_id}", this::update);
    cfg.routes.post("/v1/sessions/{session_id}/archive", this::archive);
    cfg.routes.delete("/v1/sessions/{session_id}", this::delete);
  }

  private void create(Context ctx) {
    JsonBody body = JsonBody.read(ctx, maxJsonBytes).allowOnly(CREATE_FIELDS);
    JsonNode agent = body.raw("agent").filter(a -> !a.isNull()).orElse(null);
    if (agent == null) {
      throw JsonBody.invalid("agent is required");
    }
    if (!agent.isTextual() && !agent.isObject()) {
      throw JsonBody.invalid("agent must be an agent id or an object");
    }
    var params =
        new SessionService.CreateParams(
            agent,
            body.requiredString("environment_id"),
            resources(body),
            body.optionalString("title"),
            body.metadata("metadata"),
            body.optionalStringArray("vault_ids").orElse(List.of()),
            budget(body),
            initialEvents(body));
    ctx.json(SessionJson.from(sessions.create(HttpServer.workspace(ctx), params)));
  }

  private void list(Context ctx) {
    Optional<String> agentId = Query.string(ctx, "agent_id");
    Optional<Integer> agentVersion = Query.intParam(ctx, "agent_version");
    boolean matchNothing = Query.string(ctx, "deployment_id").isPresent();
    var filter =
        new SessionFilter(
            Query.bool(ctx, "include_archived", false),
            agentId,
            agentId.isPresent() ? agentVersion : Optional.empty(),
            Query.string(ctx, "memory_store_id"),
            Query.array(ctx, "statuses"),
            Query.timestamp(ctx, "created_at[gt]"),
            Query.timestamp(ctx, "created_at[gte]"),
            Query.timestamp(ctx, "created_at[lt]"),
            Query.timestamp(ctx, "created_at[lte]"),
            Query.descending(ctx, true),
            matchNothing);
    var page =
        sessions.list(HttpServer.workspace(ctx), filter, Query.page(ctx, MAX_LIMIT, SESSION_ID));
    ctx.json(Pages.bidirectional(page.map(SessionJson::from)));
  }

  private void retrieve(Context ctx) {
    ctx.json(SessionJson.from(sessions.retrieve(HttpServer.workspace(ctx), id(ctx))));
  }

  private void update(Context ctx) {
    JsonBody body =
        JsonBody.read(ctx, maxJsonBytes)
            .allowOnly(Set.of("title", "metadata", "agent", "budget", "vault_ids"));
    if (body.has("vault_ids")) {
      throw JsonBody.invalid("vault_ids cannot be changed after the session is created");
    }
    Patch<JsonNode> budget = Patch.absent();
    if (body.has("budget")) {
      budget = Patch.of(budget(body).orElse(null));
    }
    var params =
        new SessionService.UpdateParams(
            body.patchString("title"),
            body.metadataPatch("metadata"),
            body.raw("agent").filter(a -> !a.isNull()),
            budget);
    ctx.json(SessionJson.from(sessions.update(HttpServer.workspace(ctx), id(ctx), params)));
  }

  private void archive(Context ctx) {
    ctx.json(SessionJson.from(sessions.archive(HttpServer.workspace(ctx), id(ctx))));
  }

  private void delete(Context ctx) {
    ctx.json(new Deleted(sessions.delete(HttpServer.workspace(ctx), id(ctx)), "session_deleted"));
  }

  private static String id(Context ctx) {
    return ctx.pathParam("session_id");
  }

  private static List<ResourceService.Params> resources(JsonBody body) {
    List<ResourceService.Params> out = new ArrayList<>();
    for (JsonBody r : body.optionalObjectArray("resources").orElse(List.of())) {
      String type = r.requiredString("type");
      switch (type) {
        case "file" -> out.add(ResourcesRoutes.fileParams(r));
        case "github_repository" -> out.add(repositoryParams(r));
        case "memory_store" -> out.add(memoryStoreParams(r));
        default ->
            throw JsonBody.invalid(
                "resource type must be one of file, github_repository, memory_store; got '"
                    + type
                    + "'");
      }
    }
    return out;
  }

  /**
   * {@code {"type":"github_repository","url","authorization_token"?,"checkout"?,"mount_path"?}};
   * the checkout is {@code {"type":"branch","name"}} or {@code {"type":"commit","sha"}}.
   */
  private static ResourceService.RepositoryParams repositoryParams(JsonBody r) {
    r.allowOnly(Set.of("type", "url", "authorization_token", "checkout", "mount_path"));
    Optional<Repository.Checkout> checkout =
        r.optionalObject("checkout")
            .map(
                c -> {
                  String type = c.requiredString("type");
                  return switch (type) {
                    case "branch" -> {
                      c.allowOnly(Set.of("type", "name"));
                      yield Repository.branch(c.requiredString("name"));
                    }
                    case "commit" -> {
                      c.allowOnly(Set.of("type", "sha"));
                      yield Repository.commit(c.requiredString("sha"));
                    }
                    default ->
                        throw JsonBody.invalid(
                            "checkout.type must be 'branch' or 'commit', got '" + type + "'");
                  };
                });
    return new ResourceService.RepositoryParams(
        Repository.of(r.requiredString("url"), checkout),
        r.optionalString("authorization_token"),
        r.optionalString("mount_path"));
  }

  /** {@code {"type":"memory_store","memory_store_id","access"?,"instructions"?}}. */
  private static ResourceService.MemoryStoreParams memoryStoreParams(JsonBody r) {
    r.allowOnly(Set.of("type", "memory_store_id", "access", "instructions"));
    return new ResourceService.MemoryStoreParams(
        r.requiredString("memory_store_id"),
        r.optionalString("access")
            .map(MemoryMount.Access::parse)
            .orElse(MemoryMount.Access.READ_WRITE),
        r.optionalString("instructions"));
  }

  private static Optional<JsonNode> budget(JsonBody body) {
    Optional<JsonNode> budget = body.raw("budget").filter(b -> !b.isNull());
    if (budget.isPresent() && !budget.get().isObject()) {
      throw JsonBody.invalid("budget must be an object");
    }
    return budget;
  }

  private static int initialEvents(JsonBody body) {
    List<JsonBody> events = body.optionalObjectArray("initial_events").orElse(List.of());
    for (JsonBody e : events) {
      String type = e.requiredString("type");
      if (!EVENT_TYPES.contains(type)) {
        throw JsonBody.invalid(
            "initial_events may only hold user.message and user.define_outcome events; got '"
                + type
                + "'");
      }
    }
    return events.size();
  }
}
