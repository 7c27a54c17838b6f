import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
 *       beside {@code GET /v1/files/{id}} (the cheapest authenticated request) and beside
 *       bubblewrap running {@code true} straight from this process with the command line Berth
 *       built for the session ({@link Bare}), and beside the same entering the session's control
 *       groups first as Berth's launcher does ({@link Bare#inGroups}), interleaved, each side
 *       first in turn, so each exec comes some 25 ms after the session's last command ended;
 *   <li>the same exec run back to back, each request sent as soon as the last was answered;
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
    Bare bare = Bare.capture(session, dataDir);
    Bare grouped = bare.inGroups();
    for (int i = 0; i < 20; i++) {
      bare.run();
      grouped.run();
    }
    long[] execs = new long[runs];
    long[] gets = new long[runs];
    long[] bares = new long[runs];
    long[] groupedBares = new long[runs];
    for (int i = 0; i < runs; i++) {
      for (int k = 0; k < 4; k++) { // each side goes first, second, third and fourth in turn
        switch ((i + k) % 4) {
          case 0 -> {
            long t = System.nanoTime();
            get("/v1/files/" + small);
            gets[i] = System.nanoTime() - t;
          }
          case 1 -> {
            long t = System.nanoTime();
            JsonNode r = exec(session, List.of("true"));
            execs[i] = System.nanoTime() - t;
            if (r.get("exit_code").asInt() != 0) {
              throw new IllegalStateException("true failed: " + r);
            }
          }
          case 2 -> {
            long t = System.nanoTime();
            bare.run();
            bares[i] = System.nanoTime() - t;
          }
          default -> {
            long t = System.nanoTime();
            grouped.run();
            groupedBares[i] = System.nanoTime() - t;
          }
        }
      }
    }
    System.out.printf(
        "%n| %d runs, interleaved | p50 ms | p95 ms | p99 ms |%n|---|---|---|---|%n", runs);
    row("GET /v1/files/{id} (ceiling)", gets);
    row("bare `bwrap` of `true`, Berth's command line", bares);
    row("the same in the session's control groups", groupedBares);
    row("exec `true`", execs);
    for (int p : new int[] {50, 95}) {
      System.out.printf(
          "exec p%d / (bare bwrap p%d + GET p%d) = %.2f%n",
          p, p, p, pct(execs, p) / (pct(bares, p) + pct(gets, p)));
    }
    System.out.printf(
        "entering the session's groups on the way: +%.2f ms at p50; what Berth adds to bare"
            + " bubblewrap (exec - bare - GET): %.2f ms at p50%n",
        pct(groupedBares, 50) - pct(bares, 50),
        pct(execs, 50) - pct(bares, 50) - pct(gets, 50));
    long[] backToBack = new long[runs];
    for (int i = 0; i < runs; i++) {
      long t = System.nanoTime();
      JsonNode r = exec(session, List.of("true"));
      backToBack[i] = System.nanoTime() - t;
      if (r.get("exit_code").asInt() != 0) {
        throw new IllegalStateException("true failed: " + r);
      }
    }
    System.out.printf("%n| %d runs, back to back | p50 ms | p95 ms | p99 ms |%n|---|---|---|---|%n", runs);
    row("exec `true`", backToBack);
    System.out.printf(
        "back to back: exec p50 / (bare bwrap p50 + GET p50, above) = %.2f%n",
        pct(backToBack, 50) / (pct(bares, 50) + pct(gets, 50)));
    System.out.printf("load average after the runs: %s%n", load());



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

  static void row(String name, long[] nanos) {
    System.out.printf(
        "| %s | %.2f | %.2f | %.2f |%n", name, pct(nanos, 50), pct(nanos, 95), pct(nanos, 99));
  }

  static String load() throws Exception {
    String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ", -1);
    return f[0] + " " + f[1] + " " + f[2];
  }

  /**
   * bubblewrap run straight from this process with the command line Berth built for the session:
   * the options file Berth writes for a command (read while a {@code sleep} runs) and the chain on
   * bubblewrap's own command line, with {@code sleep} swapped for {@code true}. Started through
   * {@code sh} as Berth starts it (the options and the system-call filter go in as descriptors 3
   * and 4), without what Berth adds around it: entering the session's control groups, the request,
   * the bookkeeping before and after.
   */
  record Bare(List<String> argv, List<String> groups) {
    static Bare capture(String session, Path dataDir) throws Exception {
      Path launch = dataDir.resolve("sandbox-launch");
      var sleeping = execAsync(session, List.of("sleep", "5"));
      byte[] options = null;
      List<String> cmdline = null;
      List<String> groups = List.of();
      long give = System.nanoTime() + 20_000_000_000L;
      while ((options == null || cmdline == null) && System.nanoTime() < give) {
        try (var files = Files.list(launch)) {
          for (Path f :
              files.filter(f -> f.getFileName().toString().startsWith("options-")).toList()) {
            try {
              options = Files.readAllBytes(f);
            } catch (java.nio.file.NoSuchFileException e) {
              // ended meanwhile
            }
          }
        }
        try (var procs = Files.list(Path.of("/proc"))) {
          for (Path p : procs.filter(p -> p.getFileName().toString().matches("[0-9]+")).toList()) {
            try {
              List<String> args =
                  List.of(
                      new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                          .split("\0", -1));
              if (args.size() > 5 && args.get(0).endsWith("bwrap") && args.get(1).equals("--args")
                  && args.get(args.size() - 3).equals("sleep")) {
                cmdline = args.subList(0, args.size() - 1); // the trailing NUL's empty string
                groups = groupsOf(p);
              }
            } catch (java.io.IOException e) {
              // gone meanwhile
            }
          }
        }
        Thread.onSpinWait();
      }
      if (options == null || cmdline == null) {
        throw new IllegalStateException("did not see the command line of a running command");
      }
      JsonNode slept = JSON.readTree(sleeping.get().body());
      if (slept.get("exit_code").asInt() != 0) {
        throw new IllegalStateException("sleep failed: " + slept);
      }
      Path copy = Files.createTempFile("bwrap-options-", "");
      Files.write(copy, options);
      copy.toFile().deleteOnExit();
      List<String> argv =
          new java.util.ArrayList<>(
              List.of(
                  "/bin/sh",
                  "-c",
                  "options=$1 filter=$2; shift 2; exec \"$0\" \"$@\" 3<\"$options\" 4<\"$filter\"",
                  cmdline.get(0),
                  copy.toString(),
                  launch.resolve("filter.bpf").toString()));
      argv.addAll(cmdline.subList(1, cmdline.size() - 2)); // without `sleep 5`
      argv.add("true");
      System.out.printf(
          "bare bubblewrap: %s (%d option strings from the options file)%n",
          String.join(" ", argv.subList(3, argv.size())).replace(copy.toString(), "OPTIONS"),
          new String(options, StandardCharsets.UTF_8).split("\0", -1).length - 1);
      System.out.printf("the session's control groups: %s%n", groups);
      return new Bare(argv, groups);
    }

    /**
     * The same run, but {@code sh} first writes its pid into each of the session's {@code
     * cgroup.procs} files, as Berth's launcher does, so bubblewrap and the command run in the
     * session's groups under its limits.
     */
    Bare inGroups() {
      if (groups.isEmpty()) {
        throw new IllegalStateException("the command ran in no control group of its session");
      }
      var argv = new java.util.ArrayList<>(this.argv);
      argv.set(2, "for g in " + String.join(" ", groups) + "; do echo $$ > \"$g\"; done; " + argv.get(2));
      return new Bare(argv, groups);
    }

    /**
     * The {@code cgroup.procs} files of the groups process {@code proc} is in, for the
     * hierarchies Berth limits (pids, memory and cpu under cgroup v1; the one group under
     * cgroup2), found through this process's mount table; empty when Berth uses none. Berth's
     * groups are the ones under a {@code berth-<id>} group.
     */
    static List<String> groupsOf(Path proc) throws java.io.IOException {
      var mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
      var out = new java.util.ArrayList<String>();
      for (String line : Files.readAllLines(proc.resolve("cgroup"))) {
        String[] f = line.split(":", 3);
        List<String> controllers = List.of(f[1].split(","));
        boolean v2 = f[0].equals("0") && f[1].isEmpty();
        if (!f[2].contains("/berth-")
            || (!v2 && controllers.stream().noneMatch(List.of("pids", "memory", "cpu")::contains))) {
          continue; // not a group of Berth's, or one it does not limit with
        }
        for (String m : mounts) {
          String[] halves = m.split(" - ", 2);
          String[] left = halves[0].split(" ", -1);
          String[] right = halves[1].split(" ", -1);
          boolean match =
              v2
                  ? right[0].equals("cgroup2")
                  : right[0].equals("cgroup")
                      && List.of(right[2].split(",")).containsAll(controllers);
          if (match && f[2].startsWith(left[3])) {
            String rel = f[2].substring(left[3].equals("/") ? 0 : left[3].length());
            String procs = left[4] + rel + "/cgroup.procs";
            if (!out.contains(procs)) {
              out.add(procs);
            }
            break;
          }
        }
      }
      return out;
    }

    void run() throws Exception {
      var pb = new ProcessBuilder(argv);
      pb.environment().clear();
      Process p = pb.start();
      p.getOutputStream().close();
      check(p, "bare bwrap");
    }

    /** Waits for {@code p}, which must exit 0 having written nothing. */
    static void check(Process p, String what) throws Exception {
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (p.waitFor() != 0 || out.length > 0 || err.length > 0) {
        throw new IllegalStateException(
            what + " failed: " + p.exitValue() + " " + new String(err, StandardCharsets.UTF_8));
      }
    }
  }

  static java.util.concurrent.CompletableFuture<HttpResponse<String>> execAsync(
      String session, List<String> command) throws Exception {
    var req =
        request("/berth/v1/sessions/" + session + "/exec")
            .header("content-type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    JSON.writeValueAsString(Map.of("command", command, "timeout_ms", 30_000))))
            .build();
    return CLIENT.sendAsync(req, HttpResponse.BodyHandlers.ofString());
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
