package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Http;
import dev.berth.testing.RawHttp;
import dev.berth.testing.SlowBody;
import dev.berth.testing.TestServer;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code Berth.close()} drains: a request in flight when it is called still gets its answer, while
 * idle keep-alive connections are closed at once instead of holding the stop up.
 */
class GracefulStopTest {
  @Test
  void closeLetsAnInFlightUploadFinishAndDropsIdleConnections() throws Exception {
    try (TestServer server = TestServer.start()) {
      URI base = URI.create(server.baseUrl());
      try (Socket idle = new Socket(base.getHost(), base.getPort())) {
        idle.setSoTimeout(5_000);
        idle.getOutputStream()
            .write(
                ("GET /v1/files HTTP/1.1\r\nHost: berth\r\nx-api-key: "
                        + TestServer.KEY
                        + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(RawHttp.read(idle.getInputStream(), false).status()).isEqualTo(200);

        Http http = server.http();
        var form =
            new Http.Form()
                .file(
                    "slow.txt", "text/plain", "x".repeat(10_000).getBytes(StandardCharsets.UTF_8));
        var underway = new CountDownLatch(1);
        var upload =
            http.sendAsync(
                http.builder("/v1/files")
                    .header("content-type", form.contentType())
                    .POST(SlowBody.of(form.body(), 10, Duration.ofMillis(300), underway)));
        assertThat(underway.await(10, TimeUnit.SECONDS)).isTrue();

        Thread restart = Thread.ofVirtual().start(server::restart); // close(), then start again
        assertThat(idle.getInputStream().read()).as("idle connection closed").isEqualTo(-1);
        assertThat(upload).isNotDone();
        var answer = upload.get(30, TimeUnit.SECONDS);
        assertThat(answer.status()).as("%s", answer.json()).isEqualTo(200);
        restart.join();
        String id = answer.json().get("id").asText();
        assertThat(server.http().get("/v1/files/" + id).status()).isEqualTo(200);
      }
    }
  }
}
