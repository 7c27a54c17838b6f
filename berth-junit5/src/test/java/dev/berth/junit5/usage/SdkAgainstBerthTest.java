package dev.berth.junit5.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.files.FileUploadParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsFileResource;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsSessionResource;
import dev.berth.junit5.BerthServer;
import dev.berth.junit5.BerthTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user's test does: the SDK pointed at the server the extension hands it. */
@BerthTest
class SdkAgainstBerthTest {
  /**
   * The README's example ("Testing your agent code against Berth"), as written there, then a look
   * at the session's resources.
   */
  @Test
  void theSessionSeesTheUploadedFile(BerthServer berth, @TempDir Path dir) throws Exception {
    AnthropicClient client =
        AnthropicOkHttpClient.builder().baseUrl(berth.baseUrl()).apiKey(berth.apiKey()).build();
    try {
      Path csv = Files.writeString(dir.resolve("data.csv"), "a,b\n1,2\n");
      String file = client.beta().files().upload(FileUploadParams.builder().file(csv).build()).id();
      String agent =
          client
              .beta()
              .agents()
              .create(
                  AgentCreateParams.builder()
                      .name("analyst")
                      .model(BetaManagedAgentsModel.CLAUDE_SONNET_4_6)
                      .build())
              .id();
      String environment =
          client
              .beta()
              .environments()
              .create(EnvironmentCreateParams.builder().name("test").build())
              .id();

      BetaManagedAgentsSession session =
          client
              .beta()
              .sessions()
              .create(
                  SessionCreateParams.builder()
                      .agent(agent)
                      .environmentId(environment)
                      .addFileResource(file)
                      .build());

      String mountPath = session.resources().getFirst().asFile().mountPath();
      assertThat(berth.dataDir().resolve("sandboxes/" + session.id() + mountPath))
          .hasContent("a,b\n1,2\n");

      // beyond the README: the session lists the resource it was created with
      BetaManagedAgentsFileResource mounted = session.resources().getFirst().asFile();
      assertThat(mountPath).isEqualTo("/mnt/session/uploads/" + file);
      assertThat(
              client.beta().sessions().resources().list(session.id()).autoPager().stream()
                  .map(BetaManagedAgentsSessionResource::asFile))
          .containsExactly(mounted);
    } finally {
      client.close();
    }
  }

  @Test
  void theServerListensOnTheLoopbackAddressAndItsKeyStaysOutOfReports(BerthServer berth) {
    assertThat(berth.baseUrl()).matches("http://127\\.0\\.0\\.1:[1-9][0-9]*");
    assertThat(berth.apiKey()).startsWith("sk-berth-");
    assertThat(berth.toString()).doesNotContain(berth.apiKey());
  }
}
