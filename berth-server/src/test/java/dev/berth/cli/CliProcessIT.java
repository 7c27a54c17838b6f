package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.testing.Await;
import dev.berth.testing.BerthProcess;
import dev.berth.testing.BerthProcess.Finished;
import dev.berth.testing.TestStores;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code berth} as a process: {@code serve} failing at start for a reason its operator has to fix
 * (one line on standard error saying what and which setting to look at, exit status 1, no stack
 * trace), and {@code keys} beside a running server.
 */
class CliProcessIT {
  @RegisterExtension final TestStores stores = TestStores.provision();
  @TempDir Path dir;

  private List<String> serve(Path dataDir, String... flags) {
    var args = new ArrayList<>(List.of("serve", "--data-dir", dataDir.toString()));
    args.addAll(stores.args());
    args.addAll(List.of(flags));
    return args;
  }

  @Test
  void aPortInUseIsOneLineNamingThePortAndTheSetting() throws Exception {
    try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Finished run = BerthProcess.run(serve(dir.resolve("data"), "--port", Integer.toString(port)));
      assertOneLineFailure(
          run,
          "berth: port "
              + port
              + " on 127.0.0.1 is in use; stop what holds it, or choose another port with --port"
              + " (BERTH_PORT)");
    }
  }

  @Test
  void aDataDirectoryBerthCannotWriteIsOneLineNamingItAndTheSetting() throws Exception {
    Path data = Files.createDirectory(dir.resolve("read-only"));
    readOnly(data, true);
    try {
      Finished run = BerthProcess.run(serve(data, "--port", "0"));
      assertOneLineFailure(
          run,
          "berth: data directory "
              + data.toAbsolutePath()
              + " is not writable ("
              + (root() ? "Operation not permitted" : "permission denied")
              + "); choose another with --data-dir (BERTH_DATA_DIR) or let Berth write there");
    } finally {
      readOnly(data, false);
    }
  }

  @Test
  void keysMadeAndRevokedBesideARunningServerWorkAtOnceAndStopWithinASecond() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    try (BerthProcess server = BerthProcess.start(stores, data)) {
      List<String> storage = new ArrayList<>(List.of("--data-dir", data.toString()));
      stores.databaseUrl().ifPresent(url -> storage.addAll(List.of("--database-url", url)));

      Finished created = BerthProcess.run(keys(storage, "create", "--workspace", "ops"));
      assertThat(created.status()).as("%s", created).isZero();
      String key = created.out().strip();
      assertThat(key).startsWith("sk-berth-");
      String id = created.err().replaceFirst("(?s)^Created API key (apikey_\\w+) .*", "$1");
      assertThat(server.http(key).get("/v1/files").status()).isEqualTo(200);

      Finished list = BerthProcess.run(keys(storage, "list"));
      assertThat(list.status()).isZero();
      assertThat(list.out()).containsPattern(id + " +ops ").doesNotContain(key);

      Finished revoke = BerthProcess.run(keys(storage, "revoke", id));
      Instant revoked = Instant.now();
      assertThat(revoke.status()).as("%s", revoke).isZero();
      Await.unauthorized(server.http(key), revoked.plus(Duration.ofSeconds(1)));
      assertThat(server.http().get("/v1/files").status()).isEqualTo(200);
    }
  }

  private static List<String> keys(List<String> storage, String... args) {
    var all = new ArrayList<>(List.of("keys"));
    all.addAll(List.of(args));
    all.addAll(storage);
    return all;
  }

  private static void assertOneLineFailure(Finished run, String line) {
    assertThat(run.status()).as("%s", run).isEqualTo(1);
    // the log may say what Berth did before it failed, but no stack trace, and the error last
    assertThat(run.errLines()).as("%s", run).isNotEmpty().last().isEqualTo(line);
    assertThat(run.errLines()).filteredOn(l -> l.startsWith("berth: ")).hasSize(1);
    assertThat(run.err()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(run.out()).isEmpty();
  }

  /**
   * Makes {@code dir} unwritable even for root, whom file modes do not stop: the immutable
   * attribute ({@code chattr +i}), which root can set and clear.
   */
  private static void readOnly(Path dir, boolean on) throws IOException, InterruptedException {
    if (!root()) {
      assumeTrue(dir.toFile().setWritable(!on, false));
      return;
    }
    Process chattr =
        new ProcessBuilder("chattr", on ? "+i" : "-i", dir.toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(chattr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(chattr.waitFor() == 0, "chattr cannot make a directory immutable here: " + said);
  }

  private static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }
}
