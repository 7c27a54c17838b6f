package dev.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.domain.Patch;
import dev.berth.error.ApiException;
import dev.berth.json.Json;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A JSON request body read as a tree, with typed accessors whose errors name the field: wrong
 * types, missing required fields and unknown fields are all 400 {@code invalid_request_error}.
 */
final class JsonBody {
  private final ObjectNode node;
  private final String prefix;

  private JsonBody(ObjectNode node, String prefix) {
    this.node = node;
    this.prefix = prefix;
  }

  static JsonBody read(Context ctx, long maxBytes) {
    return read(ctx, maxBytes, Set.of());
  }

  /** A body whose top-level fields {@code mayHoldNul} are never stored, so may hold NUL. */
  static JsonBody read(Context ctx, long maxBytes, Set<String> mayHoldNul) {
    return new JsonBody(Json.readObject(ctx.bodyInputStream(), maxBytes, mayHoldNul), "");
  }

  static JsonBody of(ObjectNode node, String path) {
    return new JsonBody(node, path.isEmpty() ? "" : path + ".");
  }

  ObjectNode node() {
    return node;
  }

  /** Rejects fields other than {@code allowed}. */
  JsonBody allowOnly(Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw invalid("unknown field '" + prefix + f + "'");
      }
    }
    return this;
  }

  boolean has(String field) {
    return node.has(field);
  }

  String requiredString(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw invalid(prefix + field + " is required");
    }
    if (!v.isTextual()) {
      throw invalid(prefix + field + " must be a string");
    }
    return v.textValue();
  }

  /** Absent or null → empty. */
  Optional<String> optionalString(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw invalid(prefix + field + " must be a string");
    }
    return Optional.of(v.textValue());
  }

  /** Absent → {@link Patch#absent()}; null → set to null; string → set. */
  Patch<String> patchString(String field) {
    if (!node.has(field)) {
      return Patch.absent();
    }
    return Patch.of(optionalString(field).orElse(null));
  }

  Optional<Boolean> optionalBoolean(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isBoolean()) {
      throw invalid(prefix + field + " must be a boolean");
    }
    return Optional.of(v.booleanValue());
  }

  Optional<Long> optionalInteger(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw invalid(prefix + field + " must be an integer");
    }
    return Optional.of(v.longValue());
  }

  /** A nested object; absent or null → empty. */
  Optional<JsonBody> optionalObject(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!(v instanceof ObjectNode o)) {
      throw invalid(prefix + field + " must be an object");
    }
    return Optional.of(new JsonBody(o, prefix + field + "."));
  }

  /** An array of objects; absent or null → empty. */
  Optional<List<JsonBody>> optionalObjectArray(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isArray()) {
      throw invalid(prefix + field + " must be an array");
    }
    List<JsonBody> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      if (!(v.get(i) instanceof ObjectNode o)) {
        throw invalid(prefix + field + "[" + i + "] must be an object");
      }
      out.add(new JsonBody(o, prefix + field + "[" + i + "]."));
    }
    return Optional.of(out);
  }

  /** An array of strings; absent or null → empty. */
  Optional<List<String>> optionalStringArray(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isArray()) {
      throw invalid(prefix + field + " must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      if (!v.get(i).isTextual()) {
        throw invalid(prefix + field + "[" + i + "] must be a string");
      }
      out.add(v.get(i).textValue());
    }
    return Optional.of(out);
  }

  /** A {@code {string: string}} map; absent or null → empty map. */
  Map<String, String> metadata(String field) {
    Map<String, String> out = new LinkedHashMap<>();
    metadataPatch(field, false).forEach((k, v) -> out.put(k, v.orElseThrow()));
    return out;
  }

  /** A metadata patch: a string upserts, null deletes (spec §1.12). */
  Map<String, Optional<String>> metadataPatch(String field) {
    return metadataPatch(field, true);
  }

  private Map<String, Optional<String>> metadataPatch(String field, boolean nullValues) {
    Map<String, Optional<String>> out = new LinkedHashMap<>();
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isObject()) {
      throw invalid(prefix + field + " must be an object of string values");
    }
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      JsonNode value = e.getValue();
      if (value.isTextual()) {
        out.put(e.getKey(), Optional.of(value.textValue()));
      } else if (value.isNull() && nullValues) {
        out.put(e.getKey(), Optional.empty());
      } else {
        throw invalid(prefix + field + "." + e.getKey() + " must be a string");
      }
    }
    return out;
  }

  /** A raw sub-tree, for nested shapes validated by the domain; absent → empty. */
  Optional<JsonNode> raw(String field) {
    return Optional.ofNullable(node.get(field));
  }

  static ApiException invalid(String message) {
    return new ApiException.InvalidRequest(message);
  }
}
