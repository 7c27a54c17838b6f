package dev.berth.http;

import dev.berth.model.Page;
import java.util.List;

/** The two list envelopes of spec §1.10; {@code next_page} is always present, null at the end. */
final class Pages {
  private Pages() {}

  record Cursor<T>(List<T> data, String nextPage) {}

  record Bidirectional<T>(List<T> data, String nextPage, String prevPage) {}

  static <T> Cursor<T> cursor(Page<T> page) {
    return new Cursor<>(page.items(), page.next().map(id -> Query.cursor(id, false)).orElse(null));
  }

  static <T> Bidirectional<T> bidirectional(Page<T> page) {
    return new Bidirectional<>(
        page.items(),
        page.next().map(id -> Query.cursor(id, false)).orElse(null),
        page.prev().map(id -> Query.cursor(id, true)).orElse(null));
  }
}
