package dev.berth.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.BerthProcess;
import dev.berth.testing.Churn;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.TestStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the server with SIGKILL in the middle of a stream of adds and deletes, restarts it, and
 * checks that every acknowledged change survived and the sandbox matches the records exactly.
 */
class CrashRecoveryIT {
  @TempDir Path dataDir;
  @RegisterExtension final TestStores stores = TestStores.provision();

  @Test
  void acknowledgedChangesSurviveSigkillAndTheSandboxMatchesTheRecords() throws Exception {
    String session;
    Churn churn;
    try (BerthProcess first = BerthProcess.start(stores, dataDir)) {
      Http http = first.http();
      String file = Fixtures.upload(http, "x.txt", "crash-test");
      session = Fixtures.session(http);
      churn = Churn.start(http, session, file);
      // deletes begin once more than 40 resources are live
      churn.await(
          "a delete acknowledged", c -> c.acknowledgedDeletes() > 0, Duration.ofSeconds(60));
      first.kill();
      churn.stop();
    }
    assertThat(churn.acknowledgedAdds()).isGreaterThan(20);
    assertThat(churn.acknowledgedDeletes()).isPositive();

    try (BerthProcess second = BerthProcess.start(stores, dataDir)) {
      Http http = second.http();
      Map<String, String> records = churn.assertNothingAcknowledgedIsLost(http, session);
      // listing its outputs uses the session's sandbox, so it is reconciled first, whether or not
      // the start-up pass, in the background, has reached it yet
      var scoped = http.get("/v1/files?limit=1000&scope_id=" + session).json().get("data");
      assertThat(scoped).hasSize(records.size());

      Path uploads = dataDir.resolve("sandboxes").resolve(session).resolve("mnt/session/uploads");
      assertThat(filesUnder(uploads)).isEqualTo(new HashSet<>(records.values()));
      for (String mount : records.values()) {
        Path mounted = dataDir.resolve("sandboxes").resolve(session).resolve(mount.substring(1));
        assertThat(Files.readString(mounted)).isEqualTo("crash-test");
      }
    }
  }

  /** Every regular file under the uploads directory, as its absolute mount path. */
  private static Set<String> filesUnder(Path uploads) throws IOException {
    try (Stream<Path> walk = Files.walk(uploads)) {
      return walk.filter(Files::isRegularFile)
          .map(p -> "/mnt/session/uploads/" + uploads.relativize(p))
          .collect(Collectors.toSet());
    }
  }
}
