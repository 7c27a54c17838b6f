package dev.berth.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * {@code GET /berth/v1/openapi.json}: the OpenAPI 3.1 document of every route Berth serves, kept
 * beside the sources ({@code src/main/resources/openapi.json}) and answered as it is, without a
 * key.
 */
public final class OpenApiRoutes implements HttpServer.Routes {
  static final String PATH = HttpServer.EXTENSIONS + "/openapi.json";
  private static final String RESOURCE = "/openapi.json";

  private final byte[] document;

  public OpenApiRoutes() {
    try (InputStream in = OpenApiRoutes.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the jar");
      }
      this.document = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void register(JavalinConfig cfg) {
    cfg.routes.get(PATH, this::document);
  }

  @Override
  public Set<String> unauthenticated() {
    return Set.of(PATH);
  }

  private void document(Context ctx) {
    ctx.contentType("application/json").result(document);
  }
}
