package dev.berth.fuzz;

import static dev.berth.fuzz.Fuzzer.concat;
import static dev.berth.fuzz.Fuzzer.utf8;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mutations of a JSON body: a field's value swapped for a wrong one, a field dropped, repeated or
 * added, deep nesting, bytes that are not UTF-8, a cut-off or empty body, or no JSON at all.
 */
final class JsonMutations {
  private static final Pattern FIELD = Pattern.compile("\"([a-z_]+)\":");

  private JsonMutations() {}

  static FuzzRequest mutate(Random random, FuzzRequest r, String[] values) {
    String json = new String(r.body(), StandardCharsets.UTF_8);
    List<Integer> fields = new ArrayList<>();
    Matcher m = FIELD.matcher(json);
    while (m.find()) {
      fields.add(m.end());
    }
    if (fields.isEmpty() || json.isEmpty()) {
      json = "{\"name\":\"x\"}";
      fields.add(json.indexOf(':') + 1);
    }
    int at = fields.get(random.nextInt(fields.size()));
    int end = valueEnd(json, at);
    String value = values[random.nextInt(values.length)];
    return switch (random.nextInt(12)) {
      case 0 -> body(r, json.substring(0, at) + value + json.substring(end), "value " + value);
      case 1 -> body(r, json.substring(0, at) + nested(random) + json.substring(end), "nesting");
      case 2 -> body(r, "{\"name\":\"a\",\"name\":\"b\"," + json.substring(1), "duplicate key");
      case 3 -> body(r, duplicateAt(json, at), "duplicate field");
      case 4 -> body(r, "{\"zz_unknown\":" + value + "," + json.substring(1), "unknown field");
      case 5 -> body(r, dropField(json, at), "missing field");
      case 6 ->
          r.withBody(
                  concat(
                      utf8(json.substring(0, at) + "\"a"),
                      invalidUtf8(random),
                      utf8("b\"" + json.substring(end))))
              .withMutation("invalid UTF-8");
      case 7 ->
          r.withBody(utf8(json.substring(0, random.nextInt(json.length()))))
              .withMutation("truncated");
      case 8 -> r.withBody(new byte[0]).withMutation("empty body");
      case 9 ->
          body(
              r,
              switch (random.nextInt(5)) {
                case 0 -> "[" + json + "]";
                case 1 -> "\"" + json.replace("\"", "\\\"") + "\"";
                case 2 -> "null";
                case 3 -> json + json;
                default -> json + " trailing";
              },
              "not an object");
      case 10 -> body(r, nested(random), "deep body");
      default -> {
        byte[] noise = new byte[1 + random.nextInt(64)];
        random.nextBytes(noise);
        yield r.withBody(noise).withMutation("random bytes");
      }
    };
  }

  private static FuzzRequest body(FuzzRequest r, String json, String mutation) {
    return r.withBody(utf8(json)).withMutation(mutation);
  }

  /** Arrays or objects nested 50 to 20,000 deep, closed or not. */
  private static String nested(Random random) {
    int depth = random.nextBoolean() ? 50 + random.nextInt(2000) : 20_000;
    boolean arrays = random.nextBoolean();
    String open = arrays ? "[" : "{\"a\":";
    String close = arrays ? "]" : "}";
    String tail = random.nextInt(4) == 0 ? "" : close.repeat(depth);
    return open.repeat(depth) + "1" + tail;
  }

  private static byte[] invalidUtf8(Random random) {
    byte[][] options = {
      {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // encoded surrogate
      {(byte) 0xFF},
      {(byte) 0x80},
      {(byte) 0xE2, (byte) 0x82}, // cut short
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
      {0}
    };
    return options[random.nextInt(options.length)];
  }

  /** Where the JSON value starting at {@code at} ends (a string, number, literal or bracket). */
  static int valueEnd(String json, int at) {
    int depth = 0;
    boolean inString = false;
    for (int i = at; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
          if (depth == 0) {
            return i + 1;
          }
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '[' || c == '{') {
        depth++;
      } else if (c == ']' || c == '}') {
        if (depth == 0) {
          return i;
        }
        depth--;
        if (depth == 0) {
          return i + 1;
        }
      } else if (c == ',' && depth == 0) {
        return i;
      }
    }
    return json.length();
  }

  private static String duplicateAt(String json, int at) {
    int keyStart = json.lastIndexOf('"', json.lastIndexOf('"', at - 2) - 1);
    String field = json.substring(keyStart, valueEnd(json, at));
    return json.substring(0, keyStart) + field + "," + json.substring(keyStart);
  }

  private static String dropField(String json, int at) {
    int keyStart = json.lastIndexOf('"', json.lastIndexOf('"', at - 2) - 1);
    int end = valueEnd(json, at);
    if (end < json.length() && json.charAt(end) == ',') {
      end++;
    }
    return json.substring(0, keyStart) + json.substring(end);
  }
}
