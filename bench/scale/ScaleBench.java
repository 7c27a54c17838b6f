import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Costs that should stay flat as the state grows (BENCHMARKS.md "Flat costs"). Every state is built
 * through the HTTP API of a real Berth, so the sandboxes on disk are what a real run leaves.
 *
 * <ul>
 *   <li>{@code build JAR DATA_DIR KEY SESSIONS RESOURCES}: starts Berth on DATA_DIR, creates
 *       SESSIONS sessions each with RESOURCES file resources (distinct 1 KiB files, mounted in the
 *       creating request), 32 requests at a time, and stops it.
 *   <li>{@code startup JAR KEY ROUNDS DIR...}: per round, for each DIR in turn (the order rotating
 *       each round), spawns Berth on it and times from the spawn to the first answered {@code GET
 *       /v1/files}, polled back to back; prints each time and the medians.
 *   <li>{@code heap JAR DATA_DIR KEY COUNT...}: starts Berth on a fresh DATA_DIR and, for each
 *       COUNT, creates sessions (no resources) up to that many, restarts the server on the same
 *       directory, waits for its start-up reconcile to finish, and reads the live heap after a full
 *       collection ({@code jcmd GC.class_histogram} total, three times, median).
 *   <li>{@code heap-dirs JAR KEY DIR...}: the same reading for Berth started on each DIR as it is
 *       (say the directories {@code startup} built), after its start-up reconcile.
 * </ul>
 */
// Run from source as a single-file program (bench/scale/*.sh), which lives in the unnamed package.
@SuppressWarnings("DefaultPackage")
public class ScaleBench {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .executor(Executors.newVirtualThreadPerTaskExecutor())
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  /** -Xmx2g, then whatever BENCH_JVM_OPTS adds (startup.sh: the start-up cache). */
  static final List<String> JVM_FLAGS = jvmFlags();

  static List<String> jvmFlags() {
    List<String> flags = new ArrayList<>(List.of("-Xmx2g"));
    String more = System.getenv().getOrDefault("BENCH_JVM_OPTS", "").strip();
    if (!more.isEmpty()) {
      flags.addAll(List.of(more.split("\\s+", -1)));
    }
    return List.copyOf(flags);
  }

