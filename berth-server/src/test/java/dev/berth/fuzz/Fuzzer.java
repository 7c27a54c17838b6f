package dev.berth.fuzz;

import dev.berth.fuzz.FuzzRequest.Header;
import dev.berth.fuzz.FuzzRoutes.Body;
import dev.berth.fuzz.FuzzRoutes.Route;
import dev.berth.fuzz.FuzzRoutes.Targets;
import dev.berth.testing.Http;
import dev.berth.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes malformed requests: a well-formed request to a random route ({@link FuzzRoutes}), then one
 * to three mutations of its body, multipart form, path ids, query, method or headers. The same
 * {@link Random} gives the same requests, so a seed reproduces a run.
 */
final class Fuzzer {
  private static final Pattern PARAM = Pattern.compile("\\{([a-z_]+)}");
  private static final String[] METHODS = {
    "GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS", "FUZZ"
  };

  /** Values that are the wrong type, size or shape for almost any JSON field. */
  private static final String[] JSON_VALUES = {
    "null",
    "0",
    "-1",
    "1.5",
    "1e400",
    "-1e400",
    "99999999999999999999999999999999",
    "9223372036854775808",
    "true",
    "[]",
    "{}",
    "\"\"",
    "\" \"",
    "[null]",
    "{\"\":null}",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\udc00x\"",
    "\"a\\nb\"",
    "\"../../etc/passwd\"",
    "\"/mnt/session/uploads/../x\"",
    "\"file_0000000000000000000000\"",
    "[\"sh\"]",
    "{\"type\":\"file\"}",
    "[{\"type\":\"file\",\"file_id\":null}]",
    "\"١٢٣\"",
    "\"" + "x".repeat(140_000) + "\"",
    "[" + "\"x\",".repeat(40_000) + "\"x\"]",
    "{" + "\"k\":1,".repeat(3) + "\"k\":2}"
  };

  /** Query values that no list takes as they are. */
  private static final String[] QUERY_VALUES = {
    "",
    "0",
    "-1",
    "1001",
    "99999999999999999999",
    "1e3",
    "abc",
    "%00",
    "%zz",
    "%C0%AF",
    "%ED%A0%80",
    "%FF",
    "true%00",
    "null",
    "berth1:",
    "berth1:AAAA",
    "Ym9ndXM",
    "%E2%80%AE",
    "2020-13-45",
    "+1",
    "%20%31"
  };

  private final Random random;
  private final Targets targets;

  Fuzzer(Random random, Targets targets) {
    this.random = random;
    this.targets = targets;
  }

  /** The next malformed request. */
  FuzzRequest next() {
    // the upload route (the first) has three times the share of others: its form varies most
    int pick = random.nextInt(FuzzRoutes.ALL.size() + 2);
    Route route = FuzzRoutes.ALL.get(pick < FuzzRoutes.ALL.size() ? pick : 0);
    FuzzRequest request = wellFormed(route);
    List<String> applied = new ArrayList<>();
    int count = 1 + random.nextInt(3);
    for (int i = 0; i < count; i++) {
      request = mutate(route, request);
      applied.add(request.mutation());
    }
    return request.withMutation(String.join(", ", applied));
  }

  private FuzzRequest wellFormed(Route route) {
    String path = fill(route.path());
    Map<String, String> query = new TreeMap<>(route.query().apply(targets));
    List<Header> headers = new ArrayList<>();
    headers.add(new Header("x-api-key", TestServer.KEY));
    headers.add(new Header("anthropic-version", "2023-06-01"));
    headers.add(new Header("anthropic-beta", Http.BETA));
    byte[] body = new byte[0];
    if (route.body() == Body.JSON) {
      headers.add(new Header("content-type", "application/json"));
      body = utf8(route.json().apply(targets));
    } else if (route.body() == Body.MULTIPART) {
      headers.add(new Header("content-type", "multipart/form-data; boundary=" + BOUNDARY));
      body = MultipartMutations.wellFormed();
    }
    return new FuzzRequest(route.name(), "", route.method(), path + query(query), headers, body);
  }

