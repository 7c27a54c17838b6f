package dev.berth.domain;

import dev.berth.error.ApiException;
import java.util.HashMap;
import java.util.Map;

/**
 * How many commands run at once: at most {@code perSession} in one session and {@code perServer} on
 * this server. A command over either cap is not queued but refused (429 {@code rate_limit_error}
 * with {@code retry-after}), so a request never waits an unknown time behind others and the
 * client's retry decides.
 *
 * <p>Design note. Each cap bounds something the per-session control groups do not: the groups bound
 * what one session's commands use together, the session cap how many of them share it, and the
 * server cap how many sessions' commands use the host at once, and so the total of processes (the
 * server cap times the per-session process cap).
 */
final class CommandSlots {
  /** When a refused client may try again: commands last from milliseconds to minutes. */
  static final int RETRY_AFTER_SECONDS = 1;

  private final int perSession;
  private final int perServer;
  // both guarded by this
  private final Map<String, Integer> bySession = new HashMap<>();
  private int total;

  CommandSlots(int perSession, int perServer) {
    this.perSession = perSession;
    this.perServer = perServer;
  }

  /** One running command's place, given back by {@link #close}. */
  final class Slot implements AutoCloseable {
    private final String sessionId;
    private boolean closed;

    private Slot(String sessionId) {
      this.sessionId = sessionId;
    }

    @Override
    public void close() {
      synchronized (CommandSlots.this) {
        if (closed) {
          return;
        }
        closed = true;
        total--;
        bySession.computeIfPresent(sessionId, (s, n) -> n == 1 ? null : n - 1);
      }
    }
  }

  /**
   * A place for one more command of the session.
   *
   * @throws ApiException.RateLimited when the session or the server runs as many as it may
   */
  synchronized Slot take(String sessionId) {
    int inSession = bySession.getOrDefault(sessionId, 0);
    if (inSession >= perSession) {
      throw new ApiException.RateLimited(
          "session "
              + sessionId
              + " already runs "
              + inSession
              + " commands, the most one session may run at once"
              + " (--session-max-concurrent-commands); retry when one has ended",
          "session_concurrent_commands_limit",
          RETRY_AFTER_SECONDS);
    }
    if (total >= perServer) {
      throw new ApiException.RateLimited(
          "the server already runs "
              + total
              + " commands, the most it runs at once (--exec-max-concurrent-commands);"
              + " retry when one has ended",
          "server_concurrent_commands_limit",
          RETRY_AFTER_SECONDS);
    }
    total++;
    bySession.put(sessionId, inSession + 1);
    return new Slot(sessionId);
  }
}
