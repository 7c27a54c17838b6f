package dev.berth.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.domain.SessionService;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@code BetaManagedAgentsSession} (spec §3.0). Berth runs no model: usage stays zero. */
public record SessionJson(
    String id,
    String type,
    String status,
    ObjectNode agent,
    String environmentId,
    String title,
    Map<String, String> metadata,
    List<ResourceJson> resources,
    List<String> vaultIds,
    List<Object> outcomeEvaluations,
    JsonNode budget,
    String archivedAt,
    Stats stats,
    Usage usage,
    String createdAt,
    String updatedAt) {

  /** Time figures; a session of Berth is never running, so only its age grows. */
  public record Stats(double activeSeconds, double durationSeconds) {}

  /** Token usage: always zero, since no model runs here. */
  public record Usage(
      long inputTokens,
      long outputTokens,
      long cacheReadInputTokens,
      CacheCreation cacheCreation,
      double activeSeconds) {}

  /** Cache-creation token counts. */
  public record CacheCreation(
      @JsonProperty("ephemeral_1h_input_tokens") long ephemeral1hInputTokens,
      @JsonProperty("ephemeral_5m_input_tokens") long ephemeral5mInputTokens) {}

  private static final Usage NO_USAGE = new Usage(0, 0, 0, new CacheCreation(0, 0), 0);

  public static SessionJson from(SessionService.View view) {
    var s = view.session();
    double age =
        Math.max(0, Duration.between(Instant.parse(s.createdAt()), Instant.now()).toMillis())
            / 1000.0;
    return new SessionJson(
        s.id(),
        "session",
        s.status(),
        s.agent(),
        s.environmentId(),
        s.title().orElse(null),
        s.metadata(),
        view.resources().stream().map(ResourceJson::from).toList(),
        s.vaultIds(),
        List.of(),
        s.budget().orElse(null),
        s.archivedAt().orElse(null),
        new Stats(0, age),
        NO_USAGE,
        s.createdAt(),
        s.updatedAt());
  }
}
