package dev.berth.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postgresql.PGConnection;

/** Small JDBC conveniences: positional parameters in, mapped rows out. */
final class Sql {
  private Sql() {}

  @FunctionalInterface
  interface Row<T> {
    T map(ResultSet rs) throws SQLException;
  }

  static <T> List<T> list(Connection c, String sql, List<?> params, Row<T> row)
      throws SQLException {
    try (Statements.Lease st = Statements.prepare(c, sql)) {
      bind(st.statement(), params);
      try (ResultSet rs = st.statement().executeQuery()) {
        List<T> out = new ArrayList<>();
        while (rs.next()) {
          out.add(row.map(rs));
        }
        st.reusable();
        return out;
      }
    }
  }

  static <T> Optional<T> one(Connection c, String sql, List<?> params, Row<T> row)
      throws SQLException {
    List<T> rows = list(c, sql, params, row);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  /**
   * The clause that locks the rows a read in a write transaction returns until it commits: {@code
   * FOR UPDATE} in PostgreSQL, where other nodes write concurrently, and nothing in SQLite, where a
   * write transaction is the only writer anyway (it starts IMMEDIATE).
   */
  static String forUpdate(Connection c) throws SQLException {
    return c.isWrapperFor(PGConnection.class) ? " FOR UPDATE" : "";
  }

  /** As {@link #forUpdate}, but other readers that share the lock are not kept out. */
  static String forShare(Connection c) throws SQLException {
    return c.isWrapperFor(PGConnection.class) ? " FOR SHARE" : "";
  }

  static int update(Connection c, String sql, Object... params) throws SQLException {
    return updateNullable(c, sql, List.of(params));
  }

  /** Like {@link #update} but {@code null} parameters are allowed. */
  static int updateNullable(Connection c, String sql, List<?> params) throws SQLException {
    try (Statements.Lease st = Statements.prepare(c, sql)) {
      bind(st.statement(), params);
      int count = st.statement().executeUpdate();
      st.reusable();
      return count;
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
