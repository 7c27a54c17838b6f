package dev.berth.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The OpenAPI document ({@code src/main/resources/openapi.json}) as a contract every response of
 * the tests must keep. {@link Http} hands each response it gets to {@link #check}, which fails the
 * test unless the document describes it: an operation for its method and path, the status among
 * that operation's responses, each required header present and matching its schema, the media type
 * among the documented ones, and a JSON body valid against the schema (JSON Schema 2020-12 in the
 * OpenAPI 3.1 dialect, formats asserted). An error answered where the document has no operation (an
 * unknown route, a wrong method, a bad key before routing) must still be the error envelope.
 */
public final class OpenApiContract {
  private static final String RESOURCE = "openapi.json";
  private static final String BASE = "classpath:" + RESOURCE;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern TEMPLATE_SEGMENT = Pattern.compile("\\{[^/}]+\\}");
  private static final OpenApiContract DOCUMENT = new OpenApiContract();

  private final JsonNode document;
  private final List<Operation> operations;
  private final SchemaRegistry registry =
      SchemaRegistry.withDefaultDialect(
          Dialects.getOpenApi31(),
          builder ->
              builder.schemaRegistryConfig(
                  SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
  private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

  /** One operation of the document: a method on a path template. */
  public record Operation(String method, String template, Pattern pattern, int literals) {
    /** The operation's JSON pointer in the document. */
    String pointer() {
      return "/paths/" + escape(template) + "/" + method.toLowerCase(Locale.ROOT);
    }

    boolean matches(String method, String path) {
      return this.method.equals(method) && pattern.matcher(path).matches();
    }
  }

  /** A response as the contract sees it: header names in any case, the body as UTF-8 text. */
  public record Exchange(
      String method, String path, int status, Map<String, List<String>> headers, String body) {
    Optional<String> header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty())
          .map(e -> e.getValue().get(0))
          .findFirst();
    }
  }

  private OpenApiContract() {
    try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the classpath");
      }
      document = MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Operation> ops = new ArrayList<>();
    document
        .path("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .fieldNames()
                    .forEachRemaining(
                        method ->
                            ops.add(
                                new Operation(
                                    method.toUpperCase(Locale.ROOT),
                                    path.getKey(),
                                    pattern(path.getKey()),
                                    literals(path.getKey())))));
    // a literal segment wins over a template, as in the router (OpenAPI 3.1 §4.8.8)
    ops.sort(Comparator.comparingInt(Operation::literals).reversed());
    operations = List.copyOf(ops);
  }

  /** The document of the server's resources. */
  public static OpenApiContract document() {
    return DOCUMENT;
  }

  /** Fails with every way {@code response} departs from the document. */
  public static void check(Http.Response response) {
    var request = response.raw().request();
    var exchange =
        new Exchange(
            request.method(),
            request.uri().getRawPath(),
            response.status(),
            response.raw().headers().map(),
            new String(response.raw().body(), StandardCharsets.UTF_8));
    List<String> problems = DOCUMENT.problems(exchange);
    if (!problems.isEmpty()) {
      throw new AssertionError(
          exchange.method()
              + " "
              + exchange.path()
              + " answered "
              + exchange.status()
              + " outside the OpenAPI document:\n  "
              + String.join("\n  ", problems)
              + "\nbody: "
              + exchange.body());
    }
  }

  /** Every operation of the document. */
  public List<Operation> operations() {
    return operations;
  }

  /** The parsed document. */
  public JsonNode tree() {
    return document;
  }

  /** The document's schema at {@code pointer} (a JSON pointer), compiled once. */
  private Schema schema(String pointer) {
    return schemas.computeIfAbsent(
        pointer, p -> registry.getSchema(SchemaLocation.of(BASE + "#" + fragment(p))));
  }

  /** How {@code exchange} departs from the document; empty when it does not. */
  public List<String> problems(Exchange exchange) {
    List<String> problems = new ArrayList<>();
    Optional<Operation> operation =
        operations.stream().filter(o -> o.matches(exchange.method(), exchange.path())).findFirst();
    if (operation.isEmpty()) {
      if (exchange.status() < 400) {
        problems.add("the document has no operation " + exchange.method() + " for this path");
        return problems;
      }
      if (exchange.header("request-id").isEmpty()) {
        problems.add("header 'request-id' is missing");
      }
      if (!exchange.method().equals("HEAD")) {
        checkBody(exchange, "/components/schemas/Error", problems);
      }
      return problems;
    }
    String responsesPointer = operation.get().pointer() + "/responses";
    String code = Integer.toString(exchange.status());
    JsonNode responses = document.at(responsesPointer);
    String pointer = responsesPointer + "/" + (responses.has(code) ? code : "default");
    JsonNode response = document.at(pointer);
    if (response.isMissingNode()) {
      problems.add(
          "status "
              + code
              + " is not among the responses of "
              + operation.get().method()
              + " "
              + operation.get().template());
      return problems;
    }
    if (response.has("$ref")) {
      pointer = response.get("$ref").textValue().substring(1);
      response = document.at(pointer);
    }
    checkHeaders(exchange, pointer, response, problems);
    if (exchange.method().equals("HEAD")) {
      return problems;
    }
    JsonNode content = response.path("content");
    if (content.isEmpty()) {
      if (!exchange.body().isEmpty()) {
        problems.add("a body where the document has none");
      }
      return problems;
    }
    String type = exchange.header("content-type").orElse("");
    Optional<String> media = mediaType(content, type);
    if (media.isEmpty()) {
      problems.add("content-type '" + type + "' is not among " + names(content));
      return problems;
    }
    if (isJson(media.get())) {
      checkBody(exchange, pointer + "/content/" + escape(media.get()) + "/schema", problems);
    }
    return problems;
  }

  private void checkHeaders(
      Exchange exchange, String responsePointer, JsonNode response, List<String> problems) {
    for (Map.Entry<String, JsonNode> entry : response.path("headers").properties()) {
      String pointer = responsePointer + "/headers/" + escape(entry.getKey());
      JsonNode header = entry.getValue();
      if (header.has("$ref")) {
        pointer = header.get("$ref").textValue().substring(1);
        header = document.at(pointer);
      }
      Optional<String> value = exchange.header(entry.getKey());
      if (value.isEmpty()) {
        if (header.path("required").asBoolean(false)) {
          problems.add("header '" + entry.getKey() + "' is missing");
        }
        continue;
      }
      if (header.has("schema")) {
        try {
          schema(pointer + "/schema")
              .validate(MAPPER.writeValueAsString(value.get()), InputFormat.JSON)
              .forEach(e -> problems.add("header '" + entry.getKey() + "': " + e));
        } catch (JsonProcessingException e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  private void checkBody(Exchange exchange, String schemaPointer, List<String> problems) {
    String type = exchange.header("content-type").orElse("");
    if (!isJson(base(type))) {
      problems.add("content-type '" + type + "' where JSON is documented");
      return;
    }
    String body = exchange.body();
    try {
      MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      problems.add("the body is not JSON: " + e.getOriginalMessage());
      return;
    }
    schema(schemaPointer).validate(body, InputFormat.JSON).forEach(e -> problems.add(e.toString()));
  }

  private static Optional<String> mediaType(JsonNode content, String contentType) {
    for (String media : names(content)) {
      if (media.equals("*/*") || base(media).equalsIgnoreCase(base(contentType))) {
        return Optional.of(media);
      }
    }
    return Optional.empty();
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String base(String mediaType) {
    int semicolon = mediaType.indexOf(';');
    return (semicolon < 0 ? mediaType : mediaType.substring(0, semicolon)).strip();
  }

  private static boolean isJson(String mediaType) {
    return mediaType.equalsIgnoreCase("application/json") || mediaType.endsWith("+json");
  }

  private static Pattern pattern(String template) {
    StringBuilder regex = new StringBuilder();
    var matcher = TEMPLATE_SEGMENT.matcher(template);
    int last = 0;
    while (matcher.find()) {
      regex.append(Pattern.quote(template.substring(last, matcher.start()))).append("[^/]+");
      last = matcher.end();
    }
    regex.append(Pattern.quote(template.substring(last)));
    return Pattern.compile(regex.toString());
  }

  private static int literals(String template) {
    int count = 0;
    for (String segment : template.split("/", -1)) {
      if (!segment.isEmpty() && !TEMPLATE_SEGMENT.matcher(segment).matches()) {
        count++;
      }
    }
    return count;
  }

  /** One segment of a JSON pointer (RFC 6901 §3). */
  private static String escape(String segment) {
    return segment.replace("~", "~0").replace("/", "~1");
  }

  /**
   * A JSON pointer as a URI fragment (RFC 6901 §6): what is not an unreserved character of a URI
   * ({@code {file_id}}, the spaces of a media type) percent-encoded as UTF-8.
   */
  private static String fragment(String pointer) {
    StringBuilder out = new StringBuilder();
    for (byte b : pointer.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c < 128 && (Character.isLetterOrDigit(c) || "/-._~".indexOf(c) >= 0)) {
        out.append(c);
      } else {
        out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
      }
    }
    return out.toString();
  }
}
