package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.json.Json;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Commands run in sandboxes through {@code POST /berth/v1/sessions/{id}/exec}. */
public final class Commands {
  /** A bubblewrap binary that does not exist, as on a machine without it. */
  public static final String MISSING_BWRAP = "/nonexistent/bwrap";

  /** A server's settings with {@link #MISSING_BWRAP}: commands cannot run there. */
  public static String[] withoutBubblewrap() {
    return new String[] {
      "--exec-bwrap",
      MISSING_BWRAP,
      "--exec-max-output-bytes",
      "1024",
      "--session-disk-quota-bytes",
      Integer.toString(1024 * 1024),
      "--session-max-processes",
      "64"
    };
  }

  private Commands() {}

  public static String path(String session) {
    return "/berth/v1/sessions/" + session + "/exec";
  }

  /** A request body with these fields. */
  public static String body(Map<String, ?> fields) {
    return Json.write(fields);
  }

  public static Http.Response exec(Http http, String session, Map<String, ?> fields) {
    return http.post(path(session), body(fields));
  }

  public static Http.Response exec(Http http, String session, String... command) {
    return exec(http, session, Map.of("command", List.of(command)));
  }

  /** {@code sh -c script}, which must succeed; returns its stdout. */
  public static String sh(Http http, String session, String script) {
    var r = exec(http, session, "sh", "-c", script);
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    assertThat(r.json().get("exit_code").asInt()).as("%s: %s", script, r.json()).isEqualTo(0);
    return r.json().get("stdout").asText();
  }

  /** The request for {@link Http#sendAsync}, for commands still running later. */
  public static HttpRequest.Builder request(Http http, String session, Map<String, ?> fields) {
    return http.builder(path(session))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body(fields)));
  }

  /** Sends a command request without waiting for its answer. */
  public static CompletableFuture<Http.Response> start(
      Http http, String session, Map<String, ?> fields) {
    return http.sendAsync(request(http, session, fields));
  }

  /**
   * Waits up to {@code timeout} until {@code count} processes below {@code server} run {@code sleep
   * seconds}, and returns every process below {@code server} whose command line mentions {@code
   * seconds} then: the sleeps and the sandbox around them. Tests pass an unusual number, so it
   * marks their command; looking only below the server under test (its process, or this JVM for a
   * server started in it) keeps other servers on the machine, running the same test, out of the
   * answer.
   */
  public static List<ProcessHandle> sleeping(
      ProcessHandle server, String seconds, int count, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (server.descendants().filter(p -> sleeps(p, seconds)).count() < count) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            count + " 'sleep " + seconds + "' did not start below " + server.pid() + " in time");
      }
      Thread.sleep(50);
    }
    return server
        .descendants()
        .filter(p -> p.info().commandLine().orElse("").contains(seconds))
        .toList();
  }

  private static boolean sleeps(ProcessHandle p, String seconds) {
    return p.info().command().orElse("").endsWith("/sleep")
        && p.info().arguments().map(List::of).orElse(List.of()).equals(List.of(seconds));
  }

  /**
   * Waits up to {@code timeout} for all of {@code processes} to end; false if one is still alive.
   * Each is followed by its handle, so one that has left the server's tree (its parent killed) is
   * still watched.
   */
  public static boolean goneWithin(List<ProcessHandle> processes, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (processes.stream().anyMatch(ProcessHandle::isAlive)) {
      if (Instant.now().isAfter(deadline)) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }
}
