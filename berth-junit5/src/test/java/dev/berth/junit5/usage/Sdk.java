package dev.berth.junit5.usage;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileUploadParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import dev.berth.junit5.BerthServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The official Java SDK, set up as the README tells users to. */
final class Sdk {
  private Sdk() {}

  static AnthropicClient client(BerthServer server) {
    return AnthropicOkHttpClient.builder()
        .baseUrl(server.baseUrl())
        .apiKey(server.apiKey())
        .responseValidation(true)
        .build();
  }

  /** A new session (with an agent and an environment of its own) holding file {@code fileId}. */
  static BetaManagedAgentsSession sessionWith(AnthropicClient client, String fileId) {
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
    String environment =
        client
            .beta()
            .environments()
            .create(EnvironmentCreateParams.builder().name("test").build())
            .id();
    return client
        .beta()
        .sessions()
        .create(
            SessionCreateParams.builder()
                .agent(agent)
                .environmentId(environment)
                .addFileResource(fileId)
                .build());
  }

  /** Uploads a file named {@code name} holding {@code text}, written to {@code dir} first. */
  static BetaFileMetadata upload(AnthropicClient client, Path dir, String name, String text) {
    try {
      Path file = Files.writeString(dir.resolve(name), text);
      return client.beta().files().upload(FileUploadParams.builder().file(file).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
