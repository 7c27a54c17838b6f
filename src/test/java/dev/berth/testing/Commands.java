package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.json.Json;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Commands run in sandboxes through {@code POST /berth/v1/sessions/{id}/exec}. */
public final class Commands {
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

  /** Whether a process whose command line contains {@code marker} is running on this machine. */
  public static boolean running(String marker) {
    return ProcessHandle.allProcesses()
        .anyMatch(p -> p.info().commandLine().orElse("").contains(marker));
  }

  /**
   * Waits up to {@code timeout} for no process to mention {@code marker}; false if one still does.
   */
  public static boolean goneWithin(String marker, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (running(marker)) {
      if (Instant.now().isAfter(deadline)) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  /** Waits up to {@code timeout} for a process to mention {@code marker}. */
  public static boolean startedWithin(String marker, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!running(marker)) {
      if (Instant.now().isAfter(deadline)) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }
}
