package dev.berth.junit5.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.beta.files.BetaFileMetadata;
import dev.berth.junit5.BerthServer;
import dev.berth.junit5.BerthTest;
import dev.berth.junit5.InjectBerth;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** One server for the class: what the first test uploads, the second one lists. */
@BerthTest
@TestMethodOrder(OrderAnnotation.class)
class PerClassLifecycleTest {
  @InjectBerth static BerthServer shared;
  static AnthropicClient client;
  static String uploaded;

  @InjectBerth BerthServer server;

  @BeforeAll
  static void connect(BerthServer server) {
    assertThat(shared).isEqualTo(server);
    client = Sdk.client(server);
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  @Test
  @Order(1)
  void theFirstTestUploadsAFile(@TempDir Path dir) {
    BetaFileMetadata file = Sdk.upload(client, dir, "first.txt", "one\n");
    uploaded = file.id();
  }

  @Test
  @Order(2)
  void theSecondTestSeesItOnTheSameServer(BerthServer parameter) {
    assertThat(server).isEqualTo(shared).isEqualTo(parameter);
    assertThat(client.beta().files().list().autoPager().stream().map(BetaFileMetadata::id))
        .containsExactly(uploaded);
  }
}
