package dev.berth.repositories;

import static dev.berth.testing.RepositorySessions.awaitSettled;
import static dev.berth.testing.RepositorySessions.privateRepository;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.BerthProcess;
import dev.berth.testing.Commands;
import dev.berth.testing.GitHttpServer;
import dev.berth.testing.Http;
import dev.berth.testing.RepositorySessions;
import dev.berth.testing.SecretSearch;
import dev.berth.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repository tokens against Berth as a process: they appear in no file of its data directory, no
 * line of its output and no response, whether right, wrong or rotated; and a checkout survives
 * SIGKILL, found ready at restart with what was committed in it, without being fetched again.
 */
class RepositorySecretsIT {
  static final String TOKEN = "ghp_ProcessFirstToken0123456789";
  static final String WRONG = "ghp_ProcessWrongToken0000000000";
  static final String ROTATED = "ghp_ProcessRotatedToken98765432";
  static final List<String> SECRETS = List.of(TOKEN, WRONG, ROTATED);

  @TempDir Path dataDir;
  @RegisterExtension final TestStores stores = TestStores.provision();
  GitHttpServer git;
  GitHttpServer.Repo secret;

  @BeforeEach
  void startGitServer() {
    git = GitHttpServer.start();
    secret = git.createPrivateRepository("acme", "secret", TOKEN);
    secret.commit("main", Map.of("private.txt", "p\n"), "private");
  }

  @AfterEach
  void stopGitServer() {
    git.close();
  }

  private BerthProcess berth() throws Exception {
    return BerthProcess.start(stores, dataDir, "--github-url", git.baseUrl());
  }

  @Test
  void goodWrongAndRotatedTokensAppearInNoDataFileLogLineOrResponse() throws Exception {
    List<String> bodies = new ArrayList<>();
    try (BerthProcess berth = berth()) {
      Http http =
          berth
              .http()
              .observed(r -> bodies.add(new String(r.raw().body(), StandardCharsets.UTF_8)));
      JsonNode good = RepositorySessions.create(http, privateRepository("secret", TOKEN));
      String goodSession = good.get("id").asText();
      String goodResource = good.get("resources").get(0).get("id").asText();
      assertThat(Commands.sh(http, goodSession, "cat /workspace/secret/private.txt"))
          .isEqualTo("p\n");

      JsonNode wrong = RepositorySessions.create(http, privateRepository("secret", WRONG));
      String wrongSession = wrong.get("id").asText();
      String wrongResource = wrong.get("resources").get(0).get("id").asText();
      assertThat(awaitSettled(http, wrongSession, wrongResource).get("state").asText())
          .isEqualTo("failed");
      assertThat(Commands.exec(http, wrongSession, "true").status()).isEqualTo(409);

      secret.rotateToken(ROTATED);
      for (String[] rotated :
          new String[][] {{goodSession, goodResource}, {wrongSession, wrongResource}}) {
        var updated =
            http.post(
                "/v1/sessions/" + rotated[0] + "/resources/" + rotated[1],
                "{\"authorization_token\":\"" + ROTATED + "\"}");
        assertThat(updated.status()).as("%s", updated.json()).isEqualTo(200);
      }
      assertThat(awaitSettled(http, wrongSession, wrongResource).get("state").asText())
          .isEqualTo("ready");
      assertThat(
              Commands.sh(
                  http,
                  wrongSession,
                  "cd /workspace/secret && cat private.txt .git/config && git log --format=%s"
                      + " && env"))
          .startsWith("p\n")
          .contains("private\n");
      http.get("/v1/sessions/" + goodSession);
      http.get("/v1/sessions/" + wrongSession + "/resources");

      assertThat(bodies).hasSizeGreaterThan(10).noneMatch(b -> SecretSearch.holds(b, SECRETS));
      assertThat(SecretSearch.holds(berth.logText(), SECRETS)).as("berth's output").isFalse();
      assertThat(SecretSearch.filesHolding(dataDir, SECRETS)).isEmpty();
    }
  }

  @Test
  void afterSigkillTheRestartedServerFindsTheCheckoutReadyWithItsCommitAndFetchesNoPack()
      throws Exception {
    String session;
    String resource;
    BerthProcess first = berth();
    try {
      JsonNode created =
          RepositorySessions.create(first.http(), privateRepository("secret", TOKEN));
      session = created.get("id").asText();
      resource = created.get("resources").get(0).get("id").asText();
      Commands.sh(
          first.http(),
          session,
          "cd /workspace/secret && echo kept > kept.txt && git add kept.txt"
              + " && git -c user.name=a -c user.email=a@b commit -qm kept");
      assertThat(secret.counts().packsSent()).isEqualTo(1);
      first.kill();

      try (BerthProcess second = berth()) {
        Http http = second.http();
        RepositorySessions.awaitHeld(http, session);
        assertThat(awaitSettled(http, session, resource).get("state").asText()).isEqualTo("ready");
        assertThat(
                Commands.sh(
                    http,
                    session,
                    "cd /workspace/secret && cat kept.txt && git log --format=%s"
                        + " && git status --short"))
            .isEqualTo("kept\nkept\nprivate\n");
        assertThat(secret.counts().packsSent()).isEqualTo(1);
      }
    } finally {
      first.close();
    }
  }
}
