package dev.berth.junit5.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import dev.berth.junit5.BerthServer;
import dev.berth.junit5.BerthTest;
import dev.berth.junit5.BerthTest.Lifecycle;
import dev.berth.junit5.InjectBerth;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** A server for each test: the second test starts empty, and the first one's server is gone. */
@BerthTest(lifecycle = Lifecycle.PER_TEST)
@TestMethodOrder(OrderAnnotation.class)
class PerTestLifecycleTest {
  static BerthServer first;

  @InjectBerth BerthServer server;
  AnthropicClient client;

  @BeforeEach
  void connect(BerthServer parameter) {
    assertThat(parameter).isEqualTo(server);
    client = Sdk.client(server);
  }

  @AfterEach
  void disconnect() {
    client.close();
  }

  @Test
  @Order(1)
  void theFirstTestUploadsAFile(BerthServer parameter, @TempDir Path dir) {
    assertThat(parameter).isEqualTo(server);
    Sdk.upload(client, dir, "first.txt", "one\n");
    assertThat(client.beta().files().list().data()).hasSize(1);
    first = server;
  }

  @Test
  @Order(2)
  void theSecondTestHasANewEmptyServerAndTheFirstOnesDirectoryIsGone() {
    assertThat(server.dataDir()).isNotEqualTo(first.dataDir());
    assertThat(server.apiKey()).isNotEqualTo(first.apiKey());
    assertThat(client.beta().files().list().data()).isEmpty();
    assertThat(Files.exists(first.dataDir())).isFalse();
  }
}
