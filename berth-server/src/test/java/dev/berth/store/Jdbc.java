package dev.berth.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Raw JDBC inside a store transaction, for tests that set up rows or take locks no store method
 * makes. Failures are classified as the stores' own are.
 */
public final class Jdbc {
  private Jdbc() {}

  /** Work done with the transaction's JDBC connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  public static <T> T on(Tx tx, Work<T> work) {
    try {
      return work.run(tx.connection());
    } catch (SQLException e) {
      throw SqlFailures.classify(e);
    }
  }
}
