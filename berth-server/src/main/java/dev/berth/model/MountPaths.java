package dev.berth.model;

import dev.berth.error.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a file resource appears in the session's container (spec §2.6, Q2–Q4). Paths are placed
 * under {@value #UPLOADS} and validated, never cleaned: a path that would need cleaning is rejected
 * with the rule it breaks.
 */
public final class MountPaths {
  public static final String UPLOADS = "/mnt/session/uploads";
  static final int MAX_BYTES = 4096;
  static final int MAX_SEGMENT_BYTES = 255; // NAME_MAX of the filesystems sandboxes live on

  private MountPaths() {}

  /** The effective absolute mount path for a file resource. */
  public static String effective(Optional<String> given, String fileId) {
    if (given.isEmpty()) {
      return UPLOADS + "/" + fileId;
    }
    String path = given.get();
    validate(path);
    String effective = path.startsWith(UPLOADS + "/") ? path : UPLOADS + path;
    if (path.equals(UPLOADS)) {
      throw invalid("must name a file under " + UPLOADS + ", not the directory itself", path);
    }
    if (effective.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw invalid(
          "must be at most " + MAX_BYTES + " bytes long once placed under " + UPLOADS, path);
    }
    return effective;
  }

  /**
   * Paths a repository must not be at, inside or above: the directories Berth manages (uploads,
   * outputs, memory stores) and the sandbox's own system directories. {@code /workspace} itself is
   * the agent's, so a repository may lie inside it but not cover it.
   */
  static final List<String> RESERVED =
      List.of(
          UPLOADS,
          "/mnt/session/outputs",
          "/mnt/memory",
          "/usr",
          "/bin",
          "/sbin",
          "/lib",
          "/lib32",
          "/lib64",
          "/libx32",
          "/etc",
          "/proc",
          "/dev",
          "/sys",
          "/tmp");

  /**
   * The effective mount path of a repository: {@code defaultPath} when none is given, else the
   * given path where it is (repositories are not placed under uploads), checked by the same rules
   * as file paths and kept clear of {@link #RESERVED} and of {@code /workspace} itself.
   */
  public static String repository(Optional<String> given, String defaultPath) {
    String path = given.orElse(defaultPath);
    validate(path);
    for (String reserved : RESERVED) {
      if (path.equals(reserved)
          || path.startsWith(reserved + "/")
          || reserved.startsWith(path + "/")) {
        throw invalid(
            "of a repository must not be at, inside or above " + reserved + " (Berth's own)", path);
      }
    }
    if (path.equals("/workspace")) {
      throw invalid(
          "of a repository must not be /workspace itself (a path inside it, such as the default"
              + " /workspace/<repository name>, is)",
          path);
    }
    if (path.startsWith("/workspace/") && path.indexOf('/', "/workspace/".length()) >= 0) {
      throw invalid(
          "of a repository inside /workspace must be directly in it (/workspace/NAME): the"
              + " directories between could be changed by a command while another starts",
          path);
    }
    return path;
  }

  /** Checks the lexical rules of Q4; throws 400 naming the first one broken. */
  static void validate(String path) {
    if (path.isEmpty()) {
      throw invalid("must not be empty", path);
    }
    if (!path.startsWith("/")) {
      throw invalid("must be absolute (start with '/')", path);
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == 0) {
        throw invalid("must not contain NUL characters", path);
      }
      if (Character.isISOControl(c)) {
        throw invalid("must not contain control characters", path);
      }
      if (Character.isHighSurrogate(c)
          ? i + 1 >= path.length() || !Character.isLowSurrogate(path.charAt(++i))
          : Character.isLowSurrogate(c)) {
        throw invalid("must be valid UTF-8", path);
      }
    }
    if (path.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw invalid("must be at most " + MAX_BYTES + " bytes long", path);
    }
    if (path.endsWith("/")) {
      throw invalid("must not end with '/'", path);
    }
    for (String segment : path.substring(1).split("/", -1)) {
      if (segment.isEmpty()) {
        throw invalid("must not contain empty segments ('//')", path);
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw invalid("must not contain '.' or '..' segments", path);
      }
      if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
        throw invalid("segments must be at most " + MAX_SEGMENT_BYTES + " bytes long", path);
      }
    }
  }

  /**
   * The strict ancestors of an absolute mount path that could hold a mount, nearest last: those
   * below {@link #UPLOADS} for a file, all of them for a repository (which never lies at or above
   * uploads).
   */
  public static List<String> ancestors(String path) {
    List<String> out = new ArrayList<>();
    int from = path.startsWith(UPLOADS + "/") ? UPLOADS.length() + 1 : 1;
    for (int i = path.indexOf('/', from); i > 0; i = path.indexOf('/', i + 1)) {
      out.add(path.substring(0, i));
    }
    return out;
  }

  private static ApiException invalid(String rule, String path) {
    return new ApiException.InvalidRequest("mount_path " + rule + ": '" + Printable.of(path) + "'");
  }
}
