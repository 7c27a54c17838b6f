package dev.berth.store;

import dev.berth.error.StoreException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Turns a JDBC failure into the {@link StoreException} kind callers act on. The SQLStates are
 * PostgreSQL's (and the standard's); SQLite's driver reports its result codes in the message.
 */
final class SqlFailures {
  /** admin_shutdown, crash_shutdown, cannot_connect_now. */
  private static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03");

  /** deadlock_detected, serialization_failure. */
  private static final Set<String> CONFLICT_STATES = Set.of("40P01", "40001");

  private SqlFailures() {}

  static StoreException classify(SQLException e) {
    String message = "metadata store failed: " + e.getMessage();
    if (any(e, SqlFailures::unreachable)) {
      return new StoreException.Unreachable(message, e);
    }
    if (any(e, t -> state(t).filter(CONFLICT_STATES::contains).isPresent())) {
      return new StoreException.TransientConflict(message, e);
    }
    String text = String.valueOf(e.getMessage());
    if (text.contains("SQLITE_CANTOPEN")) {
      // The database file was open when Berth started, so SQLite failing to open one of its files
      // now (the log, a temporary file) means it got no descriptor: a moment's shortage, retried.
      return new StoreException.Unreachable(message, e);
    }
    if (state(e).filter(s -> s.startsWith("23")).isPresent()
        || text.contains("SQLITE_CONSTRAINT")) {
      boolean unique =
          state(e).filter("23505"::equals).isPresent()
              || text.contains("SQLITE_CONSTRAINT_UNIQUE")
              || text.contains("SQLITE_CONSTRAINT_PRIMARYKEY");
      return new StoreException.ConstraintViolation(message, e, unique);
    }
    return new StoreException.Failed(message, e);
  }

  /**
   * No connection in time, SQLState class 08 (connection exception), or PostgreSQL shutting down or
   * starting.
   */
  private static boolean unreachable(Throwable t) {
    return t instanceof SQLTransientConnectionException
        || state(t).filter(s -> s.startsWith("08") || UNAVAILABLE_STATES.contains(s)).isPresent();
  }

  private static boolean any(Throwable e, Predicate<Throwable> test) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (test.test(t)) {
        return true;
      }
    }
    return false;
  }

  private static Optional<String> state(Throwable t) {
    return t instanceof SQLException s ? Optional.ofNullable(s.getSQLState()) : Optional.empty();
  }
}
