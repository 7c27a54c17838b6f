package dev.berth.sandbox;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The uploads tree a session's records ask for, checked before anything on disk is touched: mount
 * paths parsed into segments below uploads (refusing anything that is not plainly there) and laid
 * out as a tree of folders and mounts, so two mounts where one is inside the other are refused
 * whole. Kept apart from the code that walks the disk because it is pure: no descriptor, no lock.
 */
final class MountPlan {
  static final String UPLOADS = "/mnt/session/uploads";

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private MountPlan() {}

  sealed interface Node permits Mount, Folder {}

  record Mount(String sha256) implements Node {}

  record Folder(Map<String, Node> children) implements Node {
    Folder() {
      this(new TreeMap<>());
    }
  }

  /**
   * {@code desired} (mount path to SHA-256) as a tree.
   *
   * @throws IllegalArgumentException if a mount path or digest is invalid or one mount lies inside
   *     another
   */
  static Folder of(Map<String, String> desired) {
    Folder root = new Folder();
    desired.forEach(
        (mountPath, sha256) -> {
          checkSha256(sha256);
          List<String> segments = segments(mountPath);
          Folder folder = root;
          for (String segment : segments.subList(0, segments.size() - 1)) {
            if (!(folder.children().computeIfAbsent(segment, s -> new Folder())
                instanceof Folder sub)) {
              throw overlap(mountPath);
            }
            folder = sub;
          }
          if (folder.children().putIfAbsent(segments.getLast(), new Mount(sha256)) != null) {
            throw overlap(mountPath);
          }
        });
    return root;
  }

  /**
   * The segments of {@code mountPath} below uploads; refuses anything that is not plainly there.
   */
  static List<String> segments(String mountPath) {
    if (!mountPath.startsWith(UPLOADS + "/")) {
      throw new IllegalArgumentException(
          "mount_path must be under " + UPLOADS + ": '" + mountPath + "'");
    }
    List<String> segments = List.of(mountPath.substring(UPLOADS.length() + 1).split("/", -1));
    for (String s : segments) {
      if (s.isEmpty() || s.equals(".") || s.equals("..")) {
        throw new IllegalArgumentException(
            "mount_path must not have empty, '.' or '..' segments or end with '/': '"
                + mountPath
                + "'");
      }
      if (s.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException(
            "mount_path must not contain control characters: '" + mountPath + "'");
      }
    }
    return segments;
  }

  static void checkSha256(String sha256) {
    if (!SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException("not a lowercase hex SHA-256: '" + sha256 + "'");
    }
  }

  private static IllegalArgumentException overlap(String mountPath) {
    return new IllegalArgumentException(
        "mount_path is an ancestor or descendant of another mount: '" + mountPath + "'");
  }
}
