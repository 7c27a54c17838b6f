package dev.berth.testing;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.MultipartField;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.BetaEnvironment;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileUploadParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Files, environments, agents and sessions made through the Java SDK, validated strictly. */
public final class SdkFixtures {
  private SdkFixtures() {}

  public static BetaFileMetadata upload(AnthropicClient client, String name, String text) {
    MultipartField<InputStream> file =
        MultipartField.<InputStream>builder()
            .value(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))
            .filename(name)
            .contentType("text/plain")
            .build();
    return client.beta().files().upload(FileUploadParams.builder().file(file).build()).validate();
  }

  public static BetaEnvironment environment(AnthropicClient client) {
    return client
        .beta()
        .environments()
        .create(EnvironmentCreateParams.builder().name("env").build())
        .validate();
  }

  public static BetaManagedAgentsAgent agent(AnthropicClient client) {
    return client
        .beta()
        .agents()
        .create(
            AgentCreateParams.builder()
                .name("agent")
                .model(BetaManagedAgentsModel.CLAUDE_SONNET_4_6)
                .build())
        .validate();
  }

  /** A session of a new agent in a new environment, with whatever {@code more} adds. */
  public static BetaManagedAgentsSession session(
      AnthropicClient client, UnaryOperator<SessionCreateParams.Builder> more) {
    SessionCreateParams.Builder params =
        SessionCreateParams.builder()
            .agent(agent(client).id())
            .environmentId(environment(client).id());
    return client.beta().sessions().create(more.apply(params).build()).validate();
  }

  public static BetaManagedAgentsSession session(AnthropicClient client) {
    return session(client, UnaryOperator.identity());
  }

  /** Where {@code mountPath} of session {@code sessionId} lies on the server's disk. */
  public static Path sandboxPath(TestServer server, String sessionId, String mountPath) {
    return server.dataDir().resolve("sandboxes").resolve(sessionId).resolve(mountPath.substring(1));
  }
}
