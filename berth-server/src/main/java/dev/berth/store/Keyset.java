package dev.berth.store;

import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Keyset pagination by id ({@code WHERE id > ? ORDER BY id LIMIT n+1}), never by offset. Ids sort
 * by creation time, so id order is creation order.
 */
public final class Keyset {
  private Keyset() {}

  /** SQL fragment continuing a WHERE clause; binds one parameter when a cursor is present. */
  static String where(PageRequest page, boolean descending) {
    if (page.after().isEmpty()) {
      return "";
    }
    boolean forward = !page.backward();
    return (descending == forward) ? " AND id < ?" : " AND id > ?";
  }

  static String orderBy(PageRequest page, boolean descending) {
    boolean desc = descending != page.backward();
    return " ORDER BY id " + (desc ? "DESC" : "ASC") + " LIMIT " + (page.limit() + 1);
  }

  /**
   * One page of a newest-first list: {@code sql} is the query up to and including its WHERE
   * conditions, {@code params} what they bind; the position, order and limit are added here.
   */
  static <T> Page<T> newestFirst(
      Tx tx,
      PageRequest page,
      String sql,
      List<Object> params,
      Sql.Row<T> row,
      Function<T, String> id) {
    Query query = newestFirstQuery(page, sql, params);
    return page(page, Sql.list(tx, query.sql(), query.params(), row), id, false);
  }

  /** The query of {@link #newestFirst}, to run or to explain. */
  static Query newestFirstQuery(PageRequest page, String sql, List<Object> params) {
    page.after().ifPresent(params::add);
    return new Query(sql + where(page, true) + orderBy(page, true), params);
  }

  /** A list page's SQL and the values it binds, in order. */
  record Query(String sql, List<Object> params) {}

  /** Builds the page from up to {@code limit + 1} rows fetched with {@link #orderBy}. */
  static <T> Page<T> page(
      PageRequest page, List<T> rows, Function<T, String> id, boolean bidirectional) {
    boolean more = rows.size() > page.limit();
    List<T> items = new ArrayList<>(more ? rows.subList(0, page.limit()) : rows);
    if (page.backward()) {
      Collections.reverse(items);
    }
    if (items.isEmpty()) {
      return new Page<>(items, Optional.empty(), Optional.empty());
    }
    String first = id.apply(items.get(0));
    String last = id.apply(items.get(items.size() - 1));
    Optional<String> next;
    Optional<String> prev;
    if (page.backward()) {
      next = Optional.of(last); // we came from there
      prev = more ? Optional.of(first) : Optional.empty();
    } else {
      next = more ? Optional.of(last) : Optional.empty();
      prev = page.after().isPresent() ? Optional.of(first) : Optional.empty();
    }
    return new Page<>(items, next, bidirectional ? prev : Optional.empty());
  }
}
