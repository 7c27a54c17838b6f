package dev.berth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.domain.Ids;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server answers as soon as it starts and reconciles sandboxes in the background, yet no
 * session's sandbox is used before it was reconciled since the start. Here the background pass is
 * held back for the whole test (its task is kept, not run, with the rest of the start-up work), and
 * each session's sandbox is left out of line with its records the way a crash leaves it: a mount
 * whose record is committed but whose link is missing, and a link whose record is gone.
 */
class StartupReconcileTest {
  private static final String UPLOADS = "/mnt/session/uploads";

  final TestServer server = TestServer.start();
  final List<Runnable> heldStartupWork = new ArrayList<>();
  String session;

  @AfterEach
  void stop() {
    server.close();
  }

  Http http() {
    return server.http();
  }

  Path uploads(String sessionId) {
    return server.dataDir().resolve("sandboxes").resolve(sessionId).resolve("mnt/session/uploads");
  }

  /** A session with kept.txt and gone.txt mounted and its tree built. */
  @BeforeEach
  void sessionOutOfLineAtRestart() throws Exception {
    session = Fixtures.session(http());
    add(session, Fixtures.upload(http(), "kept.txt", "kept"), UPLOADS + "/kept.txt");
    add(session, Fixtures.upload(http(), "gone.txt", "gone"), UPLOADS + "/gone.txt");
    Commands.sh(http(), session, "true");
    assertThat(uploads(session).resolve("kept.txt")).isRegularFile();
    assertThat(uploads(session).resolve("gone.txt")).isRegularFile();

    // what a crash between a commit and its sandbox change leaves, as the server restarts
    Files.delete(uploads(session).resolve("kept.txt"));
    deleteRecord(session, UPLOADS + "/gone.txt");
    server.restart(heldStartupWork::add);
    assertThat(heldStartupWork).as("the start-up work was handed over, and is held").isNotEmpty();
  }

  @Test
  void theServerAnswersBeforeTheStartUpPassHasRun() {
    var files = http().get("/v1/files");

    assertThat(files.status()).as("%s", files.json()).isEqualTo(200);
  }

  @Test
  void aSessionThePassHasNotReachedIsInLineWithItsRecordsAtItsFirstCommand() {
    var ls = Commands.exec(http(), session, "ls", "-A", UPLOADS);

    assertThat(ls.status()).as("%s", ls.json()).isEqualTo(200);
    assertThat(ls.json().get("stdout").asText()).isEqualTo("kept.txt\n");
    var cat = Commands.exec(http(), session, "cat", UPLOADS + "/kept.txt");
    assertThat(cat.json().get("stdout").asText()).isEqualTo("kept");
  }

  @Test
  void aResourceAddedToASessionThePassHasNotReachedLeavesTheWholeSandboxInLine() {
    add(session, Fixtures.upload(http(), "new.txt", "new"), UPLOADS + "/new.txt");

    assertThat(uploads(session).resolve("new.txt")).isRegularFile();
    assertThat(uploads(session).resolve("kept.txt")).isRegularFile();
    assertThat(uploads(session).resolve("gone.txt")).doesNotExist();
  }

  @Test
  void listingASessionsOutputsFirstBringsItsSandboxInLine() {
    var outputs = http().get("/v1/files?scope_id=" + session);

    assertThat(outputs.status()).as("%s", outputs.json()).isEqualTo(200);
    assertThat(uploads(session).resolve("kept.txt")).isRegularFile();
    assertThat(uploads(session).resolve("gone.txt")).doesNotExist();
  }

  @Test
  void thePassBringsEverySessionInLineAndRemovesTheSandboxesOfSessionsThatAreGone()
      throws IOException {
    Path orphan = server.dataDir().resolve("sandboxes").resolve(Ids.session());
    Files.createDirectories(orphan.resolve("mnt/session/uploads"));

    heldStartupWork.forEach(Runnable::run);

    assertThat(uploads(session).resolve("kept.txt")).isRegularFile();
    assertThat(uploads(session).resolve("gone.txt")).doesNotExist();
    assertThat(Files.exists(orphan, LinkOption.NOFOLLOW_LINKS)).isFalse();
    var ls = Commands.exec(http(), session, "ls", "-A", UPLOADS);
    assertThat(ls.json().get("stdout").asText()).isEqualTo("kept.txt\n");
  }

  void add(String sessionId, String fileId, String mountPath) {
    var r =
        http()
            .post(
                "/v1/sessions/" + sessionId + "/resources",
                Fixtures.fileResource(fileId, mountPath));
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
  }

  /** Deletes a resource's record behind the server's back, as if its sandbox change was lost. */
  void deleteRecord(String sessionId, String mountPath) throws SQLException {
    try (Connection c = server.metadata();
        PreparedStatement st =
            c.prepareStatement(
                "DELETE FROM session_resources WHERE session_id = ? AND mount_path = ?")) {
      st.setString(1, sessionId);
      st.setString(2, mountPath);
      assertThat(st.executeUpdate()).isEqualTo(1);
    }
  }
}
