package dev.berth.testing;

import static dev.berth.testing.SdkClients.expectApiError;
import static dev.berth.testing.SdkClients.expectNotFound;

import com.anthropic.client.AnthropicClient;
import com.anthropic.errors.UnauthorizedException;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link SharedServer} with official Java SDK clients of its two workspaces, "alpha" and "beta":
 * {@code @RegisterExtension static final SdkServer server = new SdkServer();}
 */
public final class SdkServer implements BeforeAllCallback, AfterAllCallback {
  /** A key that opens no workspace. */
  public static final String WRONG_KEY = "sk-not-a-key-of-this-server";

  private final SharedServer server;
  private AnthropicClient alpha;
  private AnthropicClient beta;

  /** A server with the defaults changed by {@code flags} of {@code berth serve}. */
  public SdkServer(String... flags) {
    server = new SharedServer(flags);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    server.beforeAll(context);
    alpha = SdkClients.client(get());
    beta = SdkClients.client(get(), TestServer.OTHER_KEY);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    alpha.close();
    beta.close();
    server.afterAll(context);
  }

  public TestServer get() {
    return server.get();
  }

  /** A client of workspace "alpha". */
  public AnthropicClient alphaClient() {
    return alpha;
  }

  /** A client of workspace "beta". */
  public AnthropicClient betaClient() {
    return beta;
  }

  /** A call made through an SDK client. */
  @FunctionalInterface
  public interface SdkCall {
    void call(AnthropicClient client) throws Throwable;
  }

  /**
   * Makes each call with a client whose key ({@link #WRONG_KEY}) opens no workspace and expects
   * every one to be a 401 {@code authentication_error}.
   */
  public void expectUnauthorized(SdkCall... calls) {
    AnthropicClient stranger = SdkClients.client(get(), WRONG_KEY);
    try {
      for (SdkCall call : calls) {
        expectApiError(
            UnauthorizedException.class, 401, "authentication_error", () -> call.call(stranger));
      }
    } finally {
      stranger.close();
    }
  }

  /**
   * Makes each call with workspace "beta"'s client and expects every one to be a 404 {@code
   * not_found_error}: what one workspace made, another cannot see.
   */
  public void expectNotFoundForBeta(SdkCall... calls) {
    for (SdkCall call : calls) {
      expectNotFound(() -> call.call(beta));
    }
  }

  /**
   * Runs {@code body} with a client of workspace "alpha" on a server of its own, started with
   * {@code flags} of {@code berth serve}; the server is gone afterwards.
   */
  public static void withLimitedServer(List<String> flags, Consumer<AnthropicClient> body) {
    try (TestServer limited = TestServer.start(flags.toArray(String[]::new))) {
      AnthropicClient client = SdkClients.client(limited);
      try {
        body.accept(client);
      } finally {
        client.close();
      }
    }
  }

  /** A 4096-byte JSON body limit. */
  public static final List<String> SMALL_JSON = List.of("--max-json-bytes", "4096");
}
