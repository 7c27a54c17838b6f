package dev.berth.http;

import dev.berth.api.ExecResultJson;
import dev.berth.api.SandboxJson;
import dev.berth.domain.ExecService;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Set;

/**
 * {@code POST /berth/v1/sessions/{session_id}/exec} and {@code GET
 * /berth/v1/sessions/{session_id}/sandbox}: Berth extensions outside the hosted API's {@code /v1},
 * with the same keys and workspaces and no beta header (README "Running commands").
 */
public final class ExecRoutes implements HttpServer.Routes {
  private static final Set<String> FIELDS = Set.of("command", "stdin", "timeout_ms", "env");

  private final ExecService exec;
  private final long maxJsonBytes;

  public ExecRoutes(ExecService exec, long maxJsonBytes) {
    this.exec = exec;
    this.maxJsonBytes = maxJsonBytes;
  }

  @Override
  public void register(JavalinConfig cfg) {
    cfg.routes.post("/berth/v1/sessions/{session_id}/exec", this::exec);
    cfg.routes.get("/berth/v1/sessions/{session_id}/sandbox", this::sandbox);
  }

  /** Each resource's state in the session's sandbox (README "GitHub repositories"). */
  private void sandbox(Context ctx) {
    ctx.json(
        SandboxJson.from(exec.sandbox(HttpServer.workspace(ctx), ctx.pathParam("session_id"))));
  }

  private void exec(Context ctx) {
    // stdin goes to the program, byte for byte, and is never stored
    JsonBody body = JsonBody.read(ctx, maxJsonBytes, Set.of("stdin")).allowOnly(FIELDS);
    var params =
        new ExecService.ExecParams(
            body.optionalStringArray("command")
                .orElseThrow(() -> JsonBody.invalid("command is required")),
            body.optionalString("stdin"),
            body.optionalInteger("timeout_ms"),
            body.metadata("env"));
    var result = exec.exec(HttpServer.workspace(ctx), ctx.pathParam("session_id"), params);
    ctx.json(ExecResultJson.from(result));
  }
}
