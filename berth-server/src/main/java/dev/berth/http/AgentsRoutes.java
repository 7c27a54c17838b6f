package dev.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.AgentJson;
import dev.berth.domain.AgentService;
import dev.berth.domain.Ids;
import dev.berth.domain.Patch;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** {@code /v1/agents} (spec §4). */
public final class AgentsRoutes implements HttpServer.Routes {
  static final int MAX_LIMIT = 100;
  private static final Predicate<String> AGENT_ID = Ids.shapeOf(Ids.AGENT);
  private static final Set<String> CREATE_FIELDS =
      Set.of(
          "model",
          "name",
          "description",
          "system",
          "tools",
          "mcp_servers",
          "skills",
          "execution_identity",
          "multiagent",
          "metadata");

  /** An update takes the create fields plus the optimistic-concurrency {@code version}. */
  private static final Set<String> UPDATE_FIELDS =
      Stream.concat(CREATE_FIELDS.stream(), Stream.of("version"))
          .collect(Collectors.toUnmodifiableSet());

  private final AgentService agents;
  private final long maxJsonBytes;

  public AgentsRoutes(AgentService agents, long maxJsonBytes) {
    this.agents = agents;
    this.maxJsonBytes = maxJsonBytes;
  }

  @Override
  public void register(JavalinConfig cfg) {
    cfg.routes.post("/v1/agents", this::create);
    cfg.routes.get("/v1/agents", this::list);
    cfg.routes.get("/v1/agents/{agent_id}", this::retrieve);
    cfg.routes.post("/v1/agents/{agent_id}", this::update);
    cfg.routes.get("/v1/agents/{agent_id}/versions", this::listVersions);
    cfg.routes.post("/v1/agents/{agent_id}/archive", this::archive);
  }

  private void create(Context ctx) {
    var body = JsonBody.read(ctx, maxJsonBytes).allowOnly(CREATE_FIELDS);
    var params =
        new AgentService.CreateParams(
            body.raw("model").orElse(null),
            body.requiredString("name"),
            body.optionalString("description"),
            body.optionalString("system"),
            body.raw("tools"),
            body.raw("mcp_servers"),
            body.raw("skills"),
            body.raw("execution_identity"),
            body.raw("multiagent"),
            body.metadata("metadata"));
    ctx.json(AgentJson.from(agents.create(HttpServer.workspace(ctx), params)));
  }

  private void list(Context ctx) {
    var page =
        agents.list(
            HttpServer.workspace(ctx),
            Query.bool(ctx, "include_archived", false),
            Query.timestamp(ctx, "created_at[gte]"),
            Query.timestamp(ctx, "created_at[lte]"),
            Query.page(ctx, MAX_LIMIT, AGENT_ID));
    ctx.json(Pages.cursor(page.map(AgentJson::from)));
  }

  private void retrieve(Context ctx) {
    ctx.json(
        AgentJson.from(
            agents.retrieve(
                HttpServer.workspace(ctx),
                ctx.pathParam("agent_id"),
                Query.intParam(ctx, "version"))));
  }

  private void update(Context ctx) {
    var body = JsonBody.read(ctx, maxJsonBytes).allowOnly(UPDATE_FIELDS);
    var params =
        new AgentService.UpdateParams(
            body.optionalInteger("version"),
            body.raw("model").filter(m -> !m.isNull()),
            body.optionalString("name"),
            body.patchString("description"),
            body.patchString("system"),
            patch(body, "tools"),
            patch(body, "mcp_servers"),
            patch(body, "skills"),
            patch(body, "execution_identity"),
            patch(body, "multiagent"),
            body.metadataPatch("metadata"));
    ctx.json(
        AgentJson.from(
            agents.update(HttpServer.workspace(ctx), ctx.pathParam("agent_id"), params)));
  }

  private void listVersions(Context ctx) {
    var page =
        agents.listVersions(
            HttpServer.workspace(ctx),
            ctx.pathParam("agent_id"),
            Query.page(ctx, MAX_LIMIT, AgentService::isVersionPosition));
    ctx.json(Pages.cursor(page.map(AgentJson::from)));
  }

  private void archive(Context ctx) {
    ctx.json(AgentJson.from(agents.archive(HttpServer.workspace(ctx), ctx.pathParam("agent_id"))));
  }

  /** Absent → keep; present (null included) → replace. */
  private static Patch<JsonNode> patch(JsonBody body, String field) {
    Optional<JsonNode> raw = body.raw(field);
    return raw.isPresent() ? Patch.of(raw.get()) : Patch.absent();
  }
}
