package dev.berth.http;

import dev.berth.domain.Timestamps;
import dev.berth.error.ApiException;
import dev.berth.json.Utf8;
import dev.berth.model.PageRequest;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** Query-string parameters as the SDKs send them (spec §1.6, §1.10). */
final class Query {
  static final int DEFAULT_LIMIT = 20;
  private static final String CURSOR_PREFIX = "berth1:";

  private Query() {}

  /**
   * The page a list request asks for. A cursor must be one a list of this kind issued: {@code
   * isPosition} tells its positions (ids of the list's kind, say) from anything else, which would
   * otherwise find nothing and answer an empty page.
   */
  static PageRequest page(Context ctx, int maxLimit, Predicate<String> isPosition) {
    int limit = intParam(ctx, "limit").orElse(DEFAULT_LIMIT);
    if (limit < 1 || limit > maxLimit) {
      throw new ApiException.InvalidRequest(
          "limit must be between 1 and " + maxLimit + ", got " + limit);
    }
    Optional<String> page = string(ctx, "page");
    if (page.isEmpty()) {
      return PageRequest.first(limit);
    }
    String decoded;
    try {
      decoded = new String(Base64.getUrlDecoder().decode(page.get()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw badCursor();
    }
    if (!decoded.startsWith(CURSOR_PREFIX) || decoded.length() < CURSOR_PREFIX.length() + 2) {
      throw badCursor();
    }
    String rest = decoded.substring(CURSOR_PREFIX.length());
    boolean backward = rest.startsWith("<");
    if (!backward && !rest.startsWith(">")) {
      throw badCursor();
    }
    String position = rest.substring(1);
    if (!isPosition.test(position)) {
      throw badCursor();
    }
    return new PageRequest(limit, Optional.of(position), backward);
  }

  /**
   * Refuses a query string whose percent-escapes do not decode to UTF-8 text without NUL: the usual
   * decoders put U+FFFD in place of bytes that are not UTF-8, so a value would be matched as
   * something the client never sent, and PostgreSQL cannot take a NUL even to compare.
   */
  static void checkQueryString(Context ctx) {
    String query = ctx.queryString();
    if (query == null) {
      return;
    }
    var bytes = new ByteArrayOutputStream(query.length());
    for (int i = 0; i < query.length(); i++) {
      int c = query.codePointAt(i);
      if (c != '%') {
        bytes.writeBytes(Character.toString(c).getBytes(StandardCharsets.UTF_8));
        i += Character.charCount(c) - 1;
        continue;
      }
      int high = i + 1 < query.length() ? hex(query.charAt(i + 1)) : -1;
      int low = i + 2 < query.length() ? hex(query.charAt(i + 2)) : -1;
      if (high < 0 || low < 0) {
        throw new ApiException.InvalidRequest(
            "the query string has a '%' that is not followed by two hex digits");
      }
      if (high == 0 && low == 0) {
        throw new ApiException.InvalidRequest("the query string must not contain NUL (%00)");
      }
      bytes.write((high << 4) | low);
      i += 2;
    }
    Utf8.decode(bytes.toByteArray(), "the query string, once its %-escapes are decoded,");
  }

  private static int hex(char c) {
    return c < 128 ? Character.digit(c, 16) : -1;
  }

  static String cursor(String id, boolean backward) {
    String raw = CURSOR_PREFIX + (backward ? "<" : ">") + id;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  static Optional<String> string(Context ctx, String name) {
    String v = ctx.queryParam(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  static Optional<Integer> intParam(Context ctx, String name) {
    return string(ctx, name)
        .map(
            v -> {
              try {
                return Integer.parseInt(v);
              } catch (NumberFormatException e) {
                throw new ApiException.InvalidRequest(
                    name + " must be an integer, got '" + v + "'");
              }
            });
  }

  static boolean bool(Context ctx, String name, boolean fallback) {
    return string(ctx, name)
        .map(
            v ->
                switch (v) {
                  case "true" -> true;
                  case "false" -> false;
                  default ->
                      throw new ApiException.InvalidRequest(
                          name + " must be true or false, got '" + v + "'");
                })
        .orElse(fallback);
  }

  static boolean descending(Context ctx, boolean fallback) {
    return string(ctx, "order")
        .map(
            v ->
                switch (v) {
                  case "asc" -> false;
                  case "desc" -> true;
                  default ->
                      throw new ApiException.InvalidRequest(
                          "order must be 'asc' or 'desc', got '" + v + "'");
                })
        .orElse(fallback);
  }

  /** An array parameter: {@code name[]=a&name[]=b}, {@code name=a&name=b} or {@code name=a,b}. */
  static List<String> array(Context ctx, String name) {
    List<String> values = new ArrayList<>();
    for (String key : List.of(name + "[]", name)) {
      for (String v : ctx.queryParams(key)) {
        for (String part : v.split(",", -1)) {
          if (!part.isBlank()) {
            values.add(part.strip());
          }
        }
      }
    }
    return values;
  }

  static Optional<String> timestamp(Context ctx, String name) {
    return string(ctx, name).map(v -> Timestamps.parseParam(name, v));
  }

  private static ApiException badCursor() {
    return new ApiException.InvalidRequest(
        "page is not a cursor this server issued; pass next_page or prev_page unchanged");
  }
}
