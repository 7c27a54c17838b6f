package dev.berth.http;

import dev.berth.config.BerthConfig;
import dev.berth.domain.Workspaces;
import dev.berth.error.ApiException;
import dev.berth.error.StartupFailure;
import dev.berth.metrics.ServerMetrics;
import dev.berth.model.Actor;
import dev.berth.model.Caller;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.json.JavalinJackson;
import io.javalin.router.ParsedEndpoint;
import io.javalin.util.JavalinBindException;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;

/**
 * The HTTP face of Berth: Javalin on virtual threads, the common conventions of spec §1 applied
 * once here (request ids, API keys, workspaces, beta headers, errors), and the routes of each
 * resource family registered by its handler class.
 */
public final class HttpServer implements AutoCloseable {
  static final String MANAGED_AGENTS_BETA = "managed-agents-2026-04-01";
  static final String AGENT_MEMORY_BETA = "agent-memory-2026-07-22";
  private static final String WORKSPACE = "berth.workspace";
  private static final String API_KEY_ID = "berth.api-key-id";

  /** Berth's own endpoints, beside the hosted API's {@code /v1}: same keys, no beta header. */
  static final String EXTENSIONS = "/berth/v1";

  /**
   * The route families behind a beta (spec §1.4), each with the betas that open it: memory stores
   * take their own or the Managed Agents one.
   */
  private static final Map<String, List<String>> BETA_FAMILIES =
      Map.of(
          "sessions", List.of(MANAGED_AGENTS_BETA),
          "agents", List.of(MANAGED_AGENTS_BETA),
          "environments", List.of(MANAGED_AGENTS_BETA),
          "memory_stores", List.of(AGENT_MEMORY_BETA, MANAGED_AGENTS_BETA));

  /** How long a connection may idle while the connection limit is reached. */
  static final Duration IDLE_AT_LIMIT = Duration.ofSeconds(2);

  private final Javalin app;

  private HttpServer(Javalin app) {
    this.app = app;
  }

  /** The route families: each registers its endpoints. */
  public interface Routes {
    void register(JavalinConfig config);

    /** The paths of this family's endpoints that answer without an API key. */
    default Set<String> unauthenticated() {
      return Set.of();
    }
  }

  /**
   * Starts serving on the configured address, with at most {@code maxConnections} connections open:
   * past that, Jetty stops accepting until one closes, and new clients wait in the listening
   * socket's backlog rather than take the process's last descriptors.
   */
  public static HttpServer start(
      BerthConfig config,
      Workspaces workspaces,
      List<Routes> families,
      int maxConnections,
      ServerMetrics metrics) {
    Drain drain = new Drain();
    Set<String> open = new HashSet<>();
    families.forEach(family -> open.addAll(family.unauthenticated()));
    Javalin app =
        Javalin.create(
            cfg -> {
              cfg.concurrency.useVirtualThreads = true;
              cfg.http.maxRequestSize = Long.MAX_VALUE; // bodies are bounded where they are read
              cfg.http.prefer405over404 = true;
              cfg.router.ignoreTrailingSlashes = false;
              cfg.startup.showJavalinBanner = false;
              cfg.jsonMapper(new JavalinJackson(dev.berth.json.Json.MAPPER, true));
              cfg.routes.before(RequestIds::assign);
              cfg.routes.before("/v1/*", ctx -> authorize(ctx, workspaces));
              cfg.routes.before(
                  EXTENSIONS + "/*",
                  ctx -> {
                    if (!open.contains(ctx.path())) {
                      authorize(ctx, workspaces);
                    }
                  });
              cfg.routes.before(Query::checkQueryString);
              cfg.routes.exception(Exception.class, ErrorMapper::render);
              cfg.router.javaLangErrorHandler(ErrorMapper::renderError);
              cfg.routes.error(404, HttpServer::unknownRoute);
              cfg.routes.error(405, HttpServer::wrongMethod);
              for (Routes family : families) {
                family.register(cfg);
              }
              answerHeadLikeGet(cfg);
              AccessLog access = new AccessLog(metrics, cfg.unsafe);
              cfg.requestLogger.http(access::record);
              cfg.jetty.modifyServer(
                  server -> {
                    configureJetty(server, drain, access);
                    var limit = new NetworkConnectionLimit(maxConnections, server);
                    // at the limit, idle keep-alive connections give way to waiting clients
                    limit.setEndPointIdleTimeout(IDLE_AT_LIMIT.toMillis());
                    server.addBean(limit);
                  });
              cfg.jetty.addConnector(
                  (server, http) -> drain.connector(server, http, config.host(), config.port()));
              // Javalin picks LEGACY, which lets %u escapes reach its path decoder (a 500) and
              // passes %2F, %2e%2e and // through; no id or path of the API needs them.
              cfg.jetty.modifyHttpConfiguration(
                  http -> http.setUriCompliance(UriCompliance.DEFAULT));
            });
    try {
      app.start(); // on the connector above
    } catch (JavalinBindException e) {
      throw new StartupFailure(bindFailure(config, e), e);
    }
    return new HttpServer(app);
  }

