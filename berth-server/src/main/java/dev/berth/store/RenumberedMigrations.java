package dev.berth.store;

import java.sql.Connection;
import java.sql.SQLException;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;

/**
 * Keeps databases made before the migrations were numbered alike on both backends starting.
 *
 * <p>A change carries the same version on SQLite and PostgreSQL; a version one backend has no
 * change for is a gap there. The output catalogue's table was SQLite's V2 and PostgreSQL's V3 (V2
 * there is the session leases, which SQLite never has), so SQLite's script became {@code
 * V3__session_outputs.sql}, unchanged. A SQLite schema history written before that still records
 * version 2 for it, which Flyway would reject as applied but missing, and then run V3 again. Before
 * Flyway validates or migrates, this moves that one row to version 3 and the new script name; its
 * checksum and description still match, and the schema itself needs nothing. PostgreSQL's history
 * is never touched: its numbers did not change.
 */
final class RenumberedMigrations implements Callback {
  @Override
  public boolean supports(Event event, Context context) {
    return event == Event.BEFORE_VALIDATE || event == Event.BEFORE_MIGRATE;
  }

  @Override
  public boolean canHandleInTransaction(Event event, Context context) {
    return true;
  }

  @Override
  public void handle(Event event, Context context) {
    String table = context.getConfiguration().getTable();
    Connection c = context.getConnection();
    try {
      try (var tables = c.getMetaData().getTables(null, null, table, null)) {
        if (!tables.next()) {
          return; // a new database: no history yet
        }
      }
      try (var update =
          c.prepareStatement(
              "UPDATE "
                  + table
                  + " SET version = '3', script = 'V3__session_outputs.sql'"
                  + " WHERE version = '2' AND script = 'V2__session_outputs.sql'")) {
        update.executeUpdate();
      }
    } catch (SQLException e) {
      throw new FlywayException("cannot renumber the schema history in " + table, e);
    }
  }

  @Override
  public String getCallbackName() {
    return "renumbered migrations";
  }
}
