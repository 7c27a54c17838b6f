package dev.berth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.Immutable;
import dev.berth.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A resource change whose sandbox change fails after its commit (here the session's uploads
 * directory is made immutable on the host, so not even root can add or remove an entry in it) stays
 * acknowledged, refuses commands in the session with a retryable 503 while the sandbox lags, and is
 * applied by the server itself, with no further request, once the directory can change again.
 */
class SandboxCatchUpTest {
  private static final String MOUNT = "/mnt/session/uploads/notes.txt";
  private static final Duration RETRIED_WITHIN = Duration.ofSeconds(60);

  final TestServer server = TestServer.start();
  final Http http = server.http();

  @AfterEach
  void stop() {
    server.close();
  }

  Path uploads(String session) {
    return server.dataDir().resolve("sandboxes").resolve(session).resolve("mnt/session/uploads");
  }

  /** A session whose tree is built (a command ran in it), and a file to mount in it. */
  String sessionWithTree() {
    String session = Fixtures.session(http);
    Commands.sh(http, session, "true");
    assertThat(uploads(session)).isDirectory();
    return session;
  }

  String add(String session, String fileId) {
    var r =
        http.post("/v1/sessions/" + session + "/resources", Fixtures.fileResource(fileId, MOUNT));
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    return r.json().get("id").asText();
  }

  static void assertRefusedOutOfSync(Http.Response r) {
    assertThat(r.status()).as("%s", r.json()).isEqualTo(503);
    assertThat(r.errorType()).isEqualTo("overloaded_error");
    assertThat(r.json().at("/error/details/error_code").asText()).isEqualTo("sandbox_out_of_sync");
    assertThat(r.header("x-should-retry")).isEqualTo("true");
  }

  @Test
  void anAddThatFailedAfterItsCommitRefusesCommandsUntilTheServerRetriesItIntoTheSandbox()
      throws Exception {
    String session = sessionWithTree();
    String fileId = Fixtures.upload(http, "notes.txt", "caught up");
    Path onDisk = uploads(session).resolve("notes.txt");

    try (var frozen = Immutable.make(uploads(session))) {
      add(session, fileId);
      assertThat(onDisk).doesNotExist();
      assertRefusedOutOfSync(Commands.exec(http, session, "cat", MOUNT));

      frozen.lift();
      Await.until(
          "the add, retried, is in the sandbox", RETRIED_WITHIN, () -> Files.isRegularFile(onDisk));
    }
    var cat = Commands.exec(http, session, "cat", MOUNT);
    assertThat(cat.status()).as("%s", cat.json()).isEqualTo(200);
    assertThat(cat.json().get("stdout").asText()).isEqualTo("caught up");
  }

  @Test
  void aDeleteThatFailedAfterItsCommitRefusesCommandsUntilTheServerRetriesItOutOfTheSandbox()
      throws Exception {
    String session = sessionWithTree();
    String resourceId = add(session, Fixtures.upload(http, "notes.txt", "going"));
    Path onDisk = uploads(session).resolve("notes.txt");
    assertThat(onDisk).isRegularFile();

    try (var frozen = Immutable.make(uploads(session))) {
      var delete = http.delete("/v1/sessions/" + session + "/resources/" + resourceId);
      assertThat(delete.status()).as("%s", delete.json()).isEqualTo(200);
      assertThat(onDisk).isRegularFile();
      assertRefusedOutOfSync(Commands.exec(http, session, "ls", "/mnt/session/uploads"));

      frozen.lift();
      Await.until(
          "the delete, retried, is out of the sandbox",
          RETRIED_WITHIN,
          () -> !Files.exists(onDisk));
    }
    var ls = Commands.exec(http, session, "ls", "-A", "/mnt/session/uploads");
    assertThat(ls.status()).as("%s", ls.json()).isEqualTo(200);
    assertThat(ls.json().get("stdout").asText()).isEmpty();
  }
}
