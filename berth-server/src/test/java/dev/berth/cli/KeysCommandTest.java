package dev.berth.cli;

import static dev.berth.testing.CliRun.berth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import dev.berth.testing.CliRun;
import dev.berth.testing.Http;
import dev.berth.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code berth keys} on the data directory or database of a server that is running: a new key works
 * at once, a revoked one gets 401 within a second, and no secret is ever listed.
 */
class KeysCommandTest {
  private static final Pattern CREATED =
      Pattern.compile("Created API key (apikey_\\w+) for workspace '([^']*)'");

  TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private CliRun keys(String... args) {
    List<String> all = new ArrayList<>(List.of("keys"));
    all.addAll(List.of(args));
    all.addAll(server.storage());
    return berth(Map.of(), all.toArray(String[]::new));
  }

  /** The key {@code keys create} printed, and its id. */
  private record Created(String key, String id) {}

  private Created create(String... args) {
    List<String> all = new ArrayList<>(List.of("create"));
    all.addAll(List.of(args));
    CliRun run = keys(all.toArray(String[]::new));
    assertThat(run.status()).as("%s", run).isZero();
    assertThat(run.out()).matches("sk-berth-[A-Za-z0-9_-]{43}\n");
    Matcher m = CREATED.matcher(run.err());
    assertThat(m.find()).as("%s", run).isTrue();
    return new Created(run.out().strip(), m.group(1));
  }

  private int filesStatus(String key) {
    return server.http(key).get("/v1/files?limit=1").status();
  }

  @Test
  void aKeyCreatedWhileTheServerRunsWorksAtOnceInItsOwnWorkspace() {
    Created created = create("--workspace", "gamma");

    assertThat(filesStatus(created.key())).isEqualTo(200);
    Http gamma = server.http(created.key());
    String file = dev.berth.testing.Fixtures.upload(gamma, "g.txt", "gamma's");
    assertThat(server.http().get("/v1/files/" + file).status()).isEqualTo(404); // not alpha's
    assertThat(gamma.get("/v1/files/" + file).status()).isEqualTo(200);

    Created fallback = create();
    assertThat(keys("list").out()).containsPattern(fallback.id() + " +default ");
  }

  @Test
  void listShowsEveryKeyWithItsWorkspaceAndNeverASecretOrAHash() throws Exception {
    Created created = create("--workspace", "gamma");

    CliRun list = keys("list");
    assertThat(list.status()).isZero();
    List<String> lines = list.out().lines().toList();
    assertThat(lines.get(0)).matches("ID +WORKSPACE +CREATED +REVOKED");
    assertThat(lines).hasSize(4); // alpha's, beta's and gamma's
    assertThat(list.out())
        .containsPattern(created.id() + " +gamma +\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z +-\n")
        .containsPattern("apikey_\\w+ +alpha ")
        .containsPattern("apikey_\\w+ +beta ");
    for (String key : List.of(created.key(), TestServer.KEY, TestServer.OTHER_KEY)) {
      assertThat(list.out() + list.err()).doesNotContain(key).doesNotContain(sha256(key));
    }
  }

  @Test
  void aRevokedKeyGets401WithinASecondAndStaysListedAsRevoked() throws Exception {
    Created created = create("--workspace", "alpha");
    assertThat(filesStatus(created.key())).isEqualTo(200); // the server now knows the key

    CliRun revoke = keys("revoke", created.id());
    Instant revoked = Instant.now();
    assertThat(revoke.status()).as("%s", revoke).isZero();
    assertThat(revoke.err()).startsWith(created.id() + " (workspace 'alpha') is revoked since ");

    Await.unauthorized(server.http(created.key()), revoked.plus(Duration.ofSeconds(1)));
    assertThat(filesStatus(TestServer.KEY)).isEqualTo(200); // the others still open alpha
    assertThat(keys("list").out())
        .containsPattern(created.id() + " +alpha +\\S+ +\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\n");
    assertThat(keys("revoke", created.id()).status()).isZero(); // again: nothing changes
  }

