package dev.berth.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;

/**
 * The machine's real PostgreSQL (127.0.0.1:5432, user postgres, or {@code
 * BERTH_TEST_POSTGRES_HOST}), in which each test makes a database of its own and drops it after, so
 * runs never see each other's rows.
 */
public final class Postgres {
  private static final String HOST =
      System.getenv().getOrDefault("BERTH_TEST_POSTGRES_HOST", "127.0.0.1:5432");

  private Postgres() {}

  /** The JDBC URL of database {@code name}, as Berth's {@code --database-url} takes it. */
  public static String url(String name) {
    return url(HOST, name);
  }

  /**
   * The URL of database {@code name} on another address, such as a proxy in front of the server.
   */
  public static String url(String hostAndPort, String name) {
    return "jdbc:postgresql://" + hostAndPort + "/" + name + "?user=postgres";
  }

  /** The server's address, {@code host:port}. */
  public static String host() {
    return HOST;
  }

  /** Creates an empty database with a fresh name and returns the name. */
  public static String createDatabase() {
    String name = "berth_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    admin("CREATE DATABASE " + name);
    return name;
  }

  /** Drops the database, disconnecting whatever is still connected to it. */
  public static void dropDatabase(String name) {
    admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private static void admin(String sql) {
    try (Connection c = DriverManager.getConnection(url("postgres"));
        var st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL at " + HOST + ": " + sql + ": " + e, e);
    }
  }
}
