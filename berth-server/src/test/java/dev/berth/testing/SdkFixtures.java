package dev.berth.testing;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.MultipartField;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgent;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.BetaEnvironment;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileListParams;
import com.anthropic.models.beta.files.FileUploadParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsAgentParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsFileResourceParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.resources.ResourceRetrieveParams;
import com.anthropic.models.beta.sessions.resources.ResourceRetrieveResponse;
import com.anthropic.models.beta.sessions.resources.ResourceUpdateParams;
import com.anthropic.models.beta.sessions.resources.ResourceUpdateResponse;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/** Files, environments, agents and sessions made through the Java SDK, validated strictly. */
public final class SdkFixtures {
  private SdkFixtures() {}

  public static BetaFileMetadata upload(AnthropicClient client, String name, String text) {
    return upload(client, name, "text/plain", text);
  }

  public static BetaFileMetadata upload(
      AnthropicClient client, String name, String contentType, String text) {
    MultipartField<InputStream> file =
        MultipartField.<InputStream>builder()
            .value(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))
            .filename(name)
            .contentType(contentType)
            .build();
    return client.beta().files().upload(FileUploadParams.builder().file(file).build()).validate();
  }

  public static BetaEnvironment environment(AnthropicClient client) {
    return environment(client, "env");
  }

  public static BetaEnvironment environment(AnthropicClient client, String name) {
    return client
        .beta()
        .environments()
        .create(EnvironmentCreateParams.builder().name(name).build())
        .validate();
  }

  public static BetaManagedAgentsAgent agent(AnthropicClient client) {
    return agent(client, "agent");
  }

  public static BetaManagedAgentsAgent agent(AnthropicClient client, String name) {
    return client
        .beta()
        .agents()
        .create(
            AgentCreateParams.builder()
                .name(name)
                .model(BetaManagedAgentsModel.CLAUDE_SONNET_4_6)
                .build())
        .validate();
  }

  /** A reference to version {@code version} of agent {@code agentId}. */
  public static BetaManagedAgentsAgentParams agentVersion(String agentId, int version) {
    return BetaManagedAgentsAgentParams.builder().id(agentId).version(version).build();
  }

  /** A file resource mounting {@code fileId} at {@code mountPath}. */
  public static BetaManagedAgentsFileResourceParams fileResource(String fileId, String mountPath) {
    return BetaManagedAgentsFileResourceParams.builder()
        .fileId(fileId)
        .mountPath(mountPath)
        .build();
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

  /** Resource {@code resourceId} of session {@code sessionId}. */
  public static ResourceRetrieveResponse retrieve(
      AnthropicClient client, String sessionId, String resourceId) {
    return client
        .beta()
        .sessions()
        .resources()
        .retrieve(resourceId, ResourceRetrieveParams.builder().sessionId(sessionId).build())
        .validate();
  }

  /** Gives resource {@code resourceId} of session {@code sessionId} a new authorization token. */
  public static ResourceUpdateResponse updateToken(
      AnthropicClient client, String sessionId, String resourceId, String token) {
    return client
        .beta()
        .sessions()
        .resources()
        .update(
            resourceId,
            ResourceUpdateParams.builder().sessionId(sessionId).authorizationToken(token).build())
        .validate();
  }

  /** The files scoped to session {@code sessionId}: the copies its file resources mount. */
  public static List<BetaFileMetadata> sessionFiles(AnthropicClient client, String sessionId) {
    return client.beta().files().list(FileListParams.builder().scopeId(sessionId).build()).data();
  }

  /** Where {@code mountPath} of session {@code sessionId} lies on the server's disk. */
  public static Path sandboxPath(TestServer server, String sessionId, String mountPath) {
    return server.dataDir().resolve("sandboxes").resolve(sessionId).resolve(mountPath.substring(1));
  }
}
