package dev.berth.model;

import dev.berth.error.ApiException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Memory paths and the directory prefixes that list them. A path names a file under a store's
 * mounted directory, so it must be one: absolute, 1 to {@value #MAX_SEGMENTS} non-empty segments
 * none of which is {@code .} or {@code ..} or longer than {@value #MAX_SEGMENT_BYTES} bytes (a file
 * name's limit), at most {@value #MAX_BYTES} bytes in all, in Unicode Normalization Form C, and
 * free of control and format characters and of U+2028 and U+2029. Paths are validated, never
 * cleaned: one that would need cleaning is refused with the rule it breaks.
 *
 * <p>Paths compare byte by byte (the stores compare UTF-8 bytes, {@code COLLATE "C"} on
 * PostgreSQL), so the memories under a directory prefix {@code /a/} are exactly those in the range
 * from {@code /a/} up to {@link #subtreeEnd} {@code /a0}: {@code 0} is the byte after {@code /}.
 */
public final class MemoryPaths {
  public static final int MAX_BYTES = 1024;
  public static final int MAX_SEGMENTS = 20;
  static final int MAX_SEGMENT_BYTES = 255;

  private MemoryPaths() {}

  /** Checks a memory path given as {@code field}; 400 naming the first rule it breaks. */
  public static String validate(String path, String field) {
    if (!path.startsWith("/")) {
      throw invalid(field, "must start with '/'", path);
    }
    if (path.endsWith("/")) {
      throw invalid(field, "must not end with '/'", path);
    }
    checkText(path, field);
    checkSegments(path.substring(1), field, path);
    return path;
  }

  /**
   * Checks a directory prefix given as {@code field}: {@code /}, or a path of the same rules
   * followed by {@code /}.
   */
  public static String validatePrefix(String prefix, String field) {
    if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
      throw invalid(field, "must start and end with '/'", prefix);
    }
    checkText(prefix, field);
    if (prefix.length() > 1) {
      checkSegments(prefix.substring(1, prefix.length() - 1), field, prefix);
    }
    return prefix;
  }

  /** The strict ancestors of a path, nearest last: {@code /a/b/c} → {@code /a}, {@code /a/b}. */
  public static List<String> ancestors(String path) {
    List<String> out = new ArrayList<>();
    for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
      out.add(path.substring(0, i));
    }
    return out;
  }

  /**
   * The least string greater than every path under {@code directory}, a prefix ending in {@code /}:
   * the prefix with its last {@code /} replaced by {@code 0}.
   */
  public static String subtreeEnd(String directory) {
    return directory.substring(0, directory.length() - 1) + "0";
  }

  /**
   * What a listing of {@code prefix} down to {@code depth} levels shows for the memory at {@code
   * path}: the path itself when it lies at most {@code depth} segments below the prefix (any depth
   * when {@code depth} is 0), else the directory {@code depth} segments below the prefix that holds
   * it, with its trailing {@code /}.
   */
  public static String shownAt(String prefix, int depth, String path) {
    if (depth == 0) {
      return path;
    }
    int end = prefix.length() - 1;
    for (int level = 0; level < depth; level++) {
      end = path.indexOf('/', end + 1);
      if (end < 0) {
        return path;
      }
    }
    return path.substring(0, end + 1);
  }

  private static void checkText(String path, String field) {
    for (int i = 0; i < path.length(); ) {
      int cp = path.codePointAt(i);
      switch (Character.getType(cp)) {
        case Character.CONTROL -> throw invalid(field, "must not contain control characters", path);
        case Character.FORMAT -> throw invalid(field, "must not contain format characters", path);
        case Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR ->
            throw invalid(field, "must not contain U+2028 or U+2029", path);
        case Character.SURROGATE -> throw invalid(field, "must be valid Unicode text", path);
        default -> {}
      }
      i += Character.charCount(cp);
    }
    if (path.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw invalid(field, "must be at most " + MAX_BYTES + " bytes long", path);
    }
    if (!Normalizer.isNormalized(path, Normalizer.Form.NFC)) {
      throw invalid(field, "must be in Unicode Normalization Form C (NFC)", path);
    }
  }

  private static void checkSegments(String segments, String field, String path) {
    String[] parts = segments.split("/", -1);
    if (parts.length > MAX_SEGMENTS) {
      throw invalid(field, "must have at most " + MAX_SEGMENTS + " segments", path);
    }
    for (String segment : parts) {
      if (segment.isEmpty()) {
        throw invalid(field, "must not contain empty segments ('//')", path);
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw invalid(field, "must not contain '.' or '..' segments", path);
      }
      if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
        throw invalid(field, "segments must be at most " + MAX_SEGMENT_BYTES + " bytes long", path);
      }
    }
  }

  private static ApiException invalid(String field, String rule, String path) {
    return new ApiException.InvalidRequest(field + " " + rule + ": '" + Printable.of(path) + "'");
  }
}