  /** Why the port could not be had, and which setting to change, in one line. */
  private static String bindFailure(BerthConfig config, JavalinBindException e) {
    String where = "port " + config.port() + " on " + config.host();
    String reason = "";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException && t.getMessage() != null) {
        reason = t.getMessage();
      }
    }
    if (reason.contains("in use")) {
      return where
          + " is in use; stop what holds it, or choose another port with --port (BERTH_PORT)";
    }
    return "cannot listen on "
        + where
        + (reason.isEmpty() ? "" : " (" + reason + ")")
        + "; check --host (BERTH_HOST) and --port (BERTH_PORT)";
  }

  /**
   * Javalin answers HEAD on a GET route with an empty text/plain 200 without running the route, so
   * a HEAD of a missing file said 200. Running the GET handler instead gives the same status and
   * headers; Jetty drops the body of a HEAD response.
   */
  private static void answerHeadLikeGet(JavalinConfig cfg) {
    for (ParsedEndpoint route : List.copyOf(cfg.unsafe.internalRouter.allHttpHandlers())) {
      if (route.endpoint.method.equals(HandlerType.GET)) {
        cfg.routes.head(route.endpoint.path, route.endpoint.handler);
      }
    }
  }

  /**
   * Errors Jetty raises before routing get the envelope and an access-log line too ({@link
   * ProtocolErrors}); a stop drains in-flight requests ({@link Drain}).
   */
  private static void configureJetty(Server server, Drain drain, AccessLog access) {
    server.setErrorHandler(new ProtocolErrors(access));
    server.insertHandler(drain);
    server.setStopTimeout(Drain.TIMEOUT.toMillis());
  }

  public int port() {
    return app.port();
  }

  /** A route as registered: its method and its path template ({@code /v1/files/{file_id}}). */
  public record Route(String method, String path) {}

  /**
   * Every route the server answers, as Javalin holds them (HEAD included), for checking the OpenAPI
   * document against what is really registered.
   */
  public List<Route> routes() {
    return app.unsafe.internalRouter.allHttpHandlers().stream()
        .map(handler -> handler.endpoint)
        .filter(endpoint -> endpoint.method.isHttpMethod())
        .map(endpoint -> new Route(endpoint.method.name(), endpoint.path))
        .toList();
  }

  /** Stops accepting connections, drains in-flight requests (see {@link Drain}), stops. */
  @Override
  public void close() {
    app.stop();
  }

  /** The workspace of the caller's API key. */
  static String workspace(Context ctx) {
    return ctx.attribute(WORKSPACE);
  }

  /** The caller as the author of a change: its API key, by id. */
  static Actor actor(Context ctx) {
    return new Actor.ApiKey(ctx.attribute(API_KEY_ID));
  }

  /** spec §1.3–§1.5: key → workspace, workspace header, beta header. */
  private static void authorize(Context ctx, Workspaces workspaces) {
    String apiKey = ctx.header("x-api-key");
    String bearer = null;
    String authorization = ctx.header("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      bearer = authorization.substring(7).strip();
    }
    Caller caller;
    if (apiKey != null && bearer != null && !workspaces.isValid(apiKey)) {
      caller = workspaces.authenticate(bearer);
    } else {
      caller = workspaces.authenticate(apiKey != null ? apiKey : bearer);
    }
    String workspace = caller.workspaceId();
    String requested = ctx.header("anthropic-workspace-id");
    if (requested != null && !requested.isBlank() && !requested.strip().equals(workspace)) {
      throw new ApiException.PermissionDenied(
          "this API key cannot act in workspace '" + requested.strip() + "'");
    }
    ctx.attribute(WORKSPACE, workspace);
    ctx.attribute(API_KEY_ID, caller.apiKeyId());
    ctx.header("anthropic-workspace-id", workspace);

    String[] segments = ctx.path().split("/", -1);
    List<String> betas =
        !ctx.path().startsWith(EXTENSIONS + "/") && segments.length > 2
            ? BETA_FAMILIES.getOrDefault(segments[2], List.of())
            : List.of();
    if (!betas.isEmpty() && !hasBeta(ctx, betas)) {
      throw new ApiException.InvalidRequest(
          "this endpoint requires the beta header 'anthropic-beta: "
              + String.join("' or 'anthropic-beta: ", betas)
              + "'");
    }
  }

  private static boolean hasBeta(Context ctx, List<String> accepted) {
    for (String line : Collections.list(ctx.req().getHeaders("anthropic-beta"))) {
      for (String beta : line.split(",", -1)) {
        if (accepted.contains(beta.strip())) {
          return true;
        }
      }
    }
    return false;
  }

  private static void unknownRoute(Context ctx) {
    if (ctx.attribute(ErrorMapper.RENDERED) == null) {
      ErrorMapper.render(
          new ApiException.NotFound("no such endpoint: " + ctx.method() + " " + ctx.path()), ctx);
    }
  }

  private static void wrongMethod(Context ctx) {
    if (ctx.attribute(ErrorMapper.RENDERED) == null) {
      ErrorMapper.render(
          new ApiException.MethodNotAllowed(
              "method " + ctx.method() + " is not allowed on " + ctx.path()),
          ctx);
    }
  }
}
