import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scale-out benchmark (see BENCHMARKS.md), against servers bench/cluster.sh started:
 *
 * <ol>
 *   <li>add+delete resource pairs per second through the embedded default, through one node on
 *       PostgreSQL, and through two nodes on the same PostgreSQL (each request to the next node in
 *       turn, as a round-robin load balancer would send it), one after the other for the same time;
 *   <li>upload throughput of one file, to a node on the local blob store and to a node on S3,
 *       interleaved.
 * </ol>
 *
 * <p>Usage: java -cp berth-server/target/berth.jar bench/ClusterBench.java API_KEY SECONDS CONCURRENCY FILE
 * SQLITE_URL PG_A_URL PG_B_URL S3_URL
 */
// Run from source as a single-file program (bench/*.sh), which lives in the unnamed package.
@SuppressWarnings("DefaultPackage")
public class ClusterBench {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT =
      HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
  static String key;

  public static void main(String[] args) throws Exception {
    key = args[0];
    int seconds = Integer.parseInt(args[1]);
    int concurrency = Integer.parseInt(args[2]);
    Path file = Path.of(args[3]);
    String sqlite = args[4];
    String a = args[5];
    String b = args[6];
    String s3 = args[7];

    System.out.printf("%n| nodes | add+delete pairs/s (%d clients) | vs embedded default |%n", concurrency);
    System.out.println("|---|---|---|");
    double base = pairs(List.of(sqlite), concurrency, seconds);
    System.out.printf("| 1, SQLite + local blobs | %.0f | 1.00 |%n", base);
    double one = pairs(List.of(a), concurrency, seconds);
    System.out.printf("| 1, PostgreSQL + S3 | %.0f | %.2f |%n", one, one / base);
    double two = pairs(List.of(a, b), concurrency, seconds);
    System.out.printf("| 2, PostgreSQL + S3 | %.0f | %.2f (%.2f of one node) |%n", two, two / base, two / one);

    long size = java.nio.file.Files.size(file);
    System.out.printf("%n| upload of %d MiB, 3 runs interleaved | local blob store MiB/s | S3 MiB/s | S3 / local |%n", size >> 20);
    System.out.println("|---|---|---|---|");
    for (int run = 1; run <= 3; run++) {
      double local = uploadMiBs(sqlite, file, size);
      double remote = uploadMiBs(s3, file, size);
      System.out.printf("| run %d | %.0f | %.0f | %.2f |%n", run, local, remote, remote / local);
    }
  }

  /** Pairs per second with {@code clients} closed-loop clients, each on its own session. */
  static double pairs(List<String> nodes, int clients, int seconds) throws Exception {
    String env = post(nodes.get(0), "/v1/environments", "{\"name\":\"bench\"}").get("id").asText();
    String agent =
        post(nodes.get(0), "/v1/agents", "{\"name\":\"bench\",\"model\":\"claude-sonnet-4-6\"}")
            .get("id")
            .asText();
    String fileId = upload(nodes.get(0), HttpRequest.BodyPublishers.ofByteArray(new byte[1024]));
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      sessions.add(
          post(
                  nodes.get(i % nodes.size()),
                  "/v1/sessions",
                  "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}")
              .get("id")
              .asText());
    }
    loop(nodes, sessions, fileId, 1); // warm-up
    return loop(nodes, sessions, fileId, seconds) / (double) seconds;
  }

  static long loop(List<String> nodes, List<String> sessions, String fileId, int seconds)
      throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong done = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < sessions.size(); i++) {
      String session = sessions.get(i);
      int first = i;
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    int turn = first;
                    while (!stop.get()) {
                      String path = "/v1/sessions/" + session + "/resources";
                      String id =
                          post(
                                  nodes.get(turn++ % nodes.size()),
                                  path,
                                  "{\"type\":\"file\",\"file_id\":\"" + fileId + "\"}")
                              .get("id")
                              .asText();
                      send(nodes.get(turn++ % nodes.size()), HttpRequest.newBuilder().DELETE(), path + "/" + id);
                      done.incrementAndGet();
                    }
                  }));
    }
    Thread.sleep(seconds * 1000L);
    stop.set(true);
    long count = done.get();
    for (Thread t : threads) {
      t.join();
    }
    return count;
  }

  /** One upload; a fresh first line makes every upload new bytes, so none is deduplicated. */
  static double uploadMiBs(String node, Path file, long size) throws Exception {
    long start = System.nanoTime();
    upload(
        node,
        HttpRequest.BodyPublishers.concat(
            HttpRequest.BodyPublishers.ofString(java.util.UUID.randomUUID() + "\n"),
            HttpRequest.BodyPublishers.ofFile(file)));
    return (size / 1048576.0) / ((System.nanoTime() - start) / 1e9);
  }

  static String upload(String node, HttpRequest.BodyPublisher bytes) {
    String boundary = "bench-boundary-7f3a";
    var body =
        HttpRequest.BodyPublishers.concat(
            HttpRequest.BodyPublishers.ofString(
                "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.bin\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n"),
            bytes,
            HttpRequest.BodyPublishers.ofString("\r\n--" + boundary + "--\r\n"));
    return send(
            node,
            HttpRequest.newBuilder()
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(body),
            "/v1/files")
        .get("id")
        .asText();
  }

  static JsonNode post(String node, String path, String json) {
    return send(
        node,
        HttpRequest.newBuilder()
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)),
        path);
  }

  static JsonNode send(String node, HttpRequest.Builder request, String path) {
    try {
      HttpResponse<String> r =
          CLIENT.send(
              request
                  .uri(URI.create(node + path))
                  .header("x-api-key", key)
                  .header("anthropic-beta", "managed-agents-2026-04-01")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
      }
      return JSON.readTree(r.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
