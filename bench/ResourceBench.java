import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Side-by-side load test of a running Berth (see BENCHMARKS.md): for each concurrency, the
 * cheapest authenticated endpoint (the ceiling) and add+delete resource pairs, each for the same
 * time: pairs mounting at {@code /b/f<i>}, whose add makes the directory {@code b} and whose delete
 * removes it, and pairs at the default path, in the uploads directory itself; then add latency for
 * a 1 KiB and a 1 GiB file, interleaved.
 *
 * <p>With the server's pid it also prints the server's CPU time per request in each phase, read
 * from {@code /proc/<pid>/stat}, and this client's own from {@code /proc/self/stat}: on a shared
 * machine that tells where the gap to the ceiling comes from better than the rates do, and at one
 * client, where the two take turns, whose side of the loop it is on.
 *
 * <p>Usage: java -cp berth-server/target/berth.jar bench/ResourceBench.java BASE_URL API_KEY SECONDS BIG_FILE
 * [SERVER_PID]
 */
// Run from source as a single-file program (bench/*.sh), which lives in the unnamed package.
@SuppressWarnings("DefaultPackage")
public class ResourceBench {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT =
      HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
  static String base;
  static String key;
  static long serverPid;

  public static void main(String[] args) throws Exception {
    base = args[0];
    key = args[1];
    int seconds = Integer.parseInt(args[2]);
    Path big = Path.of(args[3]);
    serverPid = args.length > 4 ? Long.parseLong(args[4]) : -1;

    String env = post("/v1/environments", "{\"name\":\"bench\"}").get("id").asText();
    String agent =
        post("/v1/agents", "{\"name\":\"bench\",\"model\":\"claude-sonnet-4-6\"}").get("id").asText();
    String small = upload(HttpRequest.BodyPublishers.ofByteArray(new byte[1024]), 1024);
    System.out.printf("uploading %d MiB for the large-file case...%n", Files.size(big) >> 20);
    String large = upload(HttpRequest.BodyPublishers.ofFile(big), Files.size(big));

    System.out.println();
    System.out.println("| concurrency | ceiling req/s | pairs/s, in a new directory | requests/ceiling"
        + " | pairs/s, default path | requests/ceiling | ceiling p50/p99 ms | pair p50/p99 ms,"
        + " new directory / default path | server CPU µs per request: ceiling / add or delete,"
        + " new directory / default path | client CPU µs per request: ceiling / add or delete,"
        + " new directory / default path |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    String levels = System.getenv().getOrDefault("BENCH_CONCURRENCY", "1,16,64");
    // The server's JIT compiles both request paths before anything is measured; then each level
    // alternates short ceiling and pair runs, so a burst of noise from elsewhere on the machine
    // lands on both sides alike. (On a two-core machine C2 can still be busy for the first half
    // minute; a warm-up four times as long left the one-client ratios where they were.)
    List<String> warm = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      warm.add(session(agent, env));
    }
    run(16, seconds, i -> get("/v1/files/" + small));
    run(16, seconds, i -> addDelete(warm.get(i), small, "/w/f" + i));
    run(16, seconds, i -> addDelete(warm.get(i), small, null));
    int rounds = 3;
    for (int c : Arrays.stream(levels.split(",")).mapToInt(Integer::parseInt).toArray()) {
      List<String> sessions = new ArrayList<>();
      for (int i = 0; i < c; i++) {
        sessions.add(session(agent, env));
      }
      Result ceiling = Result.EMPTY;
      Result pairs = Result.EMPTY;
      Result plain = Result.EMPTY;
      double part = seconds / (double) rounds;
      for (int r = 0; r < rounds; r++) {
        ceiling = ceiling.plus(run(c, part, i -> get("/v1/files/" + small)));
        pairs = pairs.plus(run(c, part, i -> addDelete(sessions.get(i), small, "/b/f" + i)));
        plain = plain.plus(run(c, part, i -> addDelete(sessions.get(i), small, null)));
      }
      System.out.printf(
          "| %d | %.0f | %.0f | %.2f | %.0f | %.2f | %.2f / %.2f | %.2f / %.2f, %.2f / %.2f | %s |"
              + " %.0f / %.0f, %.0f |%n",
          c,
          ceiling.rate(),
          pairs.rate(),
          2 * pairs.rate() / ceiling.rate(),
          plain.rate(),
          2 * plain.rate() / ceiling.rate(),
          ceiling.p(50),
          ceiling.p(99),
          pairs.p(50),
          pairs.p(99),
          plain.p(50),
          plain.p(99),
          serverPid < 0
              ? "-"
              : String.format(
                  "%.0f / %.0f, %.0f",
                  ceiling.cpuMicrosPerOp(),
                  pairs.cpuMicrosPerOp() / 2,
                  plain.cpuMicrosPerOp() / 2),
          ceiling.clientCpuMicrosPerOp(),
          pairs.clientCpuMicrosPerOp() / 2,
          plain.clientCpuMicrosPerOp() / 2);
    }

    String s = session(agent, env);
    int samples = 30;
    double[] smallMs = new double[samples];
    double[] largeMs = new double[samples];
    for (int i = 0; i < samples; i++) {
      smallMs[i] = timedAddDelete(s, small);
      largeMs[i] = timedAddDelete(s, large);
    }
    Arrays.sort(smallMs);
    Arrays.sort(largeMs);
    System.out.println();
    System.out.println("| file | add p50 ms | add p99 ms |");
    System.out.println("|---|---|---|");
    System.out.printf("| 1 KiB | %.2f | %.2f |%n", smallMs[samples / 2], smallMs[samples - 1]);
    System.out.printf(
        "| %d MiB | %.2f | %.2f |%n", Files.size(big) >> 20, largeMs[samples / 2], largeMs[samples - 1]);
    System.out.printf("large/small add p50 ratio: %.2f%n", largeMs[samples / 2] / smallMs[samples / 2]);
  }

