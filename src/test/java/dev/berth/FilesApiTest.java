package dev.berth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.TestServer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FilesApiTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void uploadedFileIsListedAndRetrievable() {
    var up = server.http().upload("data.csv", "text/csv", "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8));
    assertThat(up.status()).isEqualTo(200);
    String id = up.json().get("id").asText();
    assertThat(id).matches("file_01[0-9A-Za-z]{22}");
    assertThat(up.json().get("size_bytes").asLong()).isEqualTo(8);
    assertThat(up.json().get("mime_type").asText()).isEqualTo("text/csv");
    assertThat(up.header("request-id")).startsWith("req_");

    var got = server.http().get("/v1/files/" + id);
    assertThat(got.json().get("filename").asText()).isEqualTo("data.csv");
    assertThat(server.http().get("/v1/files").json().get("data").get(0).get("id").asText())
        .isEqualTo(id);
  }

  @Test
  void otherWorkspaceCannotSeeFile() {
    var up = server.http().upload("secret.txt", "text/plain", new byte[] {1, 2, 3});
    String id = up.json().get("id").asText();
    var other = server.http(TestServer.OTHER_KEY).get("/v1/files/" + id);
    assertThat(other.status()).isEqualTo(404);
    assertThat(other.errorType()).isEqualTo("not_found_error");
  }
}
