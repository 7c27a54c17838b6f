package dev.berth.api;

import dev.berth.domain.ExecService;
import java.util.List;

/**
 * {@code GET /berth/v1/sessions/{id}/sandbox}: each resource of the session and its state in the
 * sandbox, {@code ready}, {@code pending} or {@code failed} (with {@code reason}, which never holds
 * a token; null otherwise).
 */
public record SandboxJson(String sessionId, String type, List<Entry> resources) {

  public record Entry(String id, String type, String mountPath, String state, String reason) {}

  public static SandboxJson from(ExecService.SandboxView view) {
    return new SandboxJson(
        view.sessionId(),
        "session_sandbox",
        view.resources().stream()
            .map(
                r ->
                    new Entry(
                        r.resource().id(),
                        r.resource().type(),
                        r.resource().mountPath(),
                        r.state(),
                        r.reason().orElse(null)))
            .toList());
  }
}
