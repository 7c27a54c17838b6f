package dev.berth.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.error.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;

/**
 * The one {@link ObjectMapper}: record components in camelCase go on the wire in snake_case, as the
 * spec spells them; nulls are written (many fields are required-but-nullable, spec §0).
 */
public final class Json {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .setDefaultPropertyInclusion(JsonInclude.Include.ALWAYS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          // a key given twice would otherwise mean its last value, silently
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature())
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private Json() {}

  /**
   * Reads a request body that must be one JSON object; empty means {@code {}}. No string in it may
   * hold NUL but those of the top-level fields {@code mayHoldNul}.
   */
  public static ObjectNode readObject(InputStream body, long maxBytes, Set<String> mayHoldNul) {
    byte[] bytes;
    try {
      bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
    } catch (IOException e) {
      // a broken chunked encoding or a client that hung up: the request's fault, not ours
      throw new ApiException.InvalidRequest("could not read the request body: " + e.getMessage());
    }
    if (bytes.length > maxBytes) {
      throw new ApiException.TooLarge("request body exceeds " + maxBytes + " bytes");
    }
    if (isBlank(bytes)) {
      return MAPPER.createObjectNode();
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(Utf8.decode(bytes, "request body"));
    } catch (JsonProcessingException e) {
      throw new ApiException.InvalidRequest(
          "request body is not valid JSON: " + e.getOriginalMessage());
    }
    if (!(node instanceof ObjectNode object)) {
      throw new ApiException.InvalidRequest("request body must be a JSON object");
    }
    rejectUnstorable(object, mayHoldNul);
    return object;
  }

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass(), e);
    }
  }

  public static JsonNode parse(String stored) {
    try {
      return MAPPER.readTree(stored);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON is corrupt", e);
    }
  }

  public static <T> T read(String stored, com.fasterxml.jackson.core.type.TypeReference<T> type) {
    try {
      return MAPPER.readValue(stored, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON is corrupt", e);
    }
  }

  /**
   * Refuses strings no store keeps as given. A {@code \\ud800} escape without its other half passes
   * the JSON parser but names no character: stored, it came back as {@code ?}. Only an escape can
   * make one: {@link Utf8} refuses surrogates written as bytes. A {@code \\u0000} escape is a
   * character PostgreSQL cannot store in text (SQLite can, so the backends would disagree); only
   * the top-level fields in {@code mayHoldNul}, which are never stored, may hold one. Paths name
   * the field, as in {@code metadata.key}.
   */
  private static void rejectUnstorable(ObjectNode body, Set<String> mayHoldNul) {
    for (var field : body.properties()) {
      rejectUnstorable(field.getKey(), field.getKey(), false);
      rejectUnstorable(field.getValue(), field.getKey(), mayHoldNul.contains(field.getKey()));
    }
  }

  private static void rejectUnstorable(JsonNode node, String path, boolean nulAllowed) {
    if (node.isTextual()) {
      rejectUnstorable(node.textValue(), path, nulAllowed);
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        rejectUnstorable(node.get(i), path + "[" + i + "]", nulAllowed);
      }
    }
    for (var field : node.properties()) {
      String inner = path + "." + field.getKey();
      rejectUnstorable(field.getKey(), inner, nulAllowed);
      rejectUnstorable(field.getValue(), inner, nulAllowed);
    }
  }

  private static void rejectUnstorable(String text, String path, boolean nulAllowed) {
    if (Utf8.hasLoneSurrogate(text)) {
      throw new ApiException.InvalidRequest(
          "request body is not valid JSON text: '"
              + path
              + "' holds an escaped half of a surrogate pair (such as \\ud800 alone),"
              + " which is no character");
    }
    if (!nulAllowed && text.indexOf('\0') >= 0) {
      throw new ApiException.InvalidRequest(path + " must not contain NUL (\\u0000)");
    }
  }

  private static boolean isBlank(byte[] bytes) {
    for (byte b : bytes) {
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return false;
      }
    }
    return true;
  }

  static {
    MAPPER
        .getFactory()
        .setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
  }
}
