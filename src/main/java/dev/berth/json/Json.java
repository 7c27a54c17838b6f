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

  /** Reads a request body that must be one JSON object; empty means {@code {}}. */
  public static ObjectNode readObject(InputStream body, long maxBytes) {
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
    rejectLoneSurrogates(object, "");
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
   * A {@code \\ud800} escape without its other half passes the JSON parser but names no character:
   * stored, it would come back as {@code ?}. Only an escape can make one: {@link Utf8} refuses
   * surrogates written as bytes. Paths name the field, as in {@code metadata.key}.
   */
  private static void rejectLoneSurrogates(JsonNode node, String path) {
    if (node.isTextual()) {
      rejectLoneSurrogate(node.textValue(), path);
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        rejectLoneSurrogates(node.get(i), path + "[" + i + "]");
      }
    }
    for (var field : node.properties()) {
      rejectLoneSurrogate(field.getKey(), path + "." + field.getKey());
      rejectLoneSurrogates(field.getValue(), path + "." + field.getKey());
    }
  }

  private static void rejectLoneSurrogate(String text, String path) {
    if (!Utf8.hasLoneSurrogate(text)) {
      return;
    }
    throw new ApiException.InvalidRequest(
        "request body is not valid JSON text: "
            + "'"
            + path.substring(1)
            + "'"
            + " holds an escaped half of a surrogate pair (such as \\ud800 alone),"
            + " which is no character");
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
