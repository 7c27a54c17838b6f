package dev.berth.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.BerthProcess;
import dev.berth.testing.Http;
import dev.berth.testing.SlowBody;
import dev.berth.testing.TestStores;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM in the middle of a slow upload: the server stops taking connections at once, lets the
 * upload finish and answer (its client pausing 1.5 s between pieces, longer than the 1 s Jetty
 * would allow by default), and exits by itself well within its 30 s drain; the file survives.
 */
class GracefulShutdownIT {
  private static final Duration DRAIN = Duration.ofSeconds(30);

  @TempDir Path dataDir;
  @RegisterExtension final TestStores stores = TestStores.provision();

  @Test
  void sigtermLetsAnInFlightUploadFinishAndRefusesNewConnections() throws Exception {
    byte[] content = "slow upload ".repeat(2_000).getBytes(StandardCharsets.UTF_8);
    String fileId;
    try (BerthProcess berth = BerthProcess.start(stores, dataDir, "--uploads-downloadable")) {
      Http http = berth.http();
      var form = new Http.Form().file("slow.txt", "text/plain", content);
      var underway = new CountDownLatch(1);
      CompletableFuture<Http.Response> upload =
          http.sendAsync(
              http.builder("/v1/files")
                  .header("content-type", form.contentType())
                  .POST(SlowBody.of(form.body(), 5, Duration.ofMillis(1500), underway)));
      assertThat(underway.await(10, TimeUnit.SECONDS)).isTrue();

      Instant terminated = Instant.now();
      berth.terminate();
      awaitRefused(berth.baseUrl());
      assertThat(upload).as("the upload is still running when connections are refused").isNotDone();

      Http.Response answer = upload.get(DRAIN.toSeconds(), TimeUnit.SECONDS);
      assertThat(answer.status()).as("%s", answer.json()).isEqualTo(200);
      fileId = answer.json().get("id").asText();
      assertThat(answer.json().get("size_bytes").asLong()).isEqualTo(content.length);

      assertThat(berth.awaitExit(DRAIN)).as("exits by itself within the drain time").isTrue();
      assertThat(Duration.between(terminated, Instant.now())).isLessThan(DRAIN);
    }

    try (BerthProcess again = BerthProcess.start(stores, dataDir, "--uploads-downloadable")) {
      Http http = again.http();
      assertThat(http.get("/v1/files/" + fileId).status()).isEqualTo(200);
      var download = http.get("/v1/files/" + fileId + "/content");
      assertThat(download.status()).isEqualTo(200);
      assertThat(download.raw().body()).isEqualTo(content);
    }
  }

  /** Waits until connecting to the server's port is refused. */
  private static void awaitRefused(String baseUrl) throws InterruptedException {
    URI base = URI.create(baseUrl);
    Instant deadline = Instant.now().plusSeconds(5);
    while (Instant.now().isBefore(deadline)) {
      try (var socket = new Socket()) {
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 1_000);
      } catch (ConnectException refused) {
        return;
      } catch (IOException other) {
        // not conclusive: try again
      }
      Thread.sleep(20);
    }
    throw new AssertionError("new connections were still accepted 5 s after SIGTERM");
  }
}
