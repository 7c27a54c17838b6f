package dev.berth.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What a node's sandbox of a session holds, as the tests compare it with the records. */
public final class Sandboxes {
  private Sandboxes() {}

  /**
   * Mount path → content of every file in the session's uploads on the node with {@code dataDir}.
   */
  public static Map<String, String> uploads(Path dataDir, String sessionId) throws IOException {
    Path uploads = dataDir.resolve("sandboxes").resolve(sessionId).resolve("mnt/session/uploads");
    Map<String, String> out = new TreeMap<>();
    if (!Files.isDirectory(uploads)) {
      return out;
    }
    try (Stream<Path> walk = Files.walk(uploads)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        out.put("/mnt/session/uploads/" + uploads.relativize(p), Files.readString(p));
      }
    }
    return out;
  }

  /**
   * Mount path of every resource of the session, as its records say, listed through {@code http}.
   */
  public static Map<String, String> recordedMounts(Http http, String sessionId, String content) {
    Map<String, String> out = new TreeMap<>();
    for (var page : Fixtures.pages(http, "/v1/sessions/" + sessionId + "/resources?limit=100")) {
      page.json().get("data").forEach(r -> out.put(r.get("mount_path").asText(), content));
    }
    return out;
  }
}
