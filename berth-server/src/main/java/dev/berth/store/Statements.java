package dev.berth.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;
import org.sqlite.SQLiteConnection;

/**
 * Prepared statements kept per SQLite connection, so a statement the server runs again and again is
 * compiled once per connection instead of on every call: compiling was an eighth of the CPU of a
 * resource add or delete. (PostgreSQL's driver keeps its own cache; its statements are prepared as
 * usual.)
 *
 * <p>A connection is used by one thread at a time, and a statement is taken out of its cache while
 * it runs, so a query run from inside another's row mapping gets a statement of its own. A
 * statement whose use failed is closed rather than kept. The statements live as long as their
 * connection: closing it finalizes them, and the cache holds the connection weakly.
 */
final class Statements {
  private static final int PER_CONNECTION = 128;
  private static final Map<SQLiteConnection, Map<String, PreparedStatement>> CACHES =
      Collections.synchronizedMap(new WeakHashMap<>());

  private Statements() {}

  /** A statement lent for one use; closing it keeps it for the next use if that one went well. */
  static final class Lease implements AutoCloseable {
    private final PreparedStatement statement;
    private final Map<String, PreparedStatement> home; // null: not cached
    private final String sql;
    private boolean reusable;

    private Lease(PreparedStatement statement, Map<String, PreparedStatement> home, String sql) {
      this.statement = statement;
      this.home = home;
      this.sql = sql;
    }

    PreparedStatement statement() {
      return statement;
    }

    /** The use went well (every result read and closed): the statement may be used again. */
    void reusable() {
      reusable = true;
    }

    @Override
    public void close() throws SQLException {
      if (home != null && reusable && !home.containsKey(sql)) {
        statement.clearParameters();
        home.put(sql, statement);
      } else {
        statement.close();
      }
    }
  }

  static Lease prepare(Connection c, String sql) throws SQLException {
    if (!c.isWrapperFor(SQLiteConnection.class)) {
      return new Lease(c.prepareStatement(sql), null, sql);
    }
    SQLiteConnection sqlite = c.unwrap(SQLiteConnection.class);
    Map<String, PreparedStatement> cache = CACHES.computeIfAbsent(sqlite, k -> newCache());
    PreparedStatement kept = cache.remove(sql);
    if (kept != null && !kept.isClosed()) {
      return new Lease(kept, cache, sql);
    }
    return new Lease(sqlite.prepareStatement(sql), cache, sql);
  }

  /** How many statements are kept for {@code c}'s connection. */
  static int kept(Connection c) throws SQLException {
    Map<String, PreparedStatement> cache = CACHES.get(c.unwrap(SQLiteConnection.class));
    return cache == null ? 0 : cache.size();
  }

  /** Least recently used first out; a statement pushed out is closed. */
  private static Map<String, PreparedStatement> newCache() {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
        if (size() <= PER_CONNECTION) {
          return false;
        }
        try {
          eldest.getValue().close();
        } catch (SQLException e) {
          // finalizing a statement that is not running does not fail; if it did, the connection's
          // close finalizes it
        }
        return true;
      }
    };
  }
}
