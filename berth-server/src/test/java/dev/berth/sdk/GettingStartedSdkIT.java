package dev.berth.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.BetaEnvironment;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileListParams;
import com.anthropic.models.beta.files.FileUploadParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsFileResource;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsSessionResource;
import com.anthropic.models.beta.sessions.resources.ResourceAddParams;
import dev.berth.testing.SdkFixtures;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A newcomer's first minutes: nothing but the SDK, an API key and Berth's base URL. */
class GettingStartedSdkIT {
  @RegisterExtension static final SharedServer server = new SharedServer();

  @Test
  void uploadCreateAndList(@TempDir Path dir) throws Exception {
    AnthropicClient client =
        AnthropicOkHttpClient.builder()
            .apiKey(TestServer.KEY)
            .baseUrl(server.baseUrl())
            .responseValidation(true)
            .build();
    try {
      Path csv = Files.writeString(dir.resolve("data.csv"), "a,b\n1,2\n");
      BetaFileMetadata file =
          client.beta().files().upload(FileUploadParams.builder().file(csv).build()).validate();
      BetaEnvironment environment =
          client
              .beta()
              .environments()
              .create(EnvironmentCreateParams.builder().name("dev").build())
              .validate();
      BetaManagedAgentsAgent agent =
          client
              .beta()
              .agents()
              .create(
                  AgentCreateParams.builder()
                      .name("helper")
                      .model(BetaManagedAgentsModel.CLAUDE_SONNET_4_6)
                      .build())
              .validate();
      BetaManagedAgentsSession session =
          client
              .beta()
              .sessions()
              .create(
                  SessionCreateParams.builder()
                      .agent(agent.id())
                      .environmentId(environment.id())
                      .title("first steps")
                      .build())
              .validate();
      BetaManagedAgentsFileResource resource =
          client
              .beta()
              .sessions()
              .resources()
              .add(
                  session.id(),
                  ResourceAddParams.builder()
                      .fileBetaManagedAgentsFileResourceParams(file.id())
                      .build())
              .validate();
      assertThat(
              Files.readString(
                  SdkFixtures.sandboxPath(server.get(), session.id(), resource.mountPath())))
          .isEqualTo("a,b\n1,2\n");

      assertThat(client.beta().files().list().autoPager().stream().map(BetaFileMetadata::id))
          .containsExactly(file.id());
      assertThat(client.beta().environments().list().autoPager().stream().map(BetaEnvironment::id))
          .containsExactly(environment.id());
      assertThat(client.beta().agents().list().autoPager().stream().map(BetaManagedAgentsAgent::id))
          .containsExactly(agent.id());
      assertThat(
              client.beta().sessions().list().autoPager().stream()
                  .map(BetaManagedAgentsSession::id))
          .containsExactly(session.id());
      assertThat(
              client.beta().sessions().resources().list(session.id()).autoPager().stream()
                  .map(r -> r.validate().id().orElseThrow()))
          .containsExactly(resource.id());
      assertThat(
              client
                  .beta()
                  .files()
                  .list(FileListParams.builder().scopeId(session.id()).build())
                  .data())
          .extracting(BetaFileMetadata::id)
          .containsExactly(resource.fileId());
      assertThat(client.beta().sessions().retrieve(session.id()).validate().resources())
          .extracting(BetaManagedAgentsSessionResource::asFile)
          .containsExactly(resource);
    } finally {
      client.close();
    }
  }
}
