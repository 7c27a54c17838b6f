import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Command benchmark (see BENCHMARKS.md), against a server bench/exec.sh started:
 *
 * <ol>
 *   <li>round-trip latency of {@code POST /berth/v1/sessions/{id}/exec} running {@code true},
 *       beside {@code GET /v1/files/{id}} (the cheapest authenticated request), interleaved;
 *   <li>mounting a large file, then reading it whole with {@code cat} inside the sandbox, beside
 *       {@code cat} of the same blob on the host, interleaved.
 * </ol>
 *
 * <p>Usage: java -cp berth-server/target/berth.jar bench/ExecBench.java BASE_URL API_KEY RUNS FILE DATA_DIR
 */
// Run from source as a single-file program (bench/*.sh), which lives in the unnamed package.
@SuppressWarnings("DefaultPackage")
public class ExecBench {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT = HttpClient.newHttpClient();
  static String base;
  static String key;

  public static void main(String[] args) throws Exception {
    base = args[0];
    key = args[1];
    int runs = Integer.parseInt(args[2]);
    Path file = Path.of(args[3]);
    Path dataDir = Path.of(args[4]);

    String env = post("/v1/environments", "{\"name\":\"bench\"}").get("id").asText();
    String agent =
        post("/v1/agents", "{\"name\":\"bench\",\"model\":\"claude-sonnet-4-6\"}").get("id").asText();
    String session =
        post("/v1/sessions", "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}")
            .get("id")
            .asText();
    String small = upload(HttpRequest.BodyPublishers.ofByteArray(new byte[1024]));

    for (int i = 0; i < 20; i++) { // warm-up: JIT, page cache of /usr
      exec(session, List.of("true"));
      get("/v1/files/" + small);
    }
    long[] execs = new long[runs];
    long[] gets = new long[runs];
    for (int i = 0; i < runs; i++) {
      long t = System.nanoTime();
      get("/v1/files/" + small);
      gets[i] = System.nanoTime() - t;
      t = System.nanoTime();
      JsonNode r = exec(session, List.of("true"));
      execs[i] = System.nanoTime() - t;
      if (r.get("exit_code").asInt() != 0) {
        throw new IllegalStateException("true failed: " + r);
      }
    }
    System.out.printf("%n| %d runs, interleaved | p50 ms | p99 ms |%n|---|---|---|%n", runs);
    System.out.printf("| GET /v1/files/{id} | %.2f | %.2f |%n", pct(gets, 50), pct(gets, 99));
    System.out.printf("| exec `true` | %.2f | %.2f |%n", pct(execs, 50), pct(execs, 99));
    System.out.printf(
        "| exec / GET | %.1f | %.1f |%n",
        pct(execs, 50) / pct(gets, 50),
        pct(execs, 99) / pct(gets, 99));

    long size = Files.size(file);
    System.out.printf("%nuploading %d MiB ...%n", size >> 20);
    String big = upload(HttpRequest.BodyPublishers.ofFile(file));
    System.out.printf(
        "%n| %d MiB, 3 runs interleaved | mount (add resource) ms | cat in sandbox ms | mount + cat"
            + " ms | cat on host ms | (mount + cat) / host |%n|---|---|---|---|---|---|%n",
        size >> 20);
    for (int run = 1; run <= 3; run++) {
      String mountPath = "/mnt/session/uploads/big-" + run + ".bin";
      long t = System.nanoTime();
      JsonNode added =
          post(
              "/v1/sessions/" + session + "/resources",
              "{\"type\":\"file\",\"file_id\":\"" + big + "\",\"mount_path\":\"" + mountPath + "\"}");
      long mount = System.nanoTime() - t;
      t = System.nanoTime();
      JsonNode r =
          exec(session, List.of("sh", "-c", "cat " + mountPath + " > /dev/null"), 600_000);
      long inside = System.nanoTime() - t;
      if (r.get("exit_code").asInt() != 0) {
        throw new IllegalStateException("cat failed: " + r);
      }
      Path onHost = dataDir.resolve("sandboxes/" + session + mountPath);
      t = System.nanoTime();
      int exit = new ProcessBuilder("sh", "-c", "cat '" + onHost + "' > /dev/null").start().waitFor();
      long host = System.nanoTime() - t;
      if (exit != 0) {
        throw new IllegalStateException("cat on the host failed");
      }
      System.out.printf(
          "| run %d | %.1f | %.1f | %.1f | %.1f | %.2f |%n",
          run, ms(mount), ms(inside), ms(mount + inside), ms(host), (double) (mount + inside) / host);
      delete("/v1/sessions/" + session + "/resources/" + added.get("id").asText());
    }
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }

  static double pct(long[] nanos, int p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return ms(sorted[Math.max(0, Math.min(i, sorted.length - 1))]);
  }

  static JsonNode exec(String session, List<String> command) throws Exception {
    return exec(session, command, 30_000);
  }

  static JsonNode exec(String session, List<String> command, int timeoutMs) throws Exception {
    return post(
        "/berth/v1/sessions/" + session + "/exec",
        JSON.writeValueAsString(Map.of("command", command, "timeout_ms", timeoutMs)));
  }

  static String upload(HttpRequest.BodyPublisher bytes) throws Exception {
    String boundary = "bench-boundary";
    var head =
        HttpRequest.BodyPublishers.ofString(
            "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n");
    var tail = HttpRequest.BodyPublishers.ofString("\r\n--" + boundary + "--\r\n");
    var req =
        request("/v1/files")
            .header("content-type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.concat(head, bytes, tail))
            .build();
    return check(CLIENT.send(req, HttpResponse.BodyHandlers.ofString())).get("id").asText();
  }

  static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .header("x-api-key", key)
        .header("anthropic-beta", "managed-agents-2026-04-01");
  }

  static JsonNode get(String path) throws Exception {
    return check(CLIENT.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()));
  }

  static JsonNode delete(String path) throws Exception {
    return check(
        CLIENT.send(request(path).DELETE().build(), HttpResponse.BodyHandlers.ofString()));
  }

  static JsonNode post(String path, String json) throws Exception {
    var req =
        request(path)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    return check(CLIENT.send(req, HttpResponse.BodyHandlers.ofString()));
  }

  static JsonNode check(HttpResponse<String> r) throws Exception {
    if (r.statusCode() != 200) {
      throw new IllegalStateException(r.request().uri() + " -> " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }
}