  private String fill(String path) {
    Matcher m = PARAM.matcher(path);
    var out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, targets.id(m.group(1)));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String query(Map<String, String> params) {
    if (params.isEmpty()) {
      return "";
    }
    var out = new StringBuilder("?");
    params.forEach(
        (k, v) ->
            out.append(out.length() > 1 ? "&" : "")
                .append(k.replace("[", "%5B").replace("]", "%5D"))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return out.toString();
  }

  private FuzzRequest mutate(Route route, FuzzRequest request) {
    int kinds = route.body() == Body.NONE ? 4 : 6;
    return switch (random.nextInt(kinds)) {
      case 0 -> mutateHeaders(request);
      case 1 -> mutateMethod(request);
      case 2 -> mutateIds(route, request);
      case 3 -> mutateQuery(request);
      default ->
          route.body() == Body.MULTIPART
              ? MultipartMutations.mutate(random, request)
              : JsonMutations.mutate(random, request, JSON_VALUES);
    };
  }

  private FuzzRequest mutateHeaders(FuzzRequest r) {
    return switch (random.nextInt(12)) {
      case 0 -> r.without("x-api-key").withMutation("no api key");
      case 1 ->
          r.withHeader("x-api-key", "sk-wrong-" + random.nextInt(1000)).withMutation("bad key");
      case 2 -> r.withHeader("x-api-key", TestServer.OTHER_KEY).withMutation("other workspace key");
      case 3 ->
          r.without("x-api-key")
              .withHeader("Authorization", pick("Bearer", "Bearer ", "Basic eA==", "Bearer \u00e9"))
              .withMutation("odd authorization");
      case 4 -> r.without("anthropic-beta").withMutation("no beta");
      case 5 ->
          r.withHeader("anthropic-beta", pick("", "managed-agents-2020-01-01", ",,", "files-api"))
              .withMutation("wrong beta");
      case 6 -> r.without("content-type").withMutation("no content type");
      case 7 ->
          r.withHeader(
                  "content-type",
                  pick(
                      "text/plain",
                      "application/json; charset=utf-16",
                      "multipart/form-data",
                      "multipart/form-data; boundary=",
                      "application/x-www-form-urlencoded",
                      "application/json; charset=\"",
                      "*/*"))
              .withMutation("wrong content type");
      case 8 ->
          r.withHeader("anthropic-workspace-id", pick("beta", "nope", "alpha\u00e9"))
              .withMutation("workspace header");
      case 9 -> r.withHeader("anthropic-version", pick("", "garbage", "1")).withMutation("version");
      case 10 ->
          r.withHeader("x-api-key", TestServer.KEY + "\u00ff").withMutation("latin-1 in the key");
      default ->
          r.withHeader("Transfer-Encoding", pick("gzip", "identity", "chunked, gzip"))
              .withMutation("transfer encoding");
    };
  }

  private FuzzRequest mutateMethod(FuzzRequest r) {
    return r.withMethod(METHODS[random.nextInt(METHODS.length)]).withMutation("method");
  }

  private FuzzRequest mutateIds(Route route, FuzzRequest r) {
    List<String> params = new ArrayList<>();
    Matcher m = PARAM.matcher(route.path());
    while (m.find()) {
      params.add(m.group(1));
    }
    String target = r.target();
    if (params.isEmpty()) {
      // a route without ids: an id or stray segment after it
      return r.withTarget(pathOf(target) + "/" + badId("x") + queryOf(target))
          .withMutation("extra segment");
    }
    String param = params.get(random.nextInt(params.size()));
    String id = targets.id(param);
    String replaced = pathOf(target).replace(id, badId(id));
    return r.withTarget(replaced + queryOf(target)).withMutation("bad " + param);
  }

  private String badId(String valid) {
    return switch (random.nextInt(14)) {
      case 0 -> "";
      case 1 -> valid + "x";
      case 2 -> valid.substring(0, valid.length() / 2);
      case 3 -> "x".repeat(5000);
      case 4 -> "%00";
      case 5 -> "%C0%AF";
      case 6 -> "%2e%2e";
      case 7 -> "%F0%9F%98%80";
      case 8 -> valid.toUpperCase(java.util.Locale.ROOT);
      case 9 -> targets.otherWorkspaceFileId();
      case 10 -> targets.otherWorkspaceSessionId();
      case 11 -> targets.outputFileId();
      case 12 -> "%u0041";
      default -> valid.substring(0, valid.indexOf('_') + 1) + "0".repeat(24);
    };
  }

  private FuzzRequest mutateQuery(FuzzRequest r) {
    String path = pathOf(r.target());
    String query = queryOf(r.target());
    String param =
        pick(
            "limit",
            "page",
            "after_id",
            "before_id",
            "scope_id",
            "ids%5B%5D",
            "include_archived",
            "agent_id",
            "agent_version",
            "created_at%5Bgte%5D",
            "statuses%5B%5D",
            "version",
            "path_prefix",
            "depth",
            "view",
            "expected_content_sha256",
            "unknown",
            "limit%00",
            "%FF");
    String value =
        random.nextInt(4) == 0
            ? mangle(targets.cursor())
            : QUERY_VALUES[random.nextInt(QUERY_VALUES.length)];
    String extra = param + "=" + value;
    String changed =
        switch (random.nextInt(3)) {
          case 0 -> query.isEmpty() ? "?" + extra : query + "&" + extra;
          case 1 -> "?" + extra + "&" + extra.replace("=", "=1");
          default -> "?" + param + (random.nextBoolean() ? "" : "=") + "&&=" + value;
        };
    return r.withTarget(path + changed).withMutation("query " + extra);
  }

  /** A real cursor, changed: a character flipped, cut short, or padded. */
  private String mangle(String cursor) {
    if (cursor.isEmpty()) {
      return "berth1:" + "A".repeat(random.nextInt(40));
    }
    char[] chars = cursor.toCharArray();
    return switch (random.nextInt(3)) {
      case 0 -> {
        int i = random.nextInt(chars.length);
        chars[i] = chars[i] == 'A' ? 'B' : 'A';
        yield URLEncoder.encode(new String(chars), StandardCharsets.UTF_8);
      }
      case 1 -> URLEncoder.encode(cursor.substring(0, chars.length / 2), StandardCharsets.UTF_8);
      default -> URLEncoder.encode(cursor + "==", StandardCharsets.UTF_8);
    };
  }

  private String pick(String... options) {
    return options[random.nextInt(options.length)];
  }

  private static String pathOf(String target) {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  private static String queryOf(String target) {
    int q = target.indexOf('?');
    return q < 0 ? "" : target.substring(q);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[]... parts) {
    var out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static final String BOUNDARY = "fuzz-boundary-7d3f";
}
