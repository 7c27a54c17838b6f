package dev.berth.store;

import dev.berth.testing.Postgres;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The metadata store contract on PostgreSQL, the database several nodes share, on the machine's
 * server. The class makes one database and keeps it open, emptying it after each test: opening and
 * migrating a database for each test would take most of the suite's time.
 */
class PostgresMetadataStoreTest extends MetadataStoreContract {
  private static String name;
  private static Database database;

  @BeforeAll
  static void createDatabase() {
    name = Postgres.createDatabase();
    database = Database.postgres(Postgres.url(name));
  }

  @AfterAll
  static void dropDatabase() {
    database.close();
    Postgres.dropDatabase(name);
  }

  @Override
  Database openEmpty() {
    return database;
  }

  /** Deletes every row but the schema history's. */
  @Override
  void finished(Database db) {
    db.write(
        tx ->
            Jdbc.on(
                tx,
                c -> {
                  try (var st = c.createStatement()) {
                    List<String> tables = new ArrayList<>();
                    try (var rs =
                        st.executeQuery(
                            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                                + " AND tablename <> 'flyway_schema_history'")) {
                      while (rs.next()) {
                        tables.add(rs.getString(1));
                      }
                    }
                    // Without the foreign key checks, whose triggers a replica does not fire, the
                    // tables empty in any order; DELETE is much quicker than TRUNCATE on a few
                    // rows.
                    st.execute("SET LOCAL session_replication_role = replica");
                    for (String table : tables) {
                      st.execute("DELETE FROM " + table);
                    }
                  }
                  return null;
                }));
  }
}
