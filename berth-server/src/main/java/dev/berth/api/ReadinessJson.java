package dev.berth.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.berth.domain.Readiness;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /berth/v1/ready}: {@code ready} or {@code not_ready}, and each check {@code ok} or
 * {@code failing} with a {@code detail} (only then).
 */
public record ReadinessJson(String status, Map<String, CheckJson> checks) {

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record CheckJson(String status, String detail) {}

  public static ReadinessJson from(Readiness.Report report) {
    Map<String, CheckJson> checks = new LinkedHashMap<>();
    for (Readiness.Check check : report.checks()) {
      checks.put(
          check.name(), new CheckJson(check.ok() ? "ok" : "failing", check.failure().orElse(null)));
    }
    return new ReadinessJson(report.ready() ? "ready" : "not_ready", checks);
  }
}
