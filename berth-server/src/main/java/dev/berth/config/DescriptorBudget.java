package dev.berth.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * How Berth shares out the file descriptors the process may hold: the directories of recently used
 * sessions kept open, the HTTP connections, and what is left for everything else (the JVM itself,
 * the database's connections, blobs being read or written, commands' pipes and options files).
 *
 * <p>Design note. Linux refuses a descriptor past the soft {@code RLIMIT_NOFILE}. HotSpot raises
 * the soft limit to the hard one when it starts ({@code -XX:+MaxFDLimit}, on by default), and the
 * JDK cannot call {@code setrlimit}, so Berth reads what the limits are ({@code /proc/self/limits})
 * and sizes its caches from the soft one: a quarter of it, past a fixed reserve, for sessions'
 * directories, half for connections (unless {@code --max-connections} says otherwise), a quarter
 * for the rest. Running short anyway is answered 503 ({@code error.OutOfDescriptors}).
 *
 * @param soft the soft limit Berth runs under (what it sizes by)
 * @param hard the hard limit
 * @param keptSessions how many sessions' top directories stay open ({@link #PER_KEPT_SESSION} each)
 * @param maxConnections how many HTTP connections may be open at once
 */
public record DescriptorBudget(long soft, long hard, int keptSessions, int maxConnections) {
  /**
   * Descriptors one kept session holds: its root, {@code mnt}, {@code session} and uploads
   * directories, each open twice (the JDK keeps a duplicate for listing it).
   */
  public static final int PER_KEPT_SESSION = 8;

  /** The most sessions kept open however high the limit: more stopped paying off in benchmarks. */
  public static final int MAX_KEPT_SESSIONS = 256;

  /** Connections allowed at most when derived from the limit. */
  static final int MAX_DERIVED_CONNECTIONS = 10_000;

  /** Set aside first: the JVM's own files, the database, logs, the listening socket. */
  static final int RESERVED = 128;

  /** The limits of this process, and the budget they allow. */
  public static DescriptorBudget forThisProcess(OptionalInt maxConnections) {
    long[] limits = readLimits().orElse(new long[] {1024, 1024});
    return of(limits[0], limits[1], maxConnections);
  }

  /** The budget under a soft limit of {@code soft}. */
  static DescriptorBudget of(long soft, long hard, OptionalInt maxConnections) {
    long usable = Math.max(soft - RESERVED, 64);
    int kept = Math.clamp(usable / 4 / PER_KEPT_SESSION, 1, MAX_KEPT_SESSIONS);
    int connections = maxConnections.orElse(Math.clamp(usable / 2, 16, MAX_DERIVED_CONNECTIONS));
    return new DescriptorBudget(soft, hard, kept, connections);
  }

  /** One line for the start-up log. */
  public String describe() {
    long rest = soft - RESERVED - (long) keptSessions * PER_KEPT_SESSION - maxConnections;
    return "file descriptors: soft limit "
        + show(soft)
        + ", hard limit "
        + show(hard)
        + "; up to "
        + keptSessions * PER_KEPT_SESSION
        + " for "
        + keptSessions
        + " sessions' directories kept open, "
        + maxConnections
        + " for HTTP connections, "
        + RESERVED
        + " reserved, "
        + (rest < 0 ? "none (connections overbooked)" : show(rest))
        + " for databases, blobs and commands";
  }

  /** Whether the soft limit is below the hard one (the JVM did not raise it). */
  public boolean softBelowHard() {
    return soft < hard;
  }

  private static String show(long n) {
    return n == Long.MAX_VALUE ? "unlimited" : Long.toString(n);
  }

  /** Soft and hard "Max open files" of {@code /proc/self/limits}; empty if unreadable. */
  private static Optional<long[]> readLimits() {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/self/limits"));
    } catch (IOException | SecurityException e) {
      return Optional.empty();
    }
    for (String line : lines) {
      if (line.startsWith("Max open files")) {
        String[] fields = line.substring("Max open files".length()).trim().split("\\s+", -1);
        OptionalLong soft = limit(fields[0]);
        OptionalLong hard = fields.length > 1 ? limit(fields[1]) : OptionalLong.empty();
        if (soft.isPresent() && hard.isPresent()) {
          return Optional.of(new long[] {soft.getAsLong(), hard.getAsLong()});
        }
      }
    }
    return Optional.empty();
  }

  private static OptionalLong limit(String field) {
    if (field.equals("unlimited")) {
      return OptionalLong.of(Long.MAX_VALUE);
    }
    try {
      return OptionalLong.of(Long.parseLong(field));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }
}
