package dev.berth.cli;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The parsed command line of {@code berth exec}:
 *
 * <pre>
 * berth exec [--base-url URL] [--api-key KEY] [--timeout-ms N] [-e NAME=VALUE]... [-i]
 *            SESSION_ID [--] COMMAND [ARG]...
 * </pre>
 *
 * The first word that is not an option is the session id; everything after it (or after {@code --})
 * is the command, passed on untouched, so the command's own options need no quoting. The server and
 * key default to {@code BERTH_BASE_URL} and {@code BERTH_API_KEY} (then {@code ANTHROPIC_BASE_URL}
 * and {@code ANTHROPIC_API_KEY}, which the official SDKs read).
 */
record ExecArguments(
    URI baseUrl,
    String apiKey,
    String sessionId,
    List<String> command,
    Optional<Long> timeoutMs,
    Map<String, String> env,
    boolean sendStdin) {

  static final String USAGE =
      """
      usage: berth exec [--base-url URL] [--api-key KEY] [--timeout-ms N] [-e NAME=VALUE]... [-i]
                        SESSION_ID [--] COMMAND [ARG]...
        Runs COMMAND in the session's sandbox and exits with its exit status.
        --base-url URL     the Berth server (default $BERTH_BASE_URL, else http://127.0.0.1:8080)
        --api-key KEY      the API key (default $BERTH_API_KEY, else $ANTHROPIC_API_KEY)
        --timeout-ms N     the command's time limit in milliseconds (default: the server's)
        -e NAME=VALUE      set an environment variable for the command (repeatable)
        -i                 send this command's standard input to the command
      Exit status: the command's own; 124 when a limit stopped it; 125 when the server refused
      or could not be reached; 2 for a usage error.""";

  /** A command line that cannot be run; the message says why. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }

    /** The reason, never null: empty when help was asked for. */
    @Override
    public String getMessage() {
      return Objects.requireNonNull(super.getMessage());
    }
  }

  static ExecArguments parse(List<String> args, Map<String, String> env) throws UsageException {
    String baseUrl = firstSet(env, "BERTH_BASE_URL", "ANTHROPIC_BASE_URL");
    String apiKey = firstSet(env, "BERTH_API_KEY", "ANTHROPIC_API_KEY");
    Long timeoutMs = null;
    var commandEnv = new LinkedHashMap<String, String>();
    boolean sendStdin = false;
    int i = 0;
    for (; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--")) {
        i++;
        break;
      }
      if (!arg.startsWith("-") || arg.equals("-")) {
        break;
      }
      String name = arg;
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        inline = arg.substring(eq + 1);
      }
      switch (name) {
        case "-i", "--stdin" -> sendStdin = true;
        case "--base-url" -> baseUrl = inline != null ? inline : value(args, ++i, name);
        case "--api-key" -> apiKey = inline != null ? inline : value(args, ++i, name);
        case "--timeout-ms" -> {
          String text = inline != null ? inline : value(args, ++i, name);
          try {
            timeoutMs = Long.parseLong(text);
          } catch (NumberFormatException e) {
            throw new UsageException("--timeout-ms needs a whole number of milliseconds: " + text);
          }
        }
        case "-e", "--env" -> {
          String assignment = inline != null ? inline : value(args, ++i, name);
          int at = assignment.indexOf('=');
          if (at <= 0) {
            throw new UsageException(name + " needs NAME=VALUE: " + assignment);
          }
          commandEnv.put(assignment.substring(0, at), assignment.substring(at + 1));
        }
        case "-h", "--help" -> throw new UsageException("");
        default -> throw new UsageException("unknown option " + arg);
      }
    }
    // Options end at the session id; "--" may also stand between it and the command.
    if (i >= args.size()) {
      throw new UsageException("missing SESSION_ID and COMMAND");
    }
    String sessionId = args.get(i++);
    if (i < args.size() && args.get(i).equals("--")) {
      i++;
    }
    List<String> command = new ArrayList<>(args.subList(i, args.size()));
    if (command.isEmpty()) {
      throw new UsageException("missing COMMAND after the session id");
    }
    if (apiKey == null) {
      throw new UsageException("no API key: pass --api-key or set BERTH_API_KEY");
    }
    URI base;
    try {
      base = URI.create(baseUrl == null ? "http://127.0.0.1:8080" : baseUrl);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--base-url is not a URL: " + baseUrl);
    }
    if ((!"http".equals(base.getScheme()) && !"https".equals(base.getScheme()))
        || base.getHost() == null) {
      throw new UsageException("--base-url must be an http(s) URL: " + baseUrl);
    }
    return new ExecArguments(
        base,
        apiKey,
        sessionId,
        List.copyOf(command),
        Optional.ofNullable(timeoutMs),
        Collections.unmodifiableMap(commandEnv),
        sendStdin);
  }

  private static String value(List<String> args, int i, String name) throws UsageException {
    if (i >= args.size()) {
      throw new UsageException(name + " needs a value");
    }
    return args.get(i);
  }

  private static @Nullable String firstSet(Map<String, String> env, String... names) {
    for (String name : names) {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        return value.strip();
      }
    }
    return null;
  }
}
