package dev.berth.testing;

import dev.berth.config.BerthConfig;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TestServer} for all tests of a class: {@code @RegisterExtension static final
 * SharedServer server = new SharedServer();}
 */
public final class SharedServer implements BeforeAllCallback, AfterAllCallback {
  private final UnaryOperator<BerthConfig> tweak;
  private TestServer server;

  public SharedServer() {
    this(UnaryOperator.identity());
  }

  public SharedServer(UnaryOperator<BerthConfig> tweak) {
    this.tweak = tweak;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    server = TestServer.start(tweak);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    server.close();
  }

  public TestServer get() {
    return server;
  }

  /** A client with the first workspace's key; still valid after {@link #restart()}. */
  public Http http() {
    return server.http();
  }

  public Http http(String key) {
    return server.http(key);
  }

  public String baseUrl() {
    return server.baseUrl();
  }

  public java.nio.file.Path dataDir() {
    return server.dataDir();
  }

  public void restart() {
    server.restart();
  }
}
