package dev.berth.cluster;

import static dev.berth.testing.Fixtures.fileResource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import dev.berth.testing.BerthProcess;
import dev.berth.testing.BerthProcess.Finished;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.Sandboxes;
import dev.berth.testing.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Berth processes on one PostgreSQL database and one bucket: any node serves any request,
 * racing requests spread over both get exactly the outcomes they would get from one node, and keys
 * made or revoked on the database ({@code berth keys}) hold on both.
 */
class TwoNodesIT {
  @TempDir static Path dirA;
  @TempDir static Path dirB;
  static TestStores stores;
  static BerthProcess a;
  static BerthProcess b;

  @BeforeAll
  static void startTwoNodes() throws Exception {
    stores = TestStores.provisionShared();
    a = BerthProcess.start(stores, dirA);
    b = BerthProcess.start(stores, dirB);
  }

  @AfterAll
  static void stop() throws Exception {
    a.close();
    b.close();
    stores.close();
  }

  @Test
  void resourceAddedThroughOneNodeIsListedAndDeletedThroughTheOther() throws Exception {
    String file = Fixtures.upload(a.http(), "shared.txt", "on both nodes");
    String session = Fixtures.session(a.http()); // node A holds it: A made it
    String base = "/v1/sessions/" + session + "/resources";

    var added = a.http().post(base, fileResource(file, "/through-a.txt"));
    assertThat(added.status()).isEqualTo(200);
    String id = added.json().get("id").asText();
    var listed = b.http().get(base);
    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.json().get("data")).hasSize(1);
    assertThat(listed.json().get("data").get(0).get("id").asText()).isEqualTo(id);

    var viaB = b.http().post(base, fileResource(file, "/through-b.txt"));
    assertThat(viaB.status()).isEqualTo(200);
    awaitSandbox(
        dirA,
        session,
        Map.of(
            "/mnt/session/uploads/through-a.txt", "on both nodes",
            "/mnt/session/uploads/through-b.txt", "on both nodes"));
    assertThat(Sandboxes.uploads(dirB, session)).isEmpty(); // B does not hold the session

    assertThat(b.http().delete(base + "/" + id).status()).isEqualTo(200);
    assertThat(a.http().get(base + "/" + id).status()).isEqualTo(404);
    awaitSandbox(dirA, session, Map.of("/mnt/session/uploads/through-b.txt", "on both nodes"));
  }

  @Test
  void commandsRunOnTheNodeHoldingTheSessionAndAnotherNodeAnswers421() {
    String file = Fixtures.upload(a.http(), "exec.txt", "held by A");
    String session = Fixtures.session(a.http()); // node A holds it: A made it
    assertThat(
            b.http()
                .post("/v1/sessions/" + session + "/resources", fileResource(file, "/exec.txt"))
                .status())
        .isEqualTo(200);

    var onA =
        Commands.exec(
            a.http(),
            session,
            "sh",
            "-c",
            "for i in $(seq 50); do [ -f /mnt/session/uploads/exec.txt ] && break; sleep 0.1;"
                + " done; cat /mnt/session/uploads/exec.txt");
    assertThat(onA.status()).as("%s", onA.json()).isEqualTo(200);
    assertThat(onA.json().get("stdout").asText()).isEqualTo("held by A");

    var onB = Commands.exec(b.http(), session, "true");
    assertThat(onB.status()).as("%s", onB.json()).isEqualTo(421);
    assertThat(onB.errorType()).isEqualTo("invalid_request_error");
    assertThat(onB.json().at("/error/details/error_code").asText())
        .isEqualTo("session_on_another_node");
    assertThat(onB.header("x-should-retry")).isEqualTo("false");
  }

  @Test
  void twentyParallelAddsOfOnePathOverBothNodesHaveExactlyOneWinner() throws Exception {
    String file = Fixtures.upload(a.http(), "race.txt", "race");
    String session = Fixtures.session(b.http());
    List<Integer> statuses =
        race(20, i -> node(i).post(resources(session), fileResource(file, "/same.txt")));
    assertThat(statuses).filteredOn(s -> s == 200).hasSize(1);
    assertThat(statuses).filteredOn(s -> s == 409).hasSize(19);
    assertThat(a.http().get(resources(session)).json().get("data")).hasSize(1);
  }

  @Test
  void hundredAndTenParallelAddsOverBothNodesStopAtTheCapOfAHundred() throws Exception {
    String file = Fixtures.upload(a.http(), "cap.txt", "cap");
    String session = Fixtures.session(a.http());
    List<Integer> statuses =
        race(110, i -> node(i).post(resources(session), fileResource(file, "/f" + i)));
    assertThat(statuses).filteredOn(s -> s == 200).hasSize(100);
    assertThat(statuses).filteredOn(s -> s == 400).hasSize(10);
    int listed = 0;
    for (var page : Fixtures.pages(b.http(), resources(session) + "?limit=100")) {
      listed += page.json().get("data").size();
    }
    assertThat(listed).isEqualTo(100);
  }

  private static Finished keys(String... args) throws Exception {
    var all = new ArrayList<>(List.of("keys"));
    all.addAll(List.of(args));
    all.addAll(List.of("--database-url", stores.databaseUrl().orElseThrow()));
    return BerthProcess.run(all);
  }

  @Test
  void aKeyMadeOnTheDatabaseWorksOnBothNodesAtOnceAndARevokedOneFailsOnBothWithinASecond()
      throws Exception {
    Finished created = keys("create", "--workspace", "shared");
    assertThat(created.status()).as("%s", created).isZero();
    String key = created.out().strip();
    String id = created.err().replaceFirst("(?s)^Created API key (apikey_\\w+) .*", "$1");

    // each node has now read the key and keeps what it read for a while
    assertThat(a.http(key).get("/v1/files").status()).isEqualTo(200);
    assertThat(b.http(key).get("/v1/files").status()).isEqualTo(200);
    String file = Fixtures.upload(a.http(key), "both.txt", "one workspace");
    assertThat(b.http(key).get("/v1/files/" + file).status()).isEqualTo(200);

    Finished list = keys("list");
    assertThat(list.out()).containsPattern(id + " +shared +\\S+ +-\n").doesNotContain(key);

    Finished revoke = keys("revoke", id);
    Instant revoked = Instant.now();
    assertThat(revoke.status()).as("%s", revoke).isZero();
    Instant deadline = revoked.plus(Duration.ofSeconds(1));
    Await.unauthorized(a.http(key), deadline);
    Await.unauthorized(b.http(key), deadline);
    assertThat(a.http().get("/v1/files").status()).isEqualTo(200);
    assertThat(b.http().get("/v1/files").status()).isEqualTo(200);
  }

  private static Http node(int i) {
    return i % 2 == 0 ? a.http() : b.http();
  }

  private static String resources(String session) {
    return "/v1/sessions/" + session + "/resources";
  }

  /** Sends {@code n} requests at once, half through each node; their statuses. */
  private static List<Integer> race(int n, IntFunction<Http.Response> request) throws Exception {
    var start = new CountDownLatch(1);
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return request.apply(index).status();
                }));
      }
      start.countDown();
      List<Integer> statuses = new ArrayList<>();
      for (var r : results) {
        statuses.add(r.get());
      }
      return statuses;
    }
  }

  /** Waits for the holder to apply a change made through the other node. */
  static void awaitSandbox(Path dataDir, String session, Map<String, String> expected)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!Sandboxes.uploads(dataDir, session).equals(expected) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(Sandboxes.uploads(dataDir, session)).isEqualTo(expected);
  }
}
