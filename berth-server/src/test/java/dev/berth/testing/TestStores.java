package dev.berth.testing;

import dev.berth.cli.ServeCommand;
import dev.berth.store.Database;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The stores one test's Berth (or several nodes of it) runs on. The suite runs once on the embedded
 * default and once on PostgreSQL + S3 ({@code -Dberth.test.backend=postgres}); on the latter each
 * {@link #provision} makes a new database and bucket, and {@link #close} removes both. A test class
 * may hold it as a {@code @RegisterExtension} field, which closes it after each test.
 */
public final class TestStores implements AutoCloseable, AfterEachCallback {
  /** Short leases, so tests of a takeover do not wait long. */
  public static final int LEASE_SECONDS = 3;

  private final Optional<String> database;
  private final Optional<String> bucket;
  private final String databaseHost;
  private final Optional<Path> secretsKeyFile;

  private TestStores(
      Optional<String> database,
      Optional<String> bucket,
      String databaseHost,
      Optional<Path> secretsKeyFile) {
    this.database = database;
    this.bucket = bucket;
    this.databaseHost = databaseHost;
    this.secretsKeyFile = secretsKeyFile;
  }

  /** Whether this run of the suite is the one on PostgreSQL + S3. */
  public static boolean sharedBackend() {
    return "postgres".equals(System.getProperty("berth.test.backend", "sqlite"));
  }

  /** The stores of the backend this run uses. */
  public static TestStores provision() {
    return sharedBackend()
        ? provisionShared()
        : new TestStores(Optional.empty(), Optional.empty(), "", Optional.empty());
  }

  /** A new PostgreSQL database and S3 bucket, whichever backend the run uses. */
  public static TestStores provisionShared() {
    return provisionShared(Postgres.host());
  }

  /**
   * As {@link #provisionShared()}, with Berth reaching PostgreSQL at {@code databaseHost}. The
   * nodes share a secrets key file too (in a temporary directory, made by the first node to start),
   * as every node of a cluster must to read the repository tokens another one stored.
   */
  public static TestStores provisionShared(String databaseHost) {
    S3Server.endpoint();
    Path keyDir;
    try {
      keyDir = java.nio.file.Files.createTempDirectory("berth-secrets-");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return new TestStores(
        Optional.of(Postgres.createDatabase()),
        Optional.of(S3Server.newBucketName()),
        databaseHost,
        Optional.of(keyDir.resolve("secrets.key")));
  }

  public boolean isShared() {
    return database.isPresent();
  }

  public Optional<String> bucket() {
    return bucket;
  }

  /** Opens the metadata database on its own, migrated, as a server would. */
  public Database openDatabase(Path dataDir) {
    List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
    args.addAll(args());
    return Database.open(ServeCommand.config(args, Map.of()));
  }

  /** The URL of the PostgreSQL database, when these stores are shared ones. */
  public Optional<String> databaseUrl() {
    return database.map(d -> Postgres.url(databaseHost, d));
  }

  /**
   * A plain JDBC connection to the metadata of a server with {@code dataDir}, for tests to poke.
   */
  public java.sql.Connection connect(Path dataDir) throws java.sql.SQLException {
    return java.sql.DriverManager.getConnection(
        databaseUrl().orElse("jdbc:sqlite:" + dataDir.resolve("berth.db")));
  }

  /** The blob store of a server with {@code dataDir} on these stores, seen from outside. */
  public TestBlobs blobs(Path dataDir) {
    return new TestBlobs(dataDir, bucket);
  }

  /** The secrets key file the nodes on these stores share, when they are shared ones. */
  public Optional<Path> secretsKeyFile() {
    return secretsKeyFile;
  }

  /** These stores as flags of {@code berth serve}. */
  public List<String> args() {
    List<String> args = new ArrayList<>();
    secretsKeyFile.ifPresent(file -> args.addAll(List.of("--secrets-key-file", file.toString())));
    databaseUrl().ifPresent(url -> args.addAll(List.of("--database-url", url)));
    bucket.ifPresent(
        b ->
            args.addAll(
                List.of(
                    "--s3-endpoint",
                    S3Server.endpoint().toString(),
                    "--s3-bucket",
                    b,
                    "--s3-access-key-id",
                    S3Server.ACCESS_KEY_ID,
                    "--s3-secret-access-key",
                    S3Server.SECRET_ACCESS_KEY,
                    "--lease-seconds",
                    Integer.toString(LEASE_SECONDS))));
    return args;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  @Override
  public void close() {
    database.ifPresent(Postgres::dropDatabase);
    bucket.ifPresent(S3Server::deleteBucket);
    secretsKeyFile.ifPresent(
        file -> {
          try {
            java.nio.file.Files.deleteIfExists(file);
            java.nio.file.Files.deleteIfExists(file.getParent());
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot remove " + file, e);
          }
        });
  }
}
