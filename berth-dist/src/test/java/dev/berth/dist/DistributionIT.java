package dev.berth.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.testing.Await;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.S3Server;
import dev.berth.testing.TestServer;
import dev.berth.testing.TestStores;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tarball as a user gets it: unpacked into a new directory and run through its {@code
 * bin/berth} with nothing of this machine's Java in reach. Each command runs with an environment
 * holding only a {@code PATH} (no {@code JAVA_HOME}), and that {@code PATH} is a directory of the
 * test's holding only what the launcher needs, so Debian's {@code /usr/bin/java} cannot be found.
 */
class DistributionIT {
  private static final Path TARBALL = Path.of(System.getProperty("berth.dist.tarball"));
  private static final Pattern LISTENING =
      Pattern.compile("Berth listening on http://[^:]+:(\\d+)");
  private static final Pattern PRINTED_KEY = Pattern.compile("^ +(sk-berth-\\S+)$");

  @TempDir static Path installed;
  private static Path home;
  private static Path emptyPath;

  @TempDir Path dir;

  @BeforeAll
  static void unpack() throws Exception {
    run(List.of("tar", "-xzf", TARBALL.toString(), "-C", installed.toString()));
    try (var entries = Files.list(installed)) {
      home =
          entries
              .filter(p -> p.getFileName().toString().startsWith("berth-"))
              .findFirst()
              .orElseThrow();
    }
    emptyPath = Files.createDirectory(installed.resolve("empty-path"));
  }

  @Test
  void serveRunsOnTheBundledRuntimeAndAnswersTheKeyItPrints() throws Exception {
    // called through a symlink, as from /usr/local/bin, with readlink the one command on the PATH
    Path links = Files.createDirectory(installed.resolve("links"));
    Path link = Files.createSymbolicLink(links.resolve("berth"), home.resolve("bin/berth"));
    Path path = Files.createDirectory(installed.resolve("readlink-path"));
    Files.copy(
        Path.of("/usr/bin/readlink"), path.resolve("readlink"), StandardCopyOption.COPY_ATTRIBUTES);

    try (var berth = Server.start(link, path, "serve", "--port", "0", "--data-dir", data())) {
      Path java = Files.readSymbolicLink(Path.of("/proc", Long.toString(berth.pid()), "exe"));
      assertThat(java).isEqualTo(home.resolve("runtime/bin/java").toRealPath());

      var ok = new Http(berth.baseUrl(), berth.printedKey()).get("/v1/files");
      assertThat(ok.status()).as("%s", ok.json()).isEqualTo(200);
      var refused = new Http(berth.baseUrl(), "sk-berth-not-a-key").get("/v1/files");
      assertThat(refused.status()).isEqualTo(401);
      assertThat(refused.errorType()).isEqualTo("authentication_error");
    }
  }

  @Test
  void execRunsACommandInASessionThroughTheLauncher() throws Exception {
    Path launcher = home.resolve("bin/berth");
    try (var berth =
        Server.start(
            launcher,
            emptyPath,
            "serve",
            "--port",
            "0",
            "--data-dir",
            data(),
            "--api-key",
            TestServer.KEY,
            "--exec-bwrap",
            "/usr/bin/bwrap")) {
      String session = Fixtures.session(new Http(berth.baseUrl(), TestServer.KEY));

      var help = launch(launcher, "exec", "--help");
      assertThat(help.status()).as(help.output()).isZero();
      assertThat(help.output()).startsWith("Usage: berth exec");

      var echo =
          launch(
              launcher,
              "exec",
              "--base-url",
              berth.baseUrl(),
              "--api-key",
              TestServer.KEY,
              session,
              "--",
              "echo",
              "hello from the sandbox");
      assertThat(echo.status()).as(echo.output()).isZero();
      assertThat(echo.output()).isEqualTo("hello from the sandbox\n");
    }
  }

