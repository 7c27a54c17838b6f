package dev.berth.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import dev.berth.testing.BerthProcess;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.TestStores;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Berth under a descriptor limit it cannot raise, with more sessions and more client connections
 * than descriptors, several rounds over: every add it acknowledges is in the sandbox, every refusal
 * is a 503 the client may retry, nothing hangs, and once the load is gone everything works again
 * without a restart.
 */
class DescriptorExhaustionIT {
  private static final int DESCRIPTORS = 512;
  private static final int SESSIONS = 600;
  private static final int IDLE_CONNECTIONS = 700;
  private static final int ROUNDS = 3;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dataDir;
  @RegisterExtension final TestStores stores = TestStores.provision();

  /** An add the server answered 200. */
  record Acknowledged(String session, String mountPath) {}

  @Test
  void underDescriptorExhaustionEveryAcknowledgedAddIsMountedAndEveryRefusalIsARetryable503()
      throws Exception {
    try (BerthProcess berth = BerthProcess.startWithDescriptorLimit(DESCRIPTORS, stores, dataDir)) {
      assertThat(berth.logText())
          .contains("file descriptors: soft limit " + DESCRIPTORS + ", hard limit " + DESCRIPTORS);
      Http http = berth.http();
      String fileId = Fixtures.upload(http, "data.txt", "payload");
      List<String> sessions = new ArrayList<>();
      for (int i = 0; i < SESSIONS; i++) {
        sessions.add(Fixtures.session(http));
      }
      List<Acknowledged> acknowledged = new ArrayList<>();
      Map<String, Integer> refusals = new ConcurrentHashMap<>();
      ExecutorService clients = Executors.newFixedThreadPool(48);
      try {
        for (int round = 0; round < ROUNDS; round++) {
          List<Socket> idle = idleConnections(berth);
          try {
            List<Future<Acknowledged>> adds = new ArrayList<>();
            for (int i = 0; i < sessions.size(); i++) {
              String session = sessions.get(i);
              String path = "/mnt/session/uploads/r" + round + ".txt";
              boolean exec = i % 10 == 0;
              adds.add(
                  clients.submit(
                      () -> {
                        if (exec) {
                          check(
                              http.send(
                                  Commands.request(
                                          http, session, Map.of("command", List.of("true")))
                                      .timeout(REQUEST_TIMEOUT)),
                              refusals);
                        }
                        var r =
                            http.send(
                                http.builder("/v1/sessions/" + session + "/resources")
                                    .timeout(REQUEST_TIMEOUT)
                                    .header("content-type", "application/json")
                                    .POST(
                                        java.net.http.HttpRequest.BodyPublishers.ofString(
                                            Fixtures.fileResource(fileId, path))));
                        return check(r, refusals) ? new Acknowledged(session, path) : null;
                      }));
            }
            for (var add : adds) {
              Acknowledged a = add.get();
              if (a != null) {
                acknowledged.add(a);
              }
            }
          } finally {
            for (Socket s : idle) {
              s.close();
            }
          }
        }
      } finally {
        clients.shutdownNow();
      }
      assertThat(refusals.keySet()).allMatch(k -> k.startsWith("503 overloaded_error true"));
      assertThat(acknowledged).isNotEmpty();

      // the load is gone: every acknowledged mount is (or soon is) on disk, and everything works
      Await.until(
          "every acknowledged add is in its sandbox",
          Duration.ofSeconds(60),
          () -> acknowledged.stream().allMatch(a -> Files.isRegularFile(onDisk(a))));
      Acknowledged last = acknowledged.getLast();
      var cat = Commands.exec(http, last.session(), "cat", last.mountPath());
      assertThat(cat.status()).isEqualTo(200);
      assertThat(cat.json().get("stdout").asText()).isEqualTo("payload");
      var more =
          http.post(
              "/v1/sessions/" + sessions.getFirst() + "/resources",
              Fixtures.fileResource(fileId, "/mnt/session/uploads/after.txt"));
      assertThat(more.status()).isEqualTo(200);
    }
  }

  /**
   * Whether the answer is a 200; anything else is counted by status, error type and retry header,
   * which must all read {@code 503 overloaded_error true}.
   */
  private static boolean check(Http.Response r, Map<String, Integer> refusals) {
    if (r.status() == 200) {
      return true;
    }
    String key = r.status() + " " + r.errorType() + " " + r.header("x-should-retry");
    refusals.merge(key, 1, Integer::sum);
    return false;
  }

  private Path onDisk(Acknowledged a) {
    return dataDir.resolve("sandboxes").resolve(a.session()).resolve(a.mountPath().substring(1));
  }

  /**
   * Up to more connections than the server has descriptors, sending nothing; stops early once the
   * server takes no more (its backlog is full).
   */
  private static List<Socket> idleConnections(BerthProcess berth) throws IOException {
    int port = Integer.parseInt(berth.baseUrl().substring(berth.baseUrl().lastIndexOf(':') + 1));
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < IDLE_CONNECTIONS; i++) {
      var socket = new Socket();
      try {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      } catch (SocketTimeoutException full) {
        socket.close();
        break;
      }
      sockets.add(socket);
    }
    return sockets;
  }
}
