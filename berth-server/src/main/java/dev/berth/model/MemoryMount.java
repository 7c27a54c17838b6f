package dev.berth.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.error.ApiException;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The memory store of a {@code memory_store} resource: which store, how the session may use it, the
 * agent's instructions for it, and the store's name and description as they were when it was
 * attached (later edits of the store do not change them).
 */
public record MemoryMount(
    String storeId, Access access, Optional<String> instructions, String name, String description) {
  /** The directory every store is mounted under, one directory per store. */
  public static final String ROOT = "/mnt/memory";

  /** The most characters {@code instructions} may hold. */
  public static final int MAX_INSTRUCTIONS = 4096;

  /** The most characters of a store's name a mount path keeps. */
  static final int MAX_SLUG = 64;

  /** How the session's sandbox may use the store. */
  public enum Access {
    READ_WRITE("read_write"),
    READ_ONLY("read_only");

    private final String wire;

    Access(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    /** {@code read_write} or {@code read_only}; a 400 otherwise. */
    public static Access parse(String value) {
      for (Access a : values()) {
        if (a.wire.equals(value)) {
          return a;
        }
      }
      throw new ApiException.InvalidRequest(
          "access must be 'read_write' or 'read_only', got '" + value + "'");
    }
  }

  /** Checks the instructions' length; a 400 naming the rule otherwise. */
  public static Optional<String> checkInstructions(Optional<String> instructions) {
    instructions.ifPresent(
        i -> {
          int length = i.codePointCount(0, i.length());
          if (length > MAX_INSTRUCTIONS) {
            throw new ApiException.InvalidRequest(
                "instructions must be at most " + MAX_INSTRUCTIONS + " characters, got " + length);
          }
        });
    return instructions;
  }

  public boolean readOnly() {
    return access == Access.READ_ONLY;
  }

  /**
   * The mount path for a store named {@code name}: {@code /mnt/memory/<slug>}, the slug being the
   * name in lowercase ASCII letters and digits with a {@code -} for each run of anything else
   * (accents dropped), at most {@value #MAX_SLUG} characters, {@code memory} when nothing is left;
   * a slug in {@code taken} gets {@code -2}, {@code -3}… until it is free.
   */
  public static String mountPath(String name, Set<String> taken) {
    String ascii =
        Normalizer.normalize(name, Normalizer.Form.NFKD)
            .replaceAll("\\p{M}", "")
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9]+", "-");
    String slug = trimHyphens(ascii.substring(0, Math.min(ascii.length(), MAX_SLUG)));
    if (slug.isEmpty()) {
      slug = "memory";
    }
    String path = ROOT + "/" + slug;
    for (int n = 2; taken.contains(path); n++) {
      path = ROOT + "/" + slug + "-" + n;
    }
    return path;
  }

  private static String trimHyphens(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && s.charAt(from) == '-') {
      from++;
    }
    while (to > from && s.charAt(to - 1) == '-') {
      to--;
    }
    return s.substring(from, to);
  }

  /** The body kept in the store. */
  public ObjectNode toJson() {
    ObjectNode node =
        JsonNodeFactory.instance
            .objectNode()
            .put("memory_store_id", storeId)
            .put("access", access.wire())
            .put("name", name)
            .put("description", description);
    instructions.ifPresent(i -> node.put("instructions", i));
    return node;
  }

  /** What {@link #toJson()} wrote. */
  public static MemoryMount fromJson(JsonNode node) {
    return new MemoryMount(
        node.path("memory_store_id").asText(),
        Access.parse(node.path("access").asText()),
        Optional.ofNullable(node.get("instructions")).map(JsonNode::asText),
        node.path("name").asText(),
        node.path("description").asText());
  }
}
