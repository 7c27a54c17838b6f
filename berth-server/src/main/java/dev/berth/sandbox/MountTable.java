package dev.berth.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * This process's mount table, {@code /proc/self/mountinfo}: where session volumes are mounted
 * ({@link SessionVolumes}) and where the control-group hierarchies are ({@link Cgroups}).
 */
public final class MountTable {
  static final Path SELF = Path.of("/proc/self/mountinfo");

  private MountTable() {}

  /**
   * One line of the table: where a filesystem is mounted, which part of it is shown there, its type
   * and its options (for cgroup v1, the controllers of the hierarchy).
   */
  record Mount(Path point, String root, String type, Set<String> options) {
    /** The line's mount, or empty if it is not a mountinfo line. */
    static Optional<Mount> parse(String line) {
      String[] fields = line.split(" ", -1);
      int dash = List.of(fields).indexOf("-");
      if (dash < 6 || fields.length < dash + 4) {
        return Optional.empty();
      }
      return Optional.of(
          new Mount(
              Path.of(unescape(fields[4])),
              unescape(fields[3]),
              fields[dash + 1],
              Set.of(fields[dash + 3].split(",", -1))));
    }
  }

  /** The mounts {@code mountinfo} lists. */
  static List<Mount> read(Path mountinfo) throws IOException {
    return Files.readAllLines(mountinfo, StandardCharsets.UTF_8).stream()
        .flatMap(line -> Mount.parse(line).stream())
        .toList();
  }

  /** Every mount point of this process's mount namespace; none where there is no such table. */
  public static List<Path> points() {
    try {
      return read(SELF).stream().map(Mount::point).toList();
    } catch (IOException e) {
      return List.of(); // not Linux: nothing Berth mounted
    }
  }

  /** The mount points at or below {@code dir}. */
  public static List<Path> pointsUnder(Path dir) {
    return points().stream().filter(p -> p.startsWith(dir)).toList();
  }

  /** The table writes space, tab, newline and backslash in a path as {@code \ooo}. */
  private static String unescape(String field) {
    var out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && isOctal(field, i + 1)) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }
}
