package dev.berth.junit5.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsFileResource;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsSessionResource;
import dev.berth.junit5.BerthServer;
import dev.berth.junit5.BerthTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user's test does: the SDK pointed at the server the extension hands it. */
@BerthTest
class SdkAgainstBerthTest {
  AnthropicClient client;

  @BeforeEach
  void connect(BerthServer server) {
    client = Sdk.client(server);
  }

  @AfterEach
  void disconnect() {
    client.close();
  }

  @Test
  void aSessionCreatedWithAnUploadedFileListsItAndHasItInItsSandbox(
      BerthServer server, @TempDir Path dir) throws Exception {
    BetaFileMetadata file = Sdk.upload(client, dir, "data.csv", "a,b\n1,2\n");
    String environment =
        client
            .beta()
            .environments()
            .create(EnvironmentCreateParams.builder().name("test").build())
            .id();
    String agent =
        client
            .beta()
            .agents()
            .create(
                AgentCreateParams.builder()
                    .name("helper")
                    .model(BetaManagedAgentsModel.CLAUDE_SONNET_4_6)
                    .build())
            .id();

    BetaManagedAgentsSession session =
        client
            .beta()
            .sessions()
            .create(
                SessionCreateParams.builder()
                    .agent(agent)
                    .environmentId(environment)
                    .addFileResource(file.id())
                    .build());

    BetaManagedAgentsFileResource mounted = session.resources().getFirst().asFile();
    assertThat(
            client.beta().sessions().resources().list(session.id()).autoPager().stream()
                .map(BetaManagedAgentsSessionResource::asFile))
        .containsExactly(mounted);
    assertThat(mounted.mountPath()).isEqualTo("/mnt/session/uploads/" + file.id());
    Path inSandbox =
        server
            .dataDir()
            .resolve("sandboxes")
            .resolve(session.id())
            .resolve(mounted.mountPath().substring(1));
    assertThat(Files.readString(inSandbox)).isEqualTo("a,b\n1,2\n");
  }

  @Test
  void theServerListensOnTheLoopbackAddressAndTheKeyIsABerthKey(BerthServer server) {
    assertThat(server.baseUrl()).matches("http://127\\.0\\.0\\.1:[1-9][0-9]*");
    assertThat(server.apiKey()).startsWith("sk-berth-");
    assertThat(server.toString()).doesNotContain(server.apiKey());
  }
}
