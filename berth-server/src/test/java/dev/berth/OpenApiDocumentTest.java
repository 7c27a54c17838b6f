package dev.berth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import dev.berth.testing.Http;
import dev.berth.testing.OpenApiContract;
import dev.berth.testing.SharedServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The OpenAPI document against the server: every route Javalin registered is documented with its
 * method, every documented operation is registered, and the document is served without a key. That
 * real responses keep it is checked on every response of the HTTP tests ({@link OpenApiContract}).
 */
class OpenApiDocumentTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  private static final OpenApiContract document = OpenApiContract.document();

  private static Set<String> registered() {
    return server.get().routes().stream()
        .map(r -> r.method() + " " + r.path())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> documented() {
    return document.operations().stream()
        .map(o -> o.method() + " " + o.template())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void everyRegisteredRouteIsDocumentedWithItsMethod() {
    assertThat(registered()).isNotEmpty().isSubsetOf(documented());
  }

  @Test
  void everyDocumentedOperationIsRegistered() {
    assertThat(documented()).isSubsetOf(registered());
  }

  @Test
  void documentIsServedWithoutAKeyAsItIsInTheRepository() throws IOException {
    Http.Response r = server.http(null).get("/berth/v1/openapi.json");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("application/json");
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("openapi.json")) {
      assertThat(r.raw().body()).isEqualTo(in.readAllBytes());
    }
    assertThat(r.json().path("openapi").asText()).isEqualTo("3.1.0");
  }

  @Test
  void otherBerthRoutesStillNeedAKey() {
    Http.Response r = server.http(null).get("/berth/v1/sessions/sesn_x/sandbox");

    assertThat(r.status()).isEqualTo(401);
    assertThat(r.errorType()).isEqualTo("authentication_error");
  }

  /**
   * Against the OpenAPI Initiative's JSON Schema of OpenAPI 3.1 documents ({@code
   * https://spec.openapis.org/oas/3.1/schema/2021-04-15}, Apache-2.0), kept in the test resources.
   */
  @Test
  void documentIsAValidOpenApi31Document() throws IOException {
    Schema oas =
        SchemaRegistry.withDefaultDialect(Dialects.getDraft202012())
            .getSchema(SchemaLocation.of("classpath:openapi/oas-3.1-schema.json"));
    String text;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("openapi.json")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    assertThat(oas.validate(text, InputFormat.JSON)).isEmpty();
    assertThat(
            oas.validate(text.replace("\"in\": \"query\"", "\"in\": \"body\""), InputFormat.JSON))
        .as("a parameter 'in' the body, as OpenAPI 2 had them")
        .isNotEmpty();
  }

  @Test
  void everyReferenceInTheDocumentResolves() {
    List<String> references = new ArrayList<>();
    collectReferences(document.tree(), references);

    assertThat(references).isNotEmpty();
    assertThat(references)
        .allSatisfy(
            ref ->
                assertThat(document.tree().at(ref.substring(1)).isMissingNode()).as(ref).isFalse());
  }

  @Test
  void operationIdsAreUnique() {
    List<String> ids = new ArrayList<>();
    document
        .tree()
        .path("paths")
        .forEach(
            path -> path.forEach(operation -> ids.add(operation.path("operationId").asText())));

    assertThat(ids).hasSize(document.operations().size()).doesNotHaveDuplicates();
  }

  /** Every {@code $ref} and discriminator mapping: the strings that point into the document. */
  private static void collectReferences(JsonNode node, List<String> into) {
    if (node.isTextual() && node.textValue().startsWith("#/")) {
      into.add(node.textValue());
    }
    node.forEach(child -> collectReferences(child, into));
  }
}