  /**
   * Adds {@code file} to the session and deletes it again: at {@code mountPath}, or at the default
   * path ({@code /mnt/session/uploads/<file_id>}, the seed example's call) when it is null.
   */
  static void addDelete(String session, String file, String mountPath) throws Exception {
    String path = mountPath == null ? "" : ",\"mount_path\":\"" + mountPath + "\"";
    JsonNode r =
        post(
            "/v1/sessions/" + session + "/resources",
            "{\"type\":\"file\",\"file_id\":\"" + file + "\"" + path + "}");
    delete("/v1/sessions/" + session + "/resources/" + r.get("id").asText());
  }

  static double timedAddDelete(String session, String file) throws Exception {
    long t0 = System.nanoTime();
    JsonNode r =
        post(
            "/v1/sessions/" + session + "/resources",
            "{\"type\":\"file\",\"file_id\":\"" + file + "\",\"mount_path\":\"/big/x\"}");
    double ms = (System.nanoTime() - t0) / 1e6;
    delete("/v1/sessions/" + session + "/resources/" + r.get("id").asText());
    return ms;
  }

  interface Op {
    void run(int worker) throws Exception;
  }

  /**
   * Operations done, in how many seconds, their latencies (sorted), and the server's and this
   * client's CPU time.
   */
  static final class Result {
    static final Result EMPTY = new Result(0, 0, new double[0], 0, 0);

    final long count;
    final double seconds;
    final double[] latenciesMs;
    final double serverCpuSeconds;
    final double clientCpuSeconds;

    Result(
        long count,
        double seconds,
        double[] latenciesMs,
        double serverCpuSeconds,
        double clientCpuSeconds) {
      this.count = count;
      this.seconds = seconds;
      this.latenciesMs = latenciesMs;
      this.serverCpuSeconds = serverCpuSeconds;
      this.clientCpuSeconds = clientCpuSeconds;
    }

    Result plus(Result o) {
      double[] all = Arrays.copyOf(latenciesMs, latenciesMs.length + o.latenciesMs.length);
      System.arraycopy(o.latenciesMs, 0, all, latenciesMs.length, o.latenciesMs.length);
      Arrays.sort(all);
      return new Result(
          count + o.count,
          seconds + o.seconds,
          all,
          serverCpuSeconds + o.serverCpuSeconds,
          clientCpuSeconds + o.clientCpuSeconds);
    }

    double cpuMicrosPerOp() {
      return serverCpuSeconds * 1e6 / count;
    }

    double clientCpuMicrosPerOp() {
      return clientCpuSeconds * 1e6 / count;
    }

    double rate() {
      return count / seconds;
    }

    double p(int pct) {
      return latenciesMs.length == 0
          ? 0
          : latenciesMs[Math.min(latenciesMs.length - 1, latenciesMs.length * pct / 100)];
    }
  }

  static Result run(int workers, double seconds, Op op) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    List<List<Double>> lat = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    double cpu0 = serverCpuSeconds();
    double own0 = cpuSeconds("self");
    long t0 = System.nanoTime();
    for (int w = 0; w < workers; w++) {
      List<Double> mine = new ArrayList<>();
      lat.add(mine);
      int id = w;
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (!stop.get()) {
                      long s = System.nanoTime();
                      try {
                        op.run(id);
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                      mine.add((System.nanoTime() - s) / 1e6);
                    }
                  }));
    }
    Thread.sleep((long) (seconds * 1000));
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    double elapsed = (System.nanoTime() - t0) / 1e9;
    double cpu = serverCpuSeconds() - cpu0;
    double own = cpuSeconds("self") - own0;
    double[] all = lat.stream().flatMap(List::stream).mapToDouble(Double::doubleValue).sorted().toArray();
    return new Result(all.length, elapsed, all, cpu, own);
  }

  /** User plus system time of the server process so far, 0 without its pid. */
  static double serverCpuSeconds() throws Exception {
    return serverPid < 0 ? 0 : cpuSeconds(Long.toString(serverPid));
  }

  /**
   * User plus system time so far of the process {@code /proc/<process>} names ({@code self}: this
   * one), from fields 14 and 15 of its stat, in clock ticks.
   */
  static double cpuSeconds(String process) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + process + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // USER_HZ is 100 on Linux
  }

  static String session(String agent, String env) throws Exception {
    return post("/v1/sessions", "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}")
        .get("id")
        .asText();
  }

  static String upload(HttpRequest.BodyPublisher bytes, long size) throws Exception {
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
    return check(CLIENT.send(request(path).DELETE().build(), HttpResponse.BodyHandlers.ofString()));
  }

  static JsonNode post(String path, String body) throws Exception {
    var req =
        request(path)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return check(CLIENT.send(req, HttpResponse.BodyHandlers.ofString()));
  }

  static JsonNode check(HttpResponse<String> r) throws Exception {
    if (r.statusCode() != 200) {
      throw new IllegalStateException(r.request().uri() + " → " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }
}
