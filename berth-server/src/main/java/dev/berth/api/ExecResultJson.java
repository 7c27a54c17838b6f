package dev.berth.api;

import dev.berth.domain.ExecService;
import dev.berth.domain.MemoryMounts;
import java.util.List;

/**
 * The answer of {@code POST /berth/v1/sessions/{id}/exec} (README "Running commands"); {@code
 * memory_writes_refused} lists the writes to memory store mounts the rules kept out of the records.
 */
public record ExecResultJson(
    int exitCode,
    String stdout,
    String stderr,
    boolean truncated,
    long durationMs,
    List<Refused> memoryWritesRefused) {

  /** One write to a memory store mount that was not recorded. */
  public record Refused(String mountPath, String path, String reason) {
    static Refused from(MemoryMounts.Refused r) {
      return new Refused(r.mountPath(), r.path(), r.reason());
    }
  }

  public static ExecResultJson from(ExecService.ExecResult r) {
    return new ExecResultJson(
        r.exitCode(),
        r.stdout(),
        r.stderr(),
        r.truncated(),
        r.durationMs(),
        r.memoryWritesRefused().stream().map(Refused::from).toList());
  }
}
