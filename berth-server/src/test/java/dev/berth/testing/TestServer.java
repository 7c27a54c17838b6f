package dev.berth.testing;

import dev.berth.Berth;
import dev.berth.config.BerthConfig;
import dev.berth.config.BerthConfig.ApiKeyGrant;
import dev.berth.http.HttpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A real Berth on a random port with its own data directory and two workspaces, each opened by one
 * key: {@link #KEY} ("alpha") and {@link #OTHER_KEY} ("beta"). It runs on the stores of the suite's
 * backend ({@link TestStores}), its own database and bucket when those are shared ones.
 */
public final class TestServer implements AutoCloseable {
  public static final String KEY = "sk-test-alpha-0123456789abcdef";
  public static final String OTHER_KEY = "sk-test-beta-0123456789abcdef0";

  private final Path dataDir;
  private final BerthConfig config;
  private final TestStores stores;
  private Berth berth;

  private TestServer(Path dataDir, BerthConfig config, TestStores stores) {
    this.dataDir = dataDir;
    this.config = config;
    this.stores = stores;
    try {
      this.berth = Berth.start(config);
    } catch (RuntimeException e) {
      stores.close();
      throw e;
    }
  }

  public static TestServer start() {
    return start(UnaryOperator.identity());
  }

  /** Starts with the defaults changed by {@code tweak}. */
  public static TestServer start(UnaryOperator<BerthConfig> tweak) {
    return start(TestStores.provision(), tweak);
  }

  /** Starts on {@code stores}, which it closes when it closes. */
  public static TestServer start(TestStores stores, UnaryOperator<BerthConfig> tweak) {
    try {
      Path dir = Files.createTempDirectory("berth-test-");
      BerthConfig base =
          BerthConfig.defaults(dir, 0)
              .withApiKeys(
                  List.of(new ApiKeyGrant(KEY, "alpha"), new ApiKeyGrant(OTHER_KEY, "beta")))
              .withShared(stores.shared());
      BerthConfig shared =
          stores
              .secretsKeyFile()
              .map(key -> base.withRepositories(base.repositories().withSecretsKeyFile(key)))
              .orElse(base);
      BerthConfig config = tweak.apply(shared);
      return new TestServer(dir, config, stores);
    } catch (IOException e) {
      stores.close();
      throw new IllegalStateException(e);
    }
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + berth.port();
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Every route the server registered. */
  public List<HttpServer.Route> routes() {
    return berth.routes();
  }

  /** A JDBC connection to the server's metadata, whichever database holds it. */
  public java.sql.Connection metadata() throws java.sql.SQLException {
    return stores.connect(dataDir);
  }

  /** The server's blob store, seen from outside. */
  public TestBlobs blobs() {
    return stores.blobs(dataDir);
  }

  public Http http() {
    return new Http(baseUrl(), KEY);
  }

  public Http http(String key) {
    return new Http(baseUrl(), key);
  }

  /** Stops and starts the same server on the same data directory (a new port). */
  public void restart() {
    berth.close();
    berth = Berth.start(config);
  }

  @Override
  public void close() {
    berth.close();
    stores.close();
    try (Stream<Path> walk = Files.walk(dataDir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                p.toFile().setWritable(true);
                p.toFile().delete();
              });
    } catch (IOException e) {
      // best effort: a temp directory
    }
  }
}
