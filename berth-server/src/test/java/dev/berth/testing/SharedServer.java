package dev.berth.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TestServer} for all tests of a class: {@code @RegisterExtension static final
 * SharedServer server = new SharedServer();}, or {@code new SharedServer("--max-json-bytes",
 * "4096")} with flags of {@code berth serve}.
 */
public final class SharedServer implements BeforeAllCallback, AfterAllCallback {
  private final String[] flags;
  private TestServer server;

  public SharedServer(String... flags) {
    this.flags = flags.clone();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    server = TestServer.start(flags);
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
