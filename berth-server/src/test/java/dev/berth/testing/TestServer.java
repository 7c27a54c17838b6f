package dev.berth.testing;

import dev.berth.Berth;
import dev.berth.cli.ServeCommand;
import dev.berth.config.BerthConfig;
import dev.berth.http.HttpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/**
 * A real Berth on a random port with its own data directory and two workspaces, each opened by one
 * key: {@link #KEY} ("alpha") and {@link #OTHER_KEY} ("beta"). It runs on the stores of the suite's
 * backend ({@link TestStores}), its own database and bucket when those are shared ones. Tests
 * change its settings with the flags of {@code berth serve}, as a user would. Unlike {@code berth
 * serve}, it reconciles the sessions' sandboxes before it serves, so that tests that look at the
 * disk after a restart see the records applied.
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
      this.berth = Berth.start(config, Runnable::run);
    } catch (RuntimeException e) {
      stores.close();
      throw e;
    }
  }

  /** Starts with the defaults, or with them changed by {@code flags} of {@code berth serve}. */
  public static TestServer start(String... flags) {
    return start(TestStores.provision(), flags);
  }

  /** Starts on {@code stores}, which it closes when it closes. */
  public static TestServer start(TestStores stores, String... flags) {
    try {
      Path dir = Files.createTempDirectory("berth-test-");
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--data-dir",
                  dir.toString(),
                  "--port",
                  "0",
                  "--api-key",
                  KEY + "@alpha",
                  "--api-key",
                  OTHER_KEY + "@beta"));
      args.addAll(stores.args());
      args.addAll(List.of(flags));
      return new TestServer(dir, ServeCommand.config(args, Map.of()), stores);
    } catch (IOException | RuntimeException e) {
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

  /**
   * The flags that name this server's metadata to {@code berth keys}: its directory or database.
   */
  public List<String> storage() {
    List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
    stores.databaseUrl().ifPresent(url -> args.addAll(List.of("--database-url", url)));
    return args;
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

  /**
   * Stops and starts the same server on the same data directory (a new port). As on the first
   * start, the start-up reconcile of session sandboxes has run when this returns, so a test can
   * look at the sandboxes on disk; {@link #restart(Executor)} leaves it in the background.
   */
  public void restart() {
    restart(Runnable::run);
  }

  /**
   * {@link #restart()}, with the start-up work (the reconcile of session sandboxes, the sweep of
   * blobs) handed to {@code startupWork} (which may hold it back) instead of threads of its own.
   */
  public void restart(Executor startupWork) {
    berth.close();
    berth = Berth.start(config, startupWork);
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