  public static void main(String[] args) throws Exception {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> ProcessHandle.current().children().forEach(
            ProcessHandle::destroyForcibly)));
    switch (args[0]) {
      case "build" -> build(Path.of(args[1]), Path.of(args[2]), args[3], Integer.parseInt(args[4]),
          Integer.parseInt(args[5]));
      case "startup" -> startup(Path.of(args[1]), args[2], Integer.parseInt(args[3]),
          Arrays.stream(args, 4, args.length).map(Path::of).toList());
      case "heap-dirs" -> heapOfDirs(Path.of(args[1]), args[2],
          Arrays.stream(args, 3, args.length).map(Path::of).toList());
      case "heap" -> heap(Path.of(args[1]), Path.of(args[2]), args[3],
          Arrays.stream(args, 4, args.length).mapToInt(Integer::parseInt).toArray());
      default -> throw new IllegalArgumentException("build, startup or heap: " + args[0]);
    }
  }

  /** A Berth process on a data directory, and how to reach it. */
  record Server(Process process, String base, String key, Path log, long logFrom)
      implements AutoCloseable {
    static Server spawn(Path jar, Path dataDir, String key) throws IOException {
      int port;
      try (var s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
      long logFrom = Files.exists(log) ? Files.size(log) : 0;
      List<String> cmd = new ArrayList<>(List.of(JAVA));
      cmd.addAll(JVM_FLAGS);
      cmd.addAll(List.of("-jar", jar.toString(), "--port", Integer.toString(port), "--data-dir",
          dataDir.toString(), "--api-key", key + "@bench"));
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      return new Server(p, "http://127.0.0.1:" + port, key, log, logFrom);
    }

    /** Polls {@code GET /v1/files} every 2 ms until it answers 200. */
    void awaitFirstAnswer() throws Exception {
      var req = request(this, "/v1/files?limit=1").GET().timeout(Duration.ofSeconds(30)).build();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException("Berth exited; see " + log);
        }
        try {
          if (CLIENT.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return;
          }
        } catch (ConnectException notYet) {
          // every 2 ms: polling back to back took a core from the starting JVM on a 2-core machine
          Thread.sleep(2);
        }
      }
      throw new IllegalStateException("no answer within 120 s; see " + log);
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  static void build(Path jar, Path dataDir, String key, int sessions, int resources)
      throws Exception {
    try (Server s = Server.spawn(jar, dataDir, key)) {
      s.awaitFirstAnswer();
      String env = post(s, "/v1/environments", "{\"name\":\"bench\"}").get("id").asText();
      String agent =
          post(s, "/v1/agents", "{\"name\":\"bench\",\"model\":\"claude-sonnet-4-6\"}")
              .get("id")
              .asText();
      List<String> files = new ArrayList<>();
      for (int i = 0; i < resources; i++) {
        byte[] bytes = new byte[1024];
        bytes[0] = (byte) i;
        files.add(upload(s, "f" + i + ".bin", bytes));
      }
      StringBuilder body = new StringBuilder();
      body.append("{\"agent\":\"").append(agent).append("\",\"environment_id\":\"").append(env)
          .append("\",\"resources\":[");
      for (int i = 0; i < files.size(); i++) {
        body.append(i == 0 ? "" : ",").append("{\"type\":\"file\",\"file_id\":\"")
            .append(files.get(i)).append("\",\"mount_path\":\"/data/f").append(i).append(".bin\"}");
      }
      body.append("]}");
      String create = body.toString();
      long t0 = System.nanoTime();
      AtomicInteger next = new AtomicInteger();
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < 32; w++) {
          workers.add(
              pool.submit(
                  () -> {
                    int n;
                    while ((n = next.getAndIncrement()) < sessions) {
                      post(s, "/v1/sessions", create);
                      if ((n + 1) % 10_000 == 0) {
                        System.out.printf("  %d sessions (%.0f s)%n", n + 1,
                            (System.nanoTime() - t0) / 1e9);
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : workers) {
          f.get();
        }
      }
      System.out.printf("built %d sessions x %d resources in %.0f s%n", sessions, resources,
          (System.nanoTime() - t0) / 1e9);
    }
  }

  static void startup(Path jar, String key, int rounds, List<Path> dirs) throws Exception {
    double[][] ms = new double[dirs.size()][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < dirs.size(); k++) {
        int d = (k + r) % dirs.size();
        long t0 = System.nanoTime();
        try (Server s = Server.spawn(jar, dirs.get(d), key)) {
          s.awaitFirstAnswer();
          ms[d][r] = (System.nanoTime() - t0) / 1e6;
        }
        System.out.printf("round %d  %-12s %6.0f ms%n", r + 1, dirs.get(d).getFileName(), ms[d][r]);
      }
    }
    System.out.println();
    System.out.println("| data directory | start → first answer, median ms | min | max |");
    System.out.println("|---|---|---|---|");
    for (int d = 0; d < dirs.size(); d++) {
      double[] sorted = ms[d].clone();
      Arrays.sort(sorted);
      System.out.printf("| %s | %.0f | %.0f | %.0f |%n", dirs.get(d).getFileName(),
          sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1]);
    }
    if (dirs.size() == 2) {
      System.out.printf("ratio %s / %s: %.2f%n", dirs.get(1).getFileName(),
          dirs.get(0).getFileName(), median(ms[1]) / median(ms[0]));
    }
  }

  static void heap(Path jar, Path dataDir, String key, int[] counts) throws Exception {
    String env;
    String agent;
    try (Server s = Server.spawn(jar, dataDir, key)) {
      s.awaitFirstAnswer();
      env = post(s, "/v1/environments", "{\"name\":\"bench\"}").get("id").asText();
      agent = post(s, "/v1/agents", "{\"name\":\"bench\",\"model\":\"claude-sonnet-4-6\"}")
          .get("id").asText();
    }
    String create = "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}";
    int made = 0;
    long[] heaps = new long[counts.length];
    for (int c = 0; c < counts.length; c++) {
      try (Server s = Server.spawn(jar, dataDir, key)) {
        s.awaitFirstAnswer();
        int target = counts[c];
        AtomicInteger next = new AtomicInteger(made);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
          List<Future<?>> workers = new ArrayList<>();
          for (int w = 0; w < 32; w++) {
            workers.add(pool.submit(() -> {
              while (next.getAndIncrement() < target) {
                post(s, "/v1/sessions", create);
              }
              return null;
            }));
          }
          for (Future<?> f : workers) {
            f.get();
          }
        }
        made = target;
      }
      // measured after a restart: what the server keeps for sessions it did not just create
      try (Server s = Server.spawn(jar, dataDir, key)) {
        s.awaitFirstAnswer();
        heaps[c] = settledHeap(s);
        System.out.printf("%d idle sessions: live heap %.1f MiB%n", made, heaps[c] / 1048576.0);
      }
    }
    System.out.println();
    System.out.println("| idle sessions | live heap after full GC, MiB | vs the first |");
    System.out.println("|---|---|---|");
    for (int c = 0; c < counts.length; c++) {
      System.out.printf("| %d | %.1f | %.2f |%n", counts[c], heaps[c] / 1048576.0,
          heaps[c] / (double) heaps[0]);
    }
  }

  static void heapOfDirs(Path jar, String key, List<Path> dirs) throws Exception {
    long[] heaps = new long[dirs.size()];
    for (int d = 0; d < dirs.size(); d++) {
      try (Server s = Server.spawn(jar, dirs.get(d), key)) {
        s.awaitFirstAnswer();
        heaps[d] = settledHeap(s);
      }
    }
    System.out.println();
    System.out.println("| data directory | live heap after full GC, MiB | vs the first |");
    System.out.println("|---|---|---|");
    for (int d = 0; d < dirs.size(); d++) {
      System.out.printf("| %s | %.1f | %.2f |%n", dirs.get(d).getFileName(), heaps[d] / 1048576.0,
          heaps[d] / (double) heaps[0]);
    }
  }

  /** After the start-up reconcile: the median of three live-heap readings. */
  static long settledHeap(Server s) throws Exception {
    String log = awaitLine(s, "reconciled \\d+ session sandboxes");
    long[] samples = new long[3];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = liveHeap(s.process().pid());
    }
    Arrays.sort(samples);
    System.out.printf("  %s: live heap samples %s%n", log.strip(), Arrays.toString(samples));
    return samples[1];
  }

  /** Waits until the server's log, since it started, has a line matching {@code regex}. */
  static String awaitLine(Server s, String regex) throws Exception {
    var pattern = java.util.regex.Pattern.compile(regex);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
    while (System.nanoTime() < deadline) {
      String text = Files.readString(s.log());
      for (String line : text.substring((int) s.logFrom()).lines().toList()) {
        if (pattern.matcher(line).find()) {
          return line;
        }
      }
      Thread.sleep(500); // a benchmark's wait for a log line, not a test
    }
    throw new IllegalStateException("no line matching '" + regex + "' in " + s.log());
  }

  /** Bytes of live objects: jcmd GC.class_histogram runs a full collection first. */
  static long liveHeap(long pid) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    for (String line : out.lines().toList()) {
      if (line.startsWith("Total")) {
        List<String> parts = List.of(line.trim().split("\\s+", -1));
        return Long.parseLong(parts.get(2));
      }
    }
    throw new IllegalStateException("no Total in the histogram:\n" + out);
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  static String upload(Server s, String name, byte[] bytes) throws Exception {
    String boundary = "bench-boundary";
    var head = HttpRequest.BodyPublishers.ofString("--" + boundary
        + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n");
    var tail = HttpRequest.BodyPublishers.ofString("\r\n--" + boundary + "--\r\n");
    var req = request(s, "/v1/files")
        .header("content-type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.concat(head, HttpRequest.BodyPublishers.ofByteArray(bytes),
            tail))
        .build();
    return check(CLIENT.send(req, HttpResponse.BodyHandlers.ofString())).get("id").asText();
  }

  static HttpRequest.Builder request(Server s, String path) {
    return HttpRequest.newBuilder(URI.create(s.base() + path))
        .header("x-api-key", s.key())
        .header("anthropic-beta", "managed-agents-2026-04-01");
  }

  static JsonNode post(Server s, String path, String body) throws Exception {
    var req = request(s, path).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return check(CLIENT.send(req, HttpResponse.BodyHandlers.ofString()));
  }

  static JsonNode check(HttpResponse<String> r) throws Exception {
    if (r.statusCode() != 200) {
      throw new IllegalStateException(r.request().uri() + " → " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }
}
