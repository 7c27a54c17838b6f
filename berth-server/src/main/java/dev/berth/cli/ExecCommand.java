package dev.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code berth exec}: runs a command in a session's sandbox through the server's exec extension
 * ({@code POST /berth/v1/sessions/{id}/exec}), prints what it printed and exits with its status.
 */
public final class ExecCommand {
  /** Like timeout(1): the command was stopped by a limit. */
  static final int STOPPED_BY_LIMIT = 124;

  /** Like env(1) and docker run: the command did not run because the runner failed. */
  static final int REFUSED = 125;

  static final int USAGE = 2;

  private static final Set<String> LIMIT_CODES =
      Set.of("exec_timeout", "exec_output_limit", "session_disk_quota_exceeded");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;

  public ExecCommand(InputStream in, PrintStream out, PrintStream err) {
    this.in = in;
    this.out = out;
    this.err = err;
  }

  /** Runs {@code berth exec ARGS} and returns the process exit status. */
  public int run(List<String> args, Map<String, String> env) {
    ExecArguments parsed;
    try {
      parsed = ExecArguments.parse(args, env);
    } catch (ExecArguments.UsageException e) {
      if (!e.getMessage().isEmpty()) {
        err.println("berth exec: " + e.getMessage());
      }
      err.println(ExecArguments.USAGE);
      return e.getMessage().isEmpty() ? 0 : USAGE;
    }
    try {
      return send(parsed);
    } catch (IOException e) {
      err.println("berth exec: could not reach " + parsed.baseUrl() + ": " + describe(e));
      return REFUSED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return REFUSED;
    }
  }

  private int send(ExecArguments a) throws IOException, InterruptedException {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.putPOJO("command", a.command());
    if (a.sendStdin()) {
      body.put("stdin", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    a.timeoutMs().ifPresent(t -> body.put("timeout_ms", t));
    if (!a.env().isEmpty()) {
      body.putPOJO("env", a.env());
    }
    String base = a.baseUrl().toString().replaceAll("/+$", "");
    String session = URLEncoder.encode(a.sessionId(), StandardCharsets.UTF_8).replace("+", "%20");
    var request =
        HttpRequest.newBuilder(URI.create(base + "/berth/v1/sessions/" + session + "/exec"))
            .header("x-api-key", a.apiKey())
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
            .build();
    HttpResponse<String> response =
        http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    JsonNode json;
    try {
      json = Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      err.printf("berth exec: HTTP %d with a body that is not JSON%n", response.statusCode());
      return REFUSED;
    }
    if (response.statusCode() == 200) {
      out.print(json.path("stdout").asText(""));
      out.flush();
      err.print(json.path("stderr").asText(""));
      if (json.path("truncated").asBoolean(false)) {
        err.println("berth exec: output truncated");
      }
      int status = json.path("exit_code").asInt(REFUSED);
      return status >= 0 && status <= 255 ? status : REFUSED;
    }
    JsonNode error = json.path("error");
    JsonNode details = error.path("details");
    String code = details.path("error_code").asText("");
    if (LIMIT_CODES.contains(code)) {
      // What the command printed before it was stopped is still its output.
      out.print(details.path("stdout").asText(""));
      out.flush();
      err.print(details.path("stderr").asText(""));
    }
    err.printf(
        "berth exec: %s (HTTP %d %s%s)%n",
        error.path("message").asText("request failed"),
        response.statusCode(),
        error.path("type").asText("error"),
        code.isEmpty() ? "" : ", " + code);
    return LIMIT_CODES.contains(code) ? STOPPED_BY_LIMIT : REFUSED;
  }

  private static String describe(IOException e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
