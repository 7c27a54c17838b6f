package dev.berth.store;

import java.sql.Connection;

/**
 * One unit of work on the metadata store: a transaction ({@link Database#write}) or a connection in
 * auto-commit mode ({@link Database#read}). The stores run their SQL on it; code above the store
 * layer only hands it from one store call to the next, so that the checks and changes of one rule
 * share a transaction without that code seeing JDBC.
 */
public final class Tx {
  private final Connection connection;
  private final boolean postgres;

  Tx(Connection connection, boolean postgres) {
    this.connection = connection;
    this.postgres = postgres;
  }

  Connection connection() {
    return connection;
  }

  /** PostgreSQL, shared by several nodes, rather than the embedded SQLite. */
  boolean isPostgres() {
    return postgres;
  }
}
