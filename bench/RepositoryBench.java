import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * GitHub repository benchmark (see BENCHMARKS.md), against the git server bench/repositories.sh
 * started. Each round starts a fresh Berth (a new data directory, so the node's mirror and tree
 * caches are empty) and times, in an order that alternates between rounds:
 *
 * <ol>
 *   <li>a plain {@code git clone} of the repository from the same server into a new directory;
 *   <li>the first session on the cold node: from {@code POST /v1/sessions} naming the repository to
 *       the answer of {@code POST /berth/v1/sessions/{id}/exec} running {@code true}, which waits
 *       for the session's checkout;
 *   <li>the same for a second session on the same repository (mirror and tree cached).
 * </ol>
 *
 * <p>Its HTTP helpers are {@code ExecBench}'s (the launcher compiles the bench/ files it uses).
 *
 * <p>Usage: java -cp berth-server/target/berth.jar bench/RepositoryBench.java BERTH_JAR GIT_URL OWNER/NAME
 * WORK_DIR ROUNDS DISK_QUOTA_BYTES
 */
// Run from source as a single-file program (bench/*.sh), which lives in the unnamed package.
@SuppressWarnings("DefaultPackage")
public class RepositoryBench {
  static final String KEY = "sk-bench-repositories";

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]);
    String gitUrl = args[1];
    String repository = args[2];
    Path work = Path.of(args[3]);
    int rounds = Integer.parseInt(args[4]);
    long quota = Long.parseLong(args[5]);
    String name = repository.substring(repository.indexOf('/') + 1);

    long[] clones = new long[rounds];
    long[] firsts = new long[rounds];
    long[] seconds = new long[rounds];
    System.out.printf(
        "%n| round | order | git clone s | first session s | second session s | first / clone |"
            + " second / first |%n|---|---|---|---|---|---|---|%n");
    for (int round = 0; round < rounds; round++) {
      Path dir = work.resolve("round-" + (round + 1));
      Files.createDirectories(dir);
      Process berth = startBerth(jar, gitUrl, dir, quota);
      try {
        String agent =
            ExecBench.post("/v1/agents", "{\"name\":\"bench\",\"model\":\"claude-sonnet-4-6\"}")
                .get("id")
                .asText();
        String env = ExecBench.post("/v1/environments", "{\"name\":\"bench\"}").get("id").asText();
        // warm-up without a repository: the JIT and the page cache of /usr for sandboxes
        String plain = createSession(agent, env, "");
        for (int i = 0; i < 10; i++) {
          execTrue(plain);
        }
        String resource =
            "{\"type\":\"github_repository\",\"url\":\"https://github.com/" + repository + "\"}";
        if (cloneFirst(round)) {
          clones[round] = gitClone(gitUrl + "/" + repository, dir.resolve("clone"));
        }
        long t = System.nanoTime();
        String first = createSession(agent, env, resource);
        execTrue(first);
        firsts[round] = System.nanoTime() - t;
        t = System.nanoTime();
        String second = createSession(agent, env, resource);
        execTrue(second);
        seconds[round] = System.nanoTime() - t;
        if (!cloneFirst(round)) {
          clones[round] = gitClone(gitUrl + "/" + repository, dir.resolve("clone"));
        }
        String head = git(dir.resolve("clone"), "rev-parse", "HEAD");
        int files = (int) git(dir.resolve("clone"), "ls-files").lines().count();
        for (String session : List.of(first, second)) {
          checkCheckout(session, "/workspace/" + name, head, files);
        }
        for (String session : List.of(plain, first, second)) {
          ExecBench.delete("/v1/sessions/" + session);
        }
      } finally {
        berth.destroy();
        berth.waitFor();
      }
      System.out.printf(
          "| %d | %s | %.2f | %.2f | %.2f | %.2f | %.3f |%n",
          round + 1,
          cloneFirst(round) ? "clone, first, second" : "first, second, clone",
          s(clones[round]),
          s(firsts[round]),
          s(seconds[round]),
          (double) firsts[round] / clones[round],
          (double) seconds[round] / firsts[round]);
      removeTree(dir);
    }
    double clone = median(clones);
    double first = median(firsts);
    double second = median(seconds);
    System.out.printf(
        "%n| median of %d rounds | s |%n|---|---|%n| git clone | %.2f |%n| first session (cold"
            + " node) | %.2f |%n| second session (cached) | %.2f |%n",
        rounds, clone, first, second);
    System.out.printf(
        "%nfirst / git clone: %.2f (target <= 1.2)%nsecond / first: %.3f (target <= 0.10)%n",
        first / clone, second / first);
  }

  static boolean cloneFirst(int round) {
    return round % 2 == 0;
  }

  /** Starts Berth on a fresh data directory in {@code dir}; returns once it answers. */
  static Process startBerth(Path jar, String gitUrl, Path dir, long quota) throws Exception {
    int port;
    try (var socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ExecBench.base = "http://127.0.0.1:" + port;
    ExecBench.key = KEY;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process berth =
        new ProcessBuilder(
                java,
                "-Xmx1g",
                "-jar",
                jar.toString(),
                "--port",
                Integer.toString(port),
                "--data-dir",
                dir.resolve("data").toString(),
                "--api-key",
                KEY + "@bench",
                "--github-url",
                gitUrl,
                "--session-disk-quota-bytes",
                Long.toString(quota),
                "--repository-wait-ms",
                "600000")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("berth.log").toFile())
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        ExecBench.get("/v1/files");
        return berth;
      } catch (IOException notYet) {
        if (!berth.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("Berth did not start; see " + dir.resolve("berth.log"));
        }
        Thread.sleep(100); // no signal to wait for: the port opens when the server is ready
      }
    }
  }

  static String createSession(String agent, String env, String resource) throws Exception {
    return ExecBench.post(
            "/v1/sessions",
            "{\"agent\":\""
                + agent
                + "\",\"environment_id\":\""
                + env
                + "\",\"resources\":["
                + resource
                + "]}")
        .get("id")
        .asText();
  }

  static void execTrue(String session) throws Exception {
    JsonNode r = ExecBench.exec(session, List.of("true"), 600_000);
    if (r.get("exit_code").asInt() != 0) {
      throw new IllegalStateException("true failed: " + r);
    }
  }

  /** The session's checkout is at {@code head}, holds {@code files} files and is clean. */
  static void checkCheckout(String session, String at, String head, int files) throws Exception {
    JsonNode r =
        ExecBench.exec(
            session,
            List.of(
                "sh",
                "-c",
                "git -C \"$1\" rev-parse HEAD && git -C \"$1\" ls-files | wc -l"
                    + " && git -C \"$1\" status --porcelain | wc -l",
                "sh",
                at),
            600_000);
    String expected = head + "\n" + files + "\n0\n";
    if (r.get("exit_code").asInt() != 0 || !r.get("stdout").asText().equals(expected)) {
      throw new IllegalStateException("checkout of " + session + " is not the clone's: " + r);
    }
  }

  static long gitClone(String url, Path into) throws Exception {
    long t = System.nanoTime();
    Process p =
        new ProcessBuilder("git", "clone", "--quiet", url, into.toString()).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("git clone failed");
    }
    return System.nanoTime() - t;
  }

  static String git(Path repo, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("git", "-C", repo.toString()));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(argv + " failed");
    }
    return out.strip();
  }

  static void removeTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  static double s(long nanos) {
    return nanos / 1e9;
  }

  static double median(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return s(n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2);
  }
}
