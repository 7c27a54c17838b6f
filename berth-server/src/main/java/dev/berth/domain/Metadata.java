package dev.berth.domain;

import dev.berth.error.ApiException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Metadata maps and their limits (spec §1.12): 16 pairs, keys ≤ 64 chars, values ≤ 512. */
public final class Metadata {
  static final int MAX_PAIRS = 16;
  static final int MAX_KEY = 64;
  static final int MAX_VALUE = 512;

  private Metadata() {}

  /** Validates a full map; {@code errorCode} is added to errors where the spec has one. */
  public static Map<String, String> validate(Map<String, String> metadata, String errorCode) {
    if (metadata.size() > MAX_PAIRS) {
      throw new ApiException.InvalidRequest(
          "metadata may hold at most " + MAX_PAIRS + " pairs, got " + metadata.size(), errorCode);
    }
    for (var e : metadata.entrySet()) {
      if (e.getKey().isEmpty() || e.getKey().length() > MAX_KEY) {
        throw new ApiException.InvalidRequest(
            "metadata keys must be 1 to " + MAX_KEY + " characters: '" + e.getKey() + "'",
            errorCode);
      }
      if (e.getValue().length() > MAX_VALUE) {
        throw new ApiException.InvalidRequest(
            "metadata value for '" + e.getKey() + "' exceeds " + MAX_VALUE + " characters",
            errorCode);
      }
    }
    return metadata;
  }

  /** Applies a patch (a value upserts, empty deletes) and validates the result. */
  public static Map<String, String> patch(
      Map<String, String> current, Map<String, Optional<String>> patch, String errorCode) {
    Map<String, String> out = new LinkedHashMap<>(current);
    patch.forEach(
        (k, v) -> {
          if (v.isPresent()) {
            out.put(k, v.get());
          } else {
            out.remove(k);
          }
        });
    return validate(out, errorCode);
  }
}
