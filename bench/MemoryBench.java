import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Memory store benchmark (see BENCHMARKS.md), against a server bench/memory.sh started:
 *
 * <ol>
 *   <li>memory creates and updates beside the ceiling, {@code GET /v1/memory_stores/{id}} (one
 *       indexed read), each client on a store of its own, then all clients on one store; short
 *       runs of the three take turns, so noise from elsewhere lands on all of them;
 *   <li>a page of a store of 10,000 memories (100 directories of 100) at {@code depth=1} (the 100
 *       directories as prefixes) and with {@code depth} unset (100 memories), interleaved with the
 *       ceiling;
 *   <li>the time from a command's write to a read-write store's file to its version: the command
 *       prints the clock right after its write ({@code $EPOCHREALTIME}, bash's), the version's
 *       {@code created_at} is when the session recorded it, and the command's answer comes once it
 *       is committed.
 * </ol>
 *
 * <p>With the server's pid it also prints the server's CPU time per request in each run, read from
 * {@code /proc/<pid>/stat}. {@code BENCH_PARTS} (default {@code writes,list,latency}) picks parts,
 * {@code BENCH_CONCURRENCY} (default {@code 1,16}) the client counts of the first.
 *
 * <p>Usage: java -cp berth-server/target/berth.jar bench/MemoryBench.java BASE_URL API_KEY SECONDS
 * RUNS [SERVER_PID]
 */
// Run from source as a single-file program (bench/*.sh), which lives in the unnamed package.
@SuppressWarnings("DefaultPackage")
public class MemoryBench {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT =
      HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
  static final String CONTENT = "x".repeat(512);
  static String base;
  static String key;
  static long serverPid;

  public static void main(String[] args) throws Exception {
    base = args[0];
    key = args[1];
    int seconds = Integer.parseInt(args[2]);
    int runs = Integer.parseInt(args[3]);
    serverPid = args.length > 4 ? Long.parseLong(args[4]) : -1;

    List<String> parts =
        List.of(System.getenv().getOrDefault("BENCH_PARTS", "writes,list,latency").split(",", -1));
    if (parts.contains("writes")) {
      writes(seconds);
    }
    if (parts.contains("list")) {
      list();
    }
    if (parts.contains("latency")) {
      writeToVersion(runs);
    }
  }

  /** Creates and updates against the ceiling, at each client count. */
  static void writes(int seconds) throws Exception {
    int most = 16;
    List<String> stores = new ArrayList<>();
    List<String> memories = new ArrayList<>();
    for (int i = 0; i < most; i++) {
      stores.add(store("bench " + i));
      memories.add(create(stores.get(i), "/updated.md", CONTENT));
    }
    String shared = store("shared");
    List<String> sharedMemories = new ArrayList<>();
    for (int i = 0; i < most; i++) {
      sharedMemories.add(create(shared, "/updated-" + i + ".md", CONTENT));
    }
    AtomicLong names = new AtomicLong();
    Op ceiling = w -> get("/v1/memory_stores/" + stores.get(w));
    Op creates = w -> create(stores.get(w), "/c/" + names.incrementAndGet() + ".md", CONTENT);
    Op updates = w -> update(stores.get(w), memories.get(w), names.incrementAndGet());
    Op sharedCreates = w -> create(shared, "/c/" + names.incrementAndGet() + ".md", CONTENT);
    Op sharedUpdates = w -> update(shared, sharedMemories.get(w), names.incrementAndGet());
    // The server's JIT compiles every request path before anything is measured.
    run(most, seconds, ceiling);
    run(most, seconds, creates);
    run(most, seconds, updates);

    System.out.println();
    System.out.println(
        "| clients | ceiling req/s | creates/s | creates / ceiling | updates/s | updates / ceiling"
            + " | p50 / p99 ms: ceiling; create; update | server CPU µs per request: ceiling /"
            + " create / update |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    String levels = System.getenv().getOrDefault("BENCH_CONCURRENCY", "1,16");
    for (int c : Arrays.stream(levels.split(",")).mapToInt(Integer::parseInt).toArray()) {
      row(String.valueOf(c), c, seconds, ceiling, creates, updates);
    }
    row(most + ", one store", most, seconds, ceiling, sharedCreates, sharedUpdates);
  }

  static void row(String label, int clients, int seconds, Op ceiling, Op creates, Op updates)
      throws Exception {
    int rounds = 3;
    double part = seconds / (double) rounds;
    Result g = Result.EMPTY;
    Result c = Result.EMPTY;
    Result u = Result.EMPTY;
    for (int r = 0; r < rounds; r++) {
      g = g.plus(run(clients, part, ceiling));
      c = c.plus(run(clients, part, creates));
      u = u.plus(run(clients, part, updates));
    }
    System.out.printf(
        "| %s | %.0f | %.0f | **%.2f** | %.0f | **%.2f** | %.2f / %.2f; %.2f / %.2f; %.2f / %.2f |"
            + " %s |%n",
        label,
        g.rate(),
        c.rate(),
        c.rate() / g.rate(),
        u.rate(),
        u.rate() / g.rate(),
        g.p(50),
        g.p(99),
        c.p(50),
        c.p(99),
        u.p(50),
        u.p(99),
        serverPid < 0
            ? "-"
            : String.format(
                "%.0f / %.0f / %.0f",
                g.cpuMicrosPerOp(),
                c.cpuMicrosPerOp(),
                u.cpuMicrosPerOp()));
  }

  /** A page of a 10,000-memory store at depth 1 and with depth unset, beside the ceiling. */
  static void list() throws Exception {
    String big = store("ten thousand");
    long t0 = System.nanoTime();
    AtomicLong next = new AtomicLong();
    int clients = 16;
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < clients; w++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    for (long i = next.getAndIncrement(); i < 10_000; i = next.getAndIncrement()) {
                      String path = String.format("/d%02d/m%02d.md", i / 100, i % 100);
                      try {
                        create(big, path, CONTENT);
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    System.out.printf(
        "%nfilled a store with 10,000 memories in %.1f s (%d clients)%n",
        (System.nanoTime() - t0) / 1e9, clients);

    String memories = "/v1/memory_stores/" + big + "/memories?limit=100";
    int samples = 300;
    long[] ceiling = new long[samples];
    long[] depth1 = new long[samples];
    long[] flat = new long[samples];
    for (int i = 0; i < 50; i++) { // warm-up
      get("/v1/memory_stores/" + big);
      get(memories + "&depth=1");
      get(memories);
    }
    for (int i = 0; i < samples; i++) {
      long t = System.nanoTime();
      get("/v1/memory_stores/" + big);
      ceiling[i] = System.nanoTime() - t;
      t = System.nanoTime();
      JsonNode d = get(memories + "&depth=1");
      depth1[i] = System.nanoTime() - t;
      t = System.nanoTime();
      JsonNode f = get(memories);
      flat[i] = System.nanoTime() - t;
      if (d.get("data").size() != 100 || f.get("data").size() != 100) {
        throw new IllegalStateException("a page of 100 expected: " + d + " " + f);
      }
    }
    System.out.printf(
        "%n| %d requests each, interleaved, one client | p50 ms | p95 ms | p50 / ceiling |%n"
            + "|---|---|---|---|%n",
        samples);
    System.out.printf(
        "| GET /v1/memory_stores/{id} (ceiling) | %.2f | %.2f | 1 |%n",
        pct(ceiling, 50), pct(ceiling, 95));
    System.out.printf(
        "| 100 memories of 10,000, depth unset | %.2f | %.2f | %.1f |%n",
        pct(flat, 50), pct(flat, 95), pct(flat, 50) / pct(ceiling, 50));
    System.out.printf(
        "| 100 prefixes of 10,000 memories, depth=1 | %.2f | %.2f | %.1f |%n",
        pct(depth1, 50), pct(depth1, 95), pct(depth1, 50) / pct(ceiling, 50));
  }

  /** From a command's write to a read-write store to its version, {@code runs} times. */
  static void writeToVersion(int runs) throws Exception {
    String store = store("latency");
    String env = post("/v1/environments", "{\"name\":\"bench\"}").get("id").asText();
    String agent =
        post("/v1/agents", "{\"name\":\"bench\",\"model\":\"claude-sonnet-4-6\"}")
            .get("id")
            .asText();
    String session =
        post(
                "/v1/sessions",
                JSON.writeValueAsString(
                    Map.of(
                        "agent",
                        agent,
                        "environment_id",
                        env,
                        "resources",
                        List.of(Map.of("type", "memory_store", "memory_store_id", store)))))
            .get("id")
            .asText();
    long[] recorded = new long[runs];
    long[] answered = new long[runs];
    long[] exec = new long[runs];
    for (int i = -10; i < runs; i++) { // ten to warm up
      long t = System.nanoTime();
      JsonNode r =
          post(
              "/berth/v1/sessions/" + session + "/exec",
              JSON.writeValueAsString(
                  Map.of(
                      "command",
                      List.of(
                          "bash",
                          "-c",
                          "printf '%s' \"$1\" > /mnt/memory/latency/note.md; echo $EPOCHREALTIME",
                          "bash",
                          Integer.toString(i)))));
      long tookNanos = System.nanoTime() - t;
      Instant end = Instant.now();
      if (r.get("exit_code").asInt() != 0 || !r.get("memory_writes_refused").isEmpty()) {
        throw new IllegalStateException("the write failed: " + r);
      }
      Instant written = epoch(r.get("stdout").asText().strip());
      JsonNode version =
          get("/v1/memory_stores/" + store + "/memory_versions?limit=1&view=full")
              .get("data")
              .get(0);
      if (!version.get("content").asText().equals(Integer.toString(i))) {
        throw new IllegalStateException("not the version written: " + version);
      }
      if (i >= 0) {
        Instant created = Instant.parse(version.get("created_at").asText());
        recorded[i] = java.time.Duration.between(written, created).toNanos();
        answered[i] = java.time.Duration.between(written, end).toNanos();
        exec[i] = tookNanos;
      }
    }
    System.out.printf(
        "%n| %d commands writing one memory | p50 ms | p95 ms |%n|---|---|---|%n", runs);
    System.out.printf(
        "| write → version recorded (its created_at) | %.2f | %.2f |%n",
        pct(recorded, 50), pct(recorded, 95));
    System.out.printf(
        "| write → command's answer received (version committed) | %.2f | %.2f |%n",
        pct(answered, 50), pct(answered, 95));
    System.out.printf(
        "| whole exec round trip, for scale | %.2f | %.2f |%n", pct(exec, 50), pct(exec, 95));
  }

  /** {@code seconds.micros} since the epoch, as bash's {@code $EPOCHREALTIME} prints it. */
  static Instant epoch(String text) {
    int dot = Math.max(text.indexOf('.'), text.indexOf(','));
    return Instant.ofEpochSecond(
        Long.parseLong(text.substring(0, dot)), Long.parseLong(text.substring(dot + 1)) * 1000);
  }

  static String store(String name) throws Exception {
    return post("/v1/memory_stores", JSON.writeValueAsString(Map.of("name", name)))
        .get("id")
        .asText();
  }

  static String create(String store, String path, String content) throws Exception {
    return post(
            "/v1/memory_stores/" + store + "/memories",
            JSON.writeValueAsString(Map.of("path", path, "content", content)))
        .get("id")
        .asText();
  }

  /** A new content every time, of the same size, so each update is a change and a version. */
  static void update(String store, String memory, long n) throws Exception {
    String mark = Long.toString(n);
    post(
        "/v1/memory_stores/" + store + "/memories/" + memory,
        JSON.writeValueAsString(
            Map.of("content", mark + CONTENT.substring(mark.length()))));
  }

  static double pct(long[] nanos, int p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(i, sorted.length - 1))] / 1e6;
  }

  interface Op {
    void run(int worker) throws Exception;
  }

  /** Operations done, in how many seconds, their latencies (sorted) and the server's CPU time. */
  static final class Result {
    static final Result EMPTY = new Result(0, 0, new double[0], 0);

    final long count;
    final double seconds;
    final double[] latenciesMs;
    final double serverCpuSeconds;

    Result(long count, double seconds, double[] latenciesMs, double serverCpuSeconds) {
      this.count = count;
      this.seconds = seconds;
      this.latenciesMs = latenciesMs;
      this.serverCpuSeconds = serverCpuSeconds;
    }

    Result plus(Result o) {
      double[] all = Arrays.copyOf(latenciesMs, latenciesMs.length + o.latenciesMs.length);
      System.arraycopy(o.latenciesMs, 0, all, latenciesMs.length, o.latenciesMs.length);
      Arrays.sort(all);
      return new Result(
          count + o.count, seconds + o.seconds, all, serverCpuSeconds + o.serverCpuSeconds);
    }

    double cpuMicrosPerOp() {
      return serverCpuSeconds * 1e6 / count;
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

  /** {@code workers} closed-loop clients doing {@code op} for {@code seconds}. */
  static Result run(int workers, double seconds, Op op) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    List<List<Double>> lat = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    double cpu0 = serverCpuSeconds();
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
    double[] all =
        lat.stream().flatMap(List::stream).mapToDouble(Double::doubleValue).sorted().toArray();
    return new Result(all.length, elapsed, all, cpu);
  }

  /** User plus system time of the server process so far (fields 14 and 15, in clock ticks). */
  static double serverCpuSeconds() throws Exception {
    if (serverPid < 0) {
      return 0;
    }
    String stat = Files.readString(Path.of("/proc/" + serverPid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // USER_HZ is 100 on Linux
  }

  static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .header("x-api-key", key)
        .header("anthropic-beta", "managed-agents-2026-04-01");
  }

  static JsonNode get(String path) throws Exception {
    return check(CLIENT.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()));
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
