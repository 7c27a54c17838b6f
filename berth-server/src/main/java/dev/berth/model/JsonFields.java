package dev.berth.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.error.ApiException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Typed reads of nested request JSON for the rules that take a sub-tree (environment configs, agent
 * tools, session agent params). Every error is a 400 naming the field by its full path, as {@code
 * http.JsonBody} does for top-level fields.
 */
public final class JsonFields {
  private JsonFields() {}

  public static String path(String parent, String field) {
    return parent.isEmpty() ? field : parent + "." + field;
  }

  public static String index(String parent, int i) {
    return parent + "[" + i + "]";
  }

  public static ApiException invalid(String message) {
    return new ApiException.InvalidRequest(message);
  }

  public static boolean isNull(JsonNode v) {
    return v == null || v.isNull() || v.isMissingNode();
  }

  public static ObjectNode object(JsonNode v, String path) {
    if (!(v instanceof ObjectNode o)) {
      throw invalid(path + " must be an object");
    }
    return o;
  }

  /** Rejects fields of {@code o} other than {@code allowed}. */
  public static ObjectNode allowOnly(ObjectNode o, String path, Collection<String> allowed) {
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw invalid("unknown field '" + path(path, f) + "'");
      }
    }
    return o;
  }

  public static ObjectNode allowOnly(ObjectNode o, String path, String... allowed) {
    return allowOnly(o, path, Set.of(allowed));
  }

  public static String requiredString(ObjectNode o, String field, String path) {
    return optionalString(o, field, path)
        .orElseThrow(() -> invalid(path(path, field) + " is required"));
  }

  /** A required string with at least one non-blank character. */
  public static String nonEmptyString(ObjectNode o, String field, String path) {
    String v = requiredString(o, field, path);
    if (v.isBlank()) {
      throw invalid(path(path, field) + " must not be empty");
    }
    return v;
  }

  /** Absent or null → empty. */
  public static Optional<String> optionalString(ObjectNode o, String field, String path) {
    JsonNode v = o.get(field);
    if (isNull(v)) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw invalid(path(path, field) + " must be a string");
    }
    return Optional.of(v.textValue());
  }

  public static Optional<Boolean> optionalBoolean(ObjectNode o, String field, String path) {
    JsonNode v = o.get(field);
    if (isNull(v)) {
      return Optional.empty();
    }
    if (!v.isBoolean()) {
      throw invalid(path(path, field) + " must be a boolean");
    }
    return Optional.of(v.booleanValue());
  }

  public static Optional<Integer> optionalInt(ObjectNode o, String field, String path) {
    JsonNode v = o.get(field);
    if (isNull(v)) {
      return Optional.empty();
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw invalid(path(path, field) + " must be an integer");
    }
    return Optional.of(v.intValue());
  }

  /** A nested object; absent or null → empty. */
  public static Optional<ObjectNode> optionalObject(ObjectNode o, String field, String path) {
    JsonNode v = o.get(field);
    return isNull(v) ? Optional.empty() : Optional.of(object(v, path(path, field)));
  }

  /** An array of strings; absent or null → empty. */
  public static Optional<List<String>> optionalStrings(ObjectNode o, String field, String path) {
    JsonNode v = o.get(field);
    return isNull(v) ? Optional.empty() : Optional.of(strings(v, path(path, field)));
  }

  public static List<String> strings(JsonNode v, String path) {
    if (!v.isArray()) {
      throw invalid(path + " must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      if (!v.get(i).isTextual()) {
        throw invalid(index(path, i) + " must be a string");
      }
      out.add(v.get(i).textValue());
    }
    return out;
  }

  /** The elements of an array; null → empty. */
  public static List<JsonNode> array(JsonNode v, String path) {
    if (isNull(v)) {
      return List.of();
    }
    if (!v.isArray()) {
      throw invalid(path + " must be an array");
    }
    List<JsonNode> out = new ArrayList<>();
    v.forEach(out::add);
    return out;
  }

  /** A string that must be one of {@code allowed}; the error names the value. */
  public static String oneOf(String value, String path, List<String> allowed) {
    if (!allowed.contains(value)) {
      throw invalid(
          path + " must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
    }
    return value;
  }

  /** The required {@code type} discriminator of {@code o}, one of {@code allowed}. */
  public static String type(ObjectNode o, String path, List<String> allowed) {
    return oneOf(requiredString(o, "type", path), path(path, "type"), allowed);
  }
}
