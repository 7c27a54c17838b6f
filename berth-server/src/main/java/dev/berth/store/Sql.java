package dev.berth.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Small JDBC conveniences: positional parameters in, mapped rows out, and every {@link
 * SQLException} turned into the {@link dev.berth.error.StoreException} kind it is ({@link
 * SqlFailures}), so the stores built on these throw nothing checked.
 */
final class Sql {
  private Sql() {}

  @FunctionalInterface
  interface Row<T> {
    T map(ResultSet rs) throws SQLException;
  }

  static <T> List<T> list(Tx tx, String sql, List<?> params, Row<T> row) {
    try (Statements.Lease st = Statements.prepare(tx.connection(), sql)) {
      bind(st.statement(), params);
      try (ResultSet rs = st.statement().executeQuery()) {
        List<T> out = new ArrayList<>();
        while (rs.next()) {
          out.add(row.map(rs));
        }
        st.reusable();
        return out;
      }
    } catch (SQLException e) {
      throw SqlFailures.classify(e);
    }
  }

  static <T> Optional<T> one(Tx tx, String sql, List<?> params, Row<T> row) {
    List<T> rows = list(tx, sql, params, row);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  /**
   * The clause that locks the rows a read in a write transaction returns until it commits: {@code
   * FOR UPDATE} in PostgreSQL, where other nodes write concurrently, and nothing in SQLite, where a
   * write transaction is the only writer anyway (it starts IMMEDIATE).
   */
  static String forUpdate(Tx tx) {
    return tx.isPostgres() ? " FOR UPDATE" : "";
  }

  /** As {@link #forUpdate}, but other readers that share the lock are not kept out. */
  static String forShare(Tx tx) {
    return tx.isPostgres() ? " FOR SHARE" : "";
  }

  /**
   * SQL continuing a WHERE clause with inclusive bounds on {@code column}, a stored timestamp, for
   * each bound given; binds one parameter each, added to {@code params}.
   */
  static String createdBetween(
      String column, Optional<String> from, Optional<String> to, List<Object> params) {
    String sql = "";
    if (from.isPresent()) {
      sql += " AND " + column + " >= ?";
      params.add(from.get());
    }
    if (to.isPresent()) {
      sql += " AND " + column + " <= ?";
      params.add(to.get());
    }
    return sql;
  }

  static int update(Tx tx, String sql, Object... params) {
    return updateNullable(tx, sql, List.of(params));
  }

  /** Like {@link #update} but {@code null} parameters are allowed. */
  static int updateNullable(Tx tx, String sql, List<?> params) {
    try (Statements.Lease st = Statements.prepare(tx.connection(), sql)) {
      bind(st.statement(), params);
      int count = st.statement().executeUpdate();
      st.reusable();
      return count;
    } catch (SQLException e) {
      throw SqlFailures.classify(e);
    }
  }

  private static void bind(PreparedStatement st, List<?> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      Object p = params.get(i);
      if (p instanceof Optional<?> o) {
        p = o.orElse(null);
      }
      if (p instanceof Boolean b) {
        st.setInt(i + 1, b ? 1 : 0);
      } else {
        st.setObject(i + 1, p);
      }
    }
  }
}
