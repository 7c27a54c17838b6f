package dev.berth.http;

import dev.berth.domain.Ids;
import io.javalin.http.Context;

/** Every response carries a {@code request-id} header, echoed in error bodies (spec §1.7). */
final class RequestIds {
  private static final String ATTRIBUTE = "berth.request-id";

  private RequestIds() {}

  static void assign(Context ctx) {
    String id = Ids.request();
    ctx.attribute(ATTRIBUTE, id);
    ctx.header("request-id", id);
  }

  static String of(Context ctx) {
    String id = ctx.attribute(ATTRIBUTE);
    if (id == null) {
      assign(ctx);
      id = ctx.attribute(ATTRIBUTE);
    }
    return id;
  }
}
