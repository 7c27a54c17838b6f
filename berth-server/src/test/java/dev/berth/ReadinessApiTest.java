package dev.berth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testing.Await;
import dev.berth.testing.Commands;
import dev.berth.testing.Http;
import dev.berth.testing.Postgres;
import dev.berth.testing.TcpProxy;
import dev.berth.testing.TestServer;
import dev.berth.testing.TestStores;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /berth/v1/health} and {@code /berth/v1/ready}, without a key: ready names each
 * dependency, and one that fails (the blob directory, the bucket, the database, bubblewrap) makes
 * it a 503 naming that one, with nothing of any tenant or any secret in the answer.
 */
class ReadinessApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void healthIsOkWithoutAKeyAndWithAWrongOne() throws Exception {
    try (var server = TestServer.start()) {
      var r = server.http(null).get("/berth/v1/health");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json()).isEqualTo(JSON.readTree("{\"status\":\"ok\"}"));
      var wrongKey = server.http("sk-not-a-key-of-this-server-0000").get("/berth/v1/health");
      assertThat(wrongKey.status()).isEqualTo(200);
    }
  }

  @Test
  void readyReportsEachDependencyOkWithoutAKey() throws Exception {
    try (var server = TestServer.start()) {
      var r = ready(server);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json())
          .isEqualTo(
              JSON.readTree(
                  """
                  {"status":"ready","checks":{
                    "database":{"status":"ok"},
                    "blob_store":{"status":"ok"},
                    "sandbox":{"status":"ok"}}}"""));
    }
  }

  @Test
  void aBlobDirectoryThatCannotBeWrittenMakesTheNodeNotReadyNamingTheBlobStore() throws Exception {
    assumeTrue(!TestStores.sharedBackend(), "local blobs");
    try (var server = TestServer.start()) {
      Path blobs = server.dataDir().resolve("blobs");
      Path away = server.dataDir().resolve("blobs.away");
      Files.move(blobs, away);
      Files.writeString(blobs, "not a directory"); // even root cannot create files in it
      var r = ready(server);
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.json())
          .isEqualTo(
              JSON.readTree(
                  """
                  {"status":"not_ready","checks":{
                    "database":{"status":"ok"},
                    "blob_store":{"status":"failing",
                                  "detail":"the blob directory cannot be written"},
                    "sandbox":{"status":"ok"}}}"""));

      Files.delete(blobs);
      Files.move(away, blobs);
      assertThat(ready(server).status()).isEqualTo(200);
    }
  }

  @Test
  void aBucketThatCannotBeReachedMakesTheNodeNotReadyNamingTheBlobStore() throws Exception {
    assumeTrue(TestStores.sharedBackend(), "S3 blobs");
    URI s3 = dev.berth.testing.S3Server.endpoint();
    try (var proxy = new TcpProxy(s3.getHost() + ":" + s3.getPort());
        var server = TestServer.start("--s3-endpoint", "http://" + proxy.address())) {
      assertThat(ready(server).status()).isEqualTo(200);

      proxy.cut();
      var r = ready(server);
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.json().path("status").asText()).isEqualTo("not_ready");
      assertThat(r.json().at("/checks/database/status").asText()).isEqualTo("ok");
      assertThat(r.json().at("/checks/sandbox/status").asText()).isEqualTo("ok");
      assertThat(r.json().at("/checks/blob_store/status").asText()).isEqualTo("failing");
      assertThat(r.json().at("/checks/blob_store/detail").asText())
          .isIn("the bucket cannot be reached or refused the request", "no answer within 2 s");
      assertThat(r.raw().body()).asString().doesNotContain(proxy.address(), "secret");

      proxy.restore();
      Await.until("ready again", Duration.ofSeconds(15), () -> ready(server).status() == 200);
    }
  }

  @Test
  void aDatabaseThatGoesAwayMakesTheNodeNotReadyNamingTheDatabase() throws Exception {
    assumeTrue(TestStores.sharedBackend(), "PostgreSQL");
    try (var proxy = new TcpProxy(Postgres.host());
        var server = TestServer.start(TestStores.provisionShared(proxy.address()))) {
      assertThat(ready(server).status()).isEqualTo(200);

      proxy.cut();
      var r = ready(server);
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.json().at("/checks/database/status").asText()).isEqualTo("failing");
      assertThat(r.json().at("/checks/database/detail").asText())
          .isIn("the database cannot be reached or failed a query", "no answer within 2 s");
      assertThat(r.json().at("/checks/blob_store/status").asText()).isEqualTo("ok");
      assertThat(r.raw().body()).asString().doesNotContain(proxy.address(), "postgres");

      proxy.restore();
      Await.until("ready again", Duration.ofSeconds(15), () -> ready(server).status() == 200);
    }
  }

  @Test
  void withoutBubblewrapTheNodeIsNotReadyNamingTheSandbox() throws Exception {
    try (var server = TestServer.start(Commands.withoutBubblewrap())) {
      var r = ready(server);
      assertThat(r.status()).isEqualTo(503);
      JsonNode sandbox = r.json().at("/checks/sandbox");
      assertThat(sandbox.path("status").asText()).isEqualTo("failing");
      assertThat(sandbox.path("detail").asText())
          .startsWith("commands cannot run in sandboxes: ")
          .contains("bubblewrap");
      assertThat(r.json().at("/checks/database/status").asText()).isEqualTo("ok");
      assertThat(r.json().at("/checks/blob_store/status").asText()).isEqualTo("ok");
    }
  }

  private static Http.Response ready(TestServer server) {
    return server.http(null).get("/berth/v1/ready");
  }
}