  @Test
  void launcherStartsTheJvmOnTheStartUpCacheUnpackedBesideTheJar() throws Exception {
    assumeTrue(Runtime.version().feature() >= 25, "the tarball has a cache when built on JDK 25");
    assertThat(home.resolve("lib/berth.aot")).isNotEmptyFile();
    // -XX:AOTMode=on refuses to start when the cache cannot be mapped (a moved runtime, a jar of
    // another time or size): this start proves the unpacked cache holds where tar put it
    var builder = bare(List.of(home.resolve("bin/berth").toString(), "version"), emptyPath);
    builder.environment().put("BERTH_JAVA_OPTS", "-XX:AOTMode=on");

    var version = run(builder);

    assertThat(version.status()).as(version.output()).isZero();
    assertThat(version.output()).startsWith("berth ");
  }

  @Test
  void versionAndHelpAnswerThroughTheLauncher() throws Exception {
    Path launcher = home.resolve("bin/berth");
    var version = launch(launcher, "version");
    assertThat(version.status()).as(version.output()).isZero();
    assertThat(version.output()).startsWith("berth ");
    for (var args : List.of(List.of("--help"), List.of("help"), List.of("keys", "--help"))) {
      var help = launch(launcher, args.toArray(String[]::new));
      assertThat(help.status()).as("%s: %s", args, help.output()).isZero();
      assertThat(help.output()).as("%s", args).contains("Usage: berth");
    }
  }

  @Test
  void keysMadeAndRevokedThroughTheLauncherWorkAndStopWorkingOnARunningServer() throws Exception {
    Path launcher = home.resolve("bin/berth");
    try (var berth =
        Server.start(
            launcher,
            emptyPath,
            "serve",
            "--port",
            "0",
            "--data-dir",
            data(),
            "--api-key",
            TestServer.KEY)) {
      var created = launch(launcher, "keys", "create", "--workspace", "dist", "--data-dir", data());
      assertThat(created.status()).as(created.output()).isZero();
      Matcher key = Pattern.compile("(?m)^(sk-berth-\\S+)$").matcher(created.output());
      Matcher id = Pattern.compile("Created API key (apikey_\\S+) ").matcher(created.output());
      assertThat(key.find() && id.find()).as(created.output()).isTrue();
      var http = new Http(berth.baseUrl(), key.group(1));
      assertThat(http.get("/v1/files").status()).isEqualTo(200);

      var listed = launch(launcher, "keys", "list", "--data-dir", data());
      assertThat(listed.status()).as(listed.output()).isZero();
      assertThat(listed.output()).contains(id.group(1), "dist").doesNotContain(key.group(1));

      var revoked = launch(launcher, "keys", "revoke", id.group(1), "--data-dir", data());
      assertThat(revoked.status()).as(revoked.output()).isZero();
      Await.unauthorized(http, Instant.now().plus(Duration.ofSeconds(1)));
    }
  }

  @Test
  void serveKeepsMetadataInPostgresqlAndBytesInS3() throws Exception {
    try (var stores = TestStores.provisionShared()) {
      List<String> args =
          new ArrayList<>(
              List.of("serve", "--port", "0", "--data-dir", data(), "--api-key", TestServer.KEY));
      args.add("--uploads-downloadable");
      args.addAll(stores.args());
      try (var berth = Server.start(home.resolve("bin/berth"), emptyPath, args)) {
        var http = new Http(berth.baseUrl(), TestServer.KEY);
        String file = Fixtures.upload(http, "notes.txt", "kept in S3\n");

        var content = http.get("/v1/files/" + file + "/content");
        assertThat(content.status()).isEqualTo(200);
        assertThat(new String(content.raw().body(), StandardCharsets.UTF_8))
            .isEqualTo("kept in S3\n");
        String bucket = stores.bucket().orElseThrow();
        assertThat(S3Server.client().listObjectsV2(b -> b.bucket(bucket)).contents()).isNotEmpty();
        try (var db = stores.connect(dir.resolve("data"));
            var query = db.prepareStatement("SELECT count(*) FROM files WHERE id = ?")) {
          assertThat(db.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
          query.setString(1, file);
          try (var rows = query.executeQuery()) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(1);
          }
        }
      }
    }
  }