  @Test
  void revokingTheLastKeyWarnsAndARestartMintsNoNewKeyNorRevivesAConfiguredOne() throws Exception {
    List<String> ids =
        keys("list")
            .out()
            .lines()
            .skip(1)
            .map(line -> line.substring(0, line.indexOf(' ')))
            .toList();
    assertThat(ids).hasSize(2);
    assertThat(keys("revoke", ids.get(0)).err()).doesNotContain("No key is left");
    CliRun last = keys("revoke", ids.get(1));
    Instant revoked = Instant.now();
    assertThat(last.err())
        .contains(
            "No key is left: every request gets 401 until 'berth keys create' makes one."
                + " Restarting Berth does not make one.");
    Await.unauthorized(server.http(), revoked.plus(Duration.ofSeconds(1)));

    server.restart(); // with KEY and OTHER_KEY still given by --api-key
    assertThat(keys("list").out().lines().skip(1).toList())
        .hasSize(2)
        .allMatch(line -> line.matches("\\S+ +\\S+ +\\S+ +\\d{4}-.*"));
    assertThat(filesStatus(TestServer.KEY)).isEqualTo(401);
    assertThat(filesStatus(TestServer.OTHER_KEY)).isEqualTo(401);

    assertThat(filesStatus(create().key())).isEqualTo(200); // the way back in
  }

  @Test
  void anUnknownIdOrAMissingDatabaseIsOneLineAndExit1(@TempDir Path empty) {
    CliRun unknown = keys("revoke", "apikey_01NoSuchKey0000000000000");
    assertThat(unknown.status()).isEqualTo(Cli.FAILED);
    assertThat(unknown.errLines())
        .containsExactly(
            "berth: no API key apikey_01NoSuchKey0000000000000; 'berth keys list' shows the keys");

    CliRun nowhere = berth(Map.of(), "keys", "list", "--data-dir", empty.toString());
    assertThat(nowhere.status()).isEqualTo(Cli.FAILED);
    assertThat(nowhere.errLines())
        .containsExactly(
            "berth: no Berth database in "
                + empty.toAbsolutePath()
                + "; name the server's directory with --data-dir (BERTH_DATA_DIR), or its"
                + " database with --database-url (BERTH_DATABASE_URL)");
    assertThat(empty).isEmptyDirectory();
  }

  @Test
  void keysAndEachOfItsCommandsExplainThemselves() {
    CliRun keys = berth(Map.of(), "keys", "--help");
    assertThat(keys.status()).isZero();
    assertThat(keys.out()).startsWith("Usage: berth keys").contains("create", "list", "revoke");
    assertThat(berth(Map.of(), "help", "keys").out()).isEqualTo(keys.out());
    assertThat(berth(Map.of(), "--help").out()).contains("  keys ");
    for (String command : List.of("create", "list", "revoke")) {
      CliRun help = berth(Map.of(), "keys", command, "--help");
      assertThat(help.status()).isZero();
      assertThat(help.out())
          .startsWith("Usage: berth keys " + command)
          .containsPattern("Env: BERTH_DATA_DIR\\n +Default: berth-data\\n")
          .contains("Env: BERTH_DATABASE_URL");
    }
    assertThat(berth(Map.of(), "keys", "create", "--help").out()).contains("--workspace=NAME");

    CliRun none = berth(Map.of(), "keys");
    assertThat(none.status()).isEqualTo(Cli.USAGE);
    assertThat(none.errLines())
        .containsExactly(
            "berth: missing COMMAND: create, list or revoke (see 'berth keys --help')");
    CliRun blank = keys("create", "--workspace", " ");
    assertThat(blank.status()).isEqualTo(Cli.USAGE);
    assertThat(blank.errLines())
        .containsExactly(
            "berth: --workspace must be a workspace name: 1 to 255 characters, no control"
                + " characters, got ' '");
  }

  private static String sha256(String key) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
  }
}
