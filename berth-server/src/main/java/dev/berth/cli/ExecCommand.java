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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code berth exec}: runs a command in a session's sandbox through the server's exec extension
 * ({@code POST /berth/v1/sessions/{id}/exec}), prints what it printed and exits with its status.
 *
 * <p>Options end at the session id; everything after it (or after a {@code --} right after it) is
 * the command, passed on untouched, so the command's own options need no quoting.
 */
@Command(
    name = "exec",
    sortOptions = false,
    description = "Run COMMAND in a session's sandbox and exit with its exit status.",
    footer = {
      "",
      "Exit status: the command's own; 124 when a limit stopped it; 125 when the",
      "server refused or could not be reached; 2 for a usage error."
    })
final class ExecCommand implements Callable<Integer> {
  /** Like timeout(1): the command was stopped by a limit. */
  static final int STOPPED_BY_LIMIT = 124;

  /** Like env(1) and docker run: the command did not run because the runner failed. */
  static final int REFUSED = 125;

  private static final Set<String> LIMIT_CODES =
      Set.of("exec_timeout", "exec_output_limit", "session_disk_quota_exceeded");

  @Spec CommandSpec spec;
  @Mixin HelpOption help;

  @Setting(env = {"BERTH_BASE_URL", "ANTHROPIC_BASE_URL"})
  @Option(
      names = "--base-url",
      paramLabel = "URL",
      defaultValue = "http://127.0.0.1:8080",
      converter = Converters.HttpUrl.class,
      description = "The Berth server.")
  URI baseUrl;

  @Setting(
      env = {"BERTH_API_KEY", "ANTHROPIC_API_KEY"},
      secret = true)
  @Option(names = "--api-key", paramLabel = "KEY", description = "The API key.")
  @Nullable String apiKey;

  @Option(
      names = "--timeout-ms",
      paramLabel = "N",
      converter = Converters.PositiveLong.class,
      description = "The command's time limit in milliseconds. Default: the server's.")
  @Nullable Long timeoutMs;

  @Option(
      names = {"-e", "--env"},
      paramLabel = "NAME=VALUE",
      converter = Assignment.class,
      description = "Set an environment variable for the command (repeatable).")
  List<String> env = new ArrayList<>();

  @Option(
      names = {"-i", "--stdin"},
      description = "Send this command's standard input to the command.")
  boolean sendStdin;

  @Parameters(index = "0", paramLabel = "SESSION_ID", description = "The session.")
  String sessionId;

  @Parameters(
      index = "1..*",
      arity = "1..*",
      paramLabel = "COMMAND",
      description = "The program and its arguments, run without a shell.")
  List<String> command = new ArrayList<>();

  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;

  ExecCommand(InputStream in, PrintStream out, PrintStream err) {
    this.in = in;
    this.out = out;
    this.err = err;
  }

  /** {@code NAME=VALUE}, the value holding any further '='. */
  static final class Assignment implements ITypeConverter<String> {
    @Override
    public String convert(String text) {
      if (text.indexOf('=') <= 0) {
        throw new TypeConversionException("must be NAME=VALUE");
      }
      return text;
    }
  }

  @Override
  public Integer call() {
    if (apiKey == null) {
      throw new ParameterException(
          spec.commandLine(), "no API key: pass --api-key or set BERTH_API_KEY");
    }
    List<String> program =
        !command.isEmpty() && command.get(0).equals("--")
            ? command.subList(1, command.size())
            : command;
    if (program.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "missing COMMAND after the session id");
    }
    try {
      return send(apiKey, program);
    } catch (IOException e) {
      err.println("berth exec: could not reach " + baseUrl + ": " + describe(e));
      return REFUSED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return REFUSED;
    }
  }

  private int send(String key, List<String> program) throws IOException, InterruptedException {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.putPOJO("command", program);
    if (sendStdin) {
      body.put("stdin", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    if (timeoutMs != null) {
      body.put("timeout_ms", timeoutMs);
    }
    var variables = new LinkedHashMap<String, String>(); // a later NAME wins
    for (String assignment : env) {
      int at = assignment.indexOf('=');
      variables.put(assignment.substring(0, at), assignment.substring(at + 1));
    }
    if (!variables.isEmpty()) {
      body.putPOJO("env", variables);
    }
    String base = baseUrl.toString().replaceAll("/+$", "");
    String session = URLEncoder.encode(sessionId, StandardCharsets.UTF_8).replace("+", "%20");
    var request =
        HttpRequest.newBuilder(URI.create(base + "/berth/v1/sessions/" + session + "/exec"))
            .header("x-api-key", key)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
            .build();
    HttpResponse<String> response;
    // made here, not with the command: an HTTP client sets up TLS, which every other command of
    // the CLI, the server's start among them, would otherwise pay for
    try (var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
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