  /**
   * The runtime holds every module jdeps finds that berth.jar needs, so a new dependency that needs
   * one more fails here rather than with a NoClassDefFoundError in production.
   */
  @Test
  void runtimeHoldsEveryModuleJdepsFindsInTheJar() throws Exception {
    Path jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps");
    var found =
        run(
            List.of(
                jdeps.toString(),
                "--print-module-deps",
                "--ignore-missing-deps",
                "--multi-release",
                "base",
                home.resolve("lib/berth.jar").toString()));
    assertThat(found.status()).as(found.output()).isZero();
    List<String> needed = Arrays.asList(found.output().strip().split(","));

    Matcher modules =
        Pattern.compile("^MODULES=\"([^\"]*)\"$", Pattern.MULTILINE)
            .matcher(Files.readString(home.resolve("runtime/release")));
    assertThat(modules.find()).isTrue();
    assertThat(Arrays.asList(modules.group(1).split(" "))).containsAll(needed);
  }

  private String data() {
    return dir.resolve("data").toString();
  }

  /** {@code berth ARGS} from the tarball, run to its end. */
  private static Ran launch(Path launcher, String... args) throws Exception {
    var command = new ArrayList<String>();
    command.add(launcher.toString());
    command.addAll(List.of(args));
    return run(bare(command, emptyPath));
  }

  /** A process with no environment but {@code PATH=path}, as {@code env -i PATH=path}. */
  private static ProcessBuilder bare(List<String> command, Path path) {
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().put("PATH", path.toString());
    return builder;
  }

  private static Ran run(List<String> command) throws Exception {
    return run(new ProcessBuilder(command).redirectErrorStream(true));
  }

  private static Ran run(ProcessBuilder builder) throws Exception {
    Process process = builder.start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s ended", builder.command()).isTrue();
    return new Ran(process.exitValue(), output);
  }

  private record Ran(int status, String output) {}

  /**
   * {@code berth serve} from the tarball; it is ready once it has logged the port it listens on.
   * What it prints is read as it comes, so the key it prints on its first start is known too.
   */
  private static final class Server implements AutoCloseable {
    private final Process process;
    private final StringBuilder output = new StringBuilder();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final CompletableFuture<String> key = new CompletableFuture<>();

    private Server(Process process) {
      this.process = process;
    }

    static Server start(Path launcher, Path path, String... args) throws IOException {
      return start(launcher, path, List.of(args));
    }

    static Server start(Path launcher, Path path, List<String> args) throws IOException {
      var command = new ArrayList<String>();
      command.add(launcher.toString());
      command.addAll(args);
      var server = new Server(bare(command, path).start());
      Thread.ofPlatform().daemon().name("berth-output").start(server::read);
      try {
        server.port.get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        server.close();
        throw new IllegalStateException("berth did not start: " + e + "\n" + server.output(), e);
      }
      return server;
    }

    private void read() {
      try (var lines =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          synchronized (output) {
            output.append(line).append('\n');
          }
          Matcher printed = PRINTED_KEY.matcher(line);
          if (printed.matches()) {
            key.complete(printed.group(1));
          }
          Matcher listening = LISTENING.matcher(line);
          if (listening.find()) {
            port.complete(Integer.parseInt(listening.group(1)));
          }
        }
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new IllegalStateException("berth's output ended"));
    }

    String output() {
      synchronized (output) {
        return output.toString();
      }
    }

    long pid() {
      return process.pid();
    }

    String baseUrl() {
      return "http://127.0.0.1:" + port.join();
    }

    /** The key berth printed on its first start; it prints the key before it starts listening. */
    String printedKey() {
      assertThat(key).as("a printed key in:\n%s", output()).isDone();
      return key.join();
    }

    /** SIGTERM, which the launcher's exec hands straight to the JVM. */
    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while berth stopped", e);
      }
    }
  }
}
