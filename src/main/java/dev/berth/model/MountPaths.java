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

  /** The strict ancestors of an absolute path below {@link #UPLOADS}, nearest last. */
  public static List<String> ancestors(String path) {
    List<String> out = new ArrayList<>();
    for (int i = path.indexOf('/', UPLOADS.length() + 1); i > 0; i = path.indexOf('/', i + 1)) {
      out.add(path.substring(0, i));
    }
    return out;
  }

  private static ApiException invalid(String rule, String path) {
    return new ApiException.InvalidRequest("mount_path " + rule + ": '" + Printable.of(path) + "'");
  }
}
