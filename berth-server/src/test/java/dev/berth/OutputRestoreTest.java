package dev.berth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.Fixtures;
import dev.berth.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Outputs outlive the sandbox tree: a node that builds a session's outputs directory afresh (here,
 * a restart that finds the tree gone) puts the catalogued outputs back from their blobs, with the
 * same file ids, instead of dropping their records.
 */
class OutputRestoreTest {
  final TestServer server = TestServer.start();

  @AfterEach
  void stop() {
    server.close();
  }

  Path tree(String session) {
    return server.dataDir().resolve("sandboxes").resolve(session);
  }

  Path outputs(String session) {
    return tree(session).resolve("mnt/session/outputs");
  }

  void write(String session, String relative, String content) throws IOException {
    Path file = outputs(session).resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  /** Id by filename of every output listed for the session. */
  Map<String, String> listed(String session) {
    var r = server.http().get("/v1/files?limit=100&scope_id=" + session);
    assertThat(r.status()).isEqualTo(200);
    Map<String, String> ids = new TreeMap<>();
    for (JsonNode f : r.json().get("data")) {
      ids.put(f.get("filename").asText(), f.get("id").asText());
    }
    return ids;
  }

  String content(String fileId) {
    var r = server.http().get("/v1/files/" + fileId + "/content");
    assertThat(r.status()).isEqualTo(200);
    return new String(r.raw().body(), StandardCharsets.UTF_8);
  }

  String session() throws IOException {
    String session = Fixtures.session(server.http());
    write(session, "report.md", "# Findings\n");
    write(session, "deep/er/data.csv", "a,b\n1,2\n");
    assertThat(listed(session)).hasSize(2);
    return session;
  }

  static void removeTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void outputsComeBackWhenTheTreeIsGoneAtStart() throws IOException {
    String session = session();
    Map<String, String> before = listed(session);

    removeTree(tree(session));
    server.restart();

    assertThat(Files.readString(outputs(session).resolve("report.md"))).isEqualTo("# Findings\n");
    assertThat(Files.readString(outputs(session).resolve("deep/er/data.csv")))
        .isEqualTo("a,b\n1,2\n");
    assertThat(listed(session)).isEqualTo(before);
    assertThat(content(before.get("data.csv"))).isEqualTo("a,b\n1,2\n");
    assertThat(content(before.get("report.md"))).isEqualTo("# Findings\n");
  }

  @Test
  void restoredFilesAreRecordedAsTheyNowAreAndHaveNormalModes() throws Exception {
    String session = session();
    removeTree(outputs(session));
    server.restart();

    Path file = outputs(session).resolve("deep/er/data.csv");
    Object inode = Files.readAttributes(file, "unix:ino", LinkOption.NOFOLLOW_LINKS).get("ino");
    try (var c = server.metadata();
        var q =
            c.prepareStatement(
                "SELECT inode FROM session_outputs WHERE session_id = ? AND path = ?")) {
      q.setString(1, session);
      q.setString(2, "deep/er/data.csv");
      try (var rs = q.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).contains("ino=" + inode);
      }
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-r--r--");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwxr-xr-x");
    if (isRoot()) { // commands then run as nobody, who must be able to change them
      assertThat(Files.getAttribute(file, "unix:uid")).isEqualTo(65534);
      assertThat(Files.getAttribute(file.getParent(), "unix:uid")).isEqualTo(65534);
    }
  }

  @Test
  void dismissedOutputsStayGone() throws IOException {
    String session = session();
    Map<String, String> before = listed(session);
    assertThat(server.http().delete("/v1/files/" + before.get("report.md")).status())
        .isEqualTo(200);

    removeTree(tree(session));
    server.restart();

    assertThat(outputs(session).resolve("report.md")).doesNotExist();
    assertThat(listed(session)).containsOnlyKeys("data.csv");
  }

  @Test
  void anExistingOutputsDirectoryIsTheAgents() throws IOException {
    String session = session();
    Map<String, String> before = listed(session);
    Files.delete(outputs(session).resolve("report.md"));

    server.restart();

    assertThat(outputs(session).resolve("report.md")).doesNotExist();
    assertThat(listed(session))
        .containsOnlyKeys("data.csv")
        .containsEntry("data.csv", before.get("data.csv"));
  }

  @Test
  void aLinkPlantedAboveOutputsIsNotFollowed() throws IOException {
    String session = session();
    Map<String, String> before = listed(session);
    Path elsewhere = Files.createTempDirectory("berth-elsewhere-");
    removeTree(tree(session).resolve("mnt/session"));
    Files.createSymbolicLink(tree(session).resolve("mnt/session"), elsewhere);

    server.restart();

    try (Stream<Path> outside = Files.list(elsewhere)) {
      assertThat(outside).isEmpty();
    }
    assertThat(Files.isSymbolicLink(tree(session).resolve("mnt/session"))).isFalse();
    assertThat(Files.readString(outputs(session).resolve("report.md"))).isEqualTo("# Findings\n");
    assertThat(listed(session)).isEqualTo(before);
    Files.delete(elsewhere);
  }

  @Test
  void aLinkedOutputsDirectoryIsNeitherFollowedNorTakenForEmpty() throws IOException {
    String session = session();
    Map<String, String> before = listed(session);
    Path elsewhere = Files.createTempDirectory("berth-elsewhere-");
    removeTree(outputs(session));
    Files.createSymbolicLink(outputs(session), elsewhere);

    server.restart();

    try (Stream<Path> outside = Files.list(elsewhere)) {
      assertThat(outside).isEmpty();
    }
    assertThat(listed(session)).isEqualTo(before);
    Files.delete(outputs(session));
    Files.delete(elsewhere);
  }

  static boolean isRoot() {
    try {
      return Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0);
    } catch (IOException e) {
      return false;
    }
  }
}
