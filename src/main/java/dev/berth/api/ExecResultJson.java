package dev.berth.api;

import dev.berth.domain.ExecService;

/** The answer of {@code POST /berth/v1/sessions/{id}/exec} (README "Running commands"). */
public record ExecResultJson(
    int exitCode, String stdout, String stderr, boolean truncated, long durationMs) {

  public static ExecResultJson from(ExecService.ExecResult r) {
    return new ExecResultJson(r.exitCode(), r.stdout(), r.stderr(), r.truncated(), r.durationMs());
  }
}
