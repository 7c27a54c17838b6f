package dev.berth.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.BerthProcess;
import dev.berth.testing.Commands;
import dev.berth.testing.GitHttpServer;
import dev.berth.testing.RepositorySessions;
import dev.berth.testing.TestStores;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A private repository's session taken over after its holder is killed: the node taking it over
 * checks it out again from the records, at the recorded checkout, with the token the records keep
 * encrypted under the secrets key every node shares; after the token is rotated, with the new one.
 */
class RepositoryTakeoverIT {
  static final String TOKEN = "ghp_ClusterFirstToken0123456789";
  static final String ROTATED = "ghp_ClusterRotatedToken9876543";

  @TempDir Path dirA;
  @TempDir Path dirB;
  @TempDir Path dirC;
  @RegisterExtension final TestStores stores = TestStores.provisionShared();

  @Test
  void aNodeTakingOverChecksOutWithTheStoredTokenAndAfterARotationWithTheNewOne() throws Exception {
    try (GitHttpServer git = GitHttpServer.start()) {
      GitHttpServer.Repo secret = git.createPrivateRepository("acme", "secret", TOKEN);
      secret.commit("main", Map.of("private.txt", "p\n"), "private");
      String pinned = secret.commit("main", Map.of("later.txt", "l\n"), "later");
      secret.commit("main", Map.of("latest.txt", "n\n"), "latest");
      try (BerthProcess a = node(git, dirA);
          BerthProcess b = node(git, dirB)) {
        JsonNode created =
            RepositorySessions.create(
                a.http(),
                RepositorySessions.repository(
                    "secret",
                    "\"authorization_token\":\""
                        + TOKEN
                        + "\",\"checkout\":{\"type\":\"commit\",\"sha\":\""
                        + pinned
                        + "\"}"));
        String session = created.get("id").asText();
        String resource = created.get("resources").get(0).get("id").asText();
        String check = "cd /workspace/secret && git rev-parse HEAD && ls";
        String expected = pinned + "\nlater.txt\nprivate.txt\n";
        assertThat(Commands.sh(a.http(), session, check)).isEqualTo(expected);
        assertThat(secret.counts().packsSent()).isEqualTo(1);

        a.kill();
        awaitReadyOn(b, session, resource);
        assertThat(Commands.sh(b.http(), session, check)).isEqualTo(expected);
        assertThat(secret.counts().packsSent()).isEqualTo(2);

        secret.rotateToken(ROTATED);
        var updated =
            b.http()
                .post(
                    "/v1/sessions/" + session + "/resources/" + resource,
                    "{\"authorization_token\":\"" + ROTATED + "\"}");
        assertThat(updated.status()).as("%s", updated.json()).isEqualTo(200);
        try (BerthProcess c = node(git, dirC)) {
          b.kill();
          awaitReadyOn(c, session, resource);
          assertThat(Commands.sh(c.http(), session, check)).isEqualTo(expected);
          assertThat(secret.counts().packsSent()).isEqualTo(3);
        }
      }
    }
  }

  private BerthProcess node(GitHttpServer git, Path dataDir) throws Exception {
    return BerthProcess.start(stores, dataDir, "--github-url", git.baseUrl());
  }

  /**
   * Waits until {@code node} holds the session (it answers 421 before) and its checkout settled,
   * then checks that it is ready.
   */
  private static void awaitReadyOn(BerthProcess node, String session, String resource)
      throws InterruptedException {
    RepositorySessions.awaitHeld(node.http(), session);
    JsonNode state = RepositorySessions.awaitSettled(node.http(), session, resource);
    assertThat(state.get("state").asText()).as("%s", state).isEqualTo("ready");
  }
}
