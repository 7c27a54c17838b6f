package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.berth.testing.Postgres;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A database whose schema history ends with the latest migration opens without Flyway ({@link
 * Database#schemaCurrent}); every other one still goes through it.
 */
class SchemaCurrentTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void latestMigrationIsTheHighestNumberedScriptOfTheBackend(String backend) throws Exception {
    var scripts = Path.of(resource("db/migration/" + backend));
    String highest;
    try (Stream<Path> files = Files.list(scripts)) {
      highest =
          files
              .map(p -> p.getFileName().toString())
              .max(Comparator.comparingInt(SchemaCurrentTest::version))
              .orElseThrow();
    }
    assertThat(Database.LATEST_MIGRATION).isEqualTo(highest);
  }

  @Test
  void sqliteDatabaseMadeByThisBuildIsCurrent() throws SQLException {
    Path data = dir.resolve("data");
    Database.sqlite(data).close();

    assertThat(schemaCurrent(sqliteUrl(data))).isTrue();
  }

  @Test
  void sqliteDatabaseWithoutHistoryIsNotCurrent() throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    assertThat(schemaCurrent(sqliteUrl(data))).isFalse();
  }

  @Test
  void sqliteDatabaseOneMigrationBehindIsNotCurrentAndOpensMigrated() throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    String url = sqliteUrl(data);
    Flyway.configure()
        .dataSource(url, null, null)
        .locations("classpath:db/migration/sqlite")
        .target("7")
        .load()
        .migrate();
    assertThat(schemaCurrent(url)).isFalse();

    Database.sqlite(data).close();

    assertThat(MigrationNumberingTest.history(url).getLast())
        .isEqualTo(version(Database.LATEST_MIGRATION) + " " + Database.LATEST_MIGRATION);
    assertThat(schemaCurrent(url)).isTrue();
  }

  @Test
  void sqliteDatabaseWithAFailedMigrationIsNotCurrent() throws SQLException {
    Path data = dir.resolve("data");
    Database.sqlite(data).close();
    String url = sqliteUrl(data);
    try (Connection c = DriverManager.getConnection(url);
        var failed =
            c.prepareStatement(
                "INSERT INTO flyway_schema_history (installed_rank, version, description, type,"
                    + " script, checksum, installed_by, execution_time, success)"
                    + " VALUES (99, '9', 'next', 'SQL', 'V9__next.sql', 0, 'berth', 0, 0)")) {
      failed.executeUpdate();
    }

    assertThat(schemaCurrent(url)).isFalse();
  }

  @Test
  void postgresDatabaseMadeByThisBuildIsCurrentAndOneWithoutHistoryIsNot() throws SQLException {
    String name = Postgres.createDatabase();
    try {
      String url = Postgres.url(name);
      assertThat(schemaCurrent(url)).isFalse();

      Database.postgres(url).close();

      assertThat(schemaCurrent(url)).isTrue();
    } finally {
      Postgres.dropDatabase(name);
    }
  }

  private static boolean schemaCurrent(String url) {
    try (var pool = new HikariDataSource()) {
      pool.setJdbcUrl(url);
      pool.setMaximumPoolSize(1);
      return Database.schemaCurrent(pool);
    }
  }

  private static String sqliteUrl(Path data) {
    return "jdbc:sqlite:" + data.resolve("berth.db").toAbsolutePath();
  }

  private static int version(String script) {
    return Integer.parseInt(script.substring(1, script.indexOf("__")));
  }

  private static URI resource(String name) throws URISyntaxException {
    var url = SchemaCurrentTest.class.getClassLoader().getResource(name);
    assertThat(url).as(name).isNotNull();
    return url.toURI();
  }
}
