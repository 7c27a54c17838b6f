import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whether adding a resource costs the same whatever the session already holds (see BENCHMARKS.md):
 * the latency of {@code POST /v1/sessions/{id}/resources} into a session holding 99 file resources
 * against one into an empty session, one client, the two sessions taking turns add by add. Each add
 * is followed by a delete of the same resource, so the counts stay 0 and 99. Two kinds of add: at
 * the default path ({@code /mnt/session/uploads/<file_id>}, beside the 99) and at {@code /d/x}, in
 * a new directory.
 *
 * <p>Reuses {@link ResourceBench}'s HTTP helpers (a multi-file source program: run it from {@code
 * bench/}).
 *
 * <p>Usage: java -cp berth-server/target/berth.jar bench/ResourceCountBench.java BASE_URL API_KEY
 * ROUNDS [SERVER_PID]
 */
// Run from source as a single-file program (bench/*.sh), which lives in the unnamed package.
@SuppressWarnings("DefaultPackage")
public class ResourceCountBench {
  static final int HELD = 99;
  static final int PER_ROUND = 300;

  public static void main(String[] args) throws Exception {
    ResourceBench.base = args[0];
    ResourceBench.key = args[1];
    int rounds = Integer.parseInt(args[2]);
    ResourceBench.serverPid = args.length > 3 ? Long.parseLong(args[3]) : -1;

    String env = ResourceBench.post("/v1/environments", "{\"name\":\"bench\"}").get("id").asText();
    String agent =
        ResourceBench.post("/v1/agents", "{\"name\":\"bench\",\"model\":\"claude-sonnet-4-6\"}")
            .get("id")
            .asText();
    String probe = upload("probe");
    String empty = ResourceBench.session(agent, env);
    String full = ResourceBench.session(agent, env);
    for (int i = 0; i < HELD; i++) {
      // distinct files, each at its default path: the uploads directory holds 99 links besides
      ResourceBench.post(
          "/v1/sessions/" + full + "/resources",
          "{\"type\":\"file\",\"file_id\":\"" + upload("held " + i) + "\"}");
    }
    int held =
        ResourceBench.get("/v1/sessions/" + full + "/resources?limit=100").get("data").size();
    if (held != HELD) {
      throw new IllegalStateException("the full session holds " + held + " resources");
    }

    // warm-up: the server's JIT compiles both paths before anything is timed
    for (int i = 0; i < 2000; i++) {
      String session = i % 2 == 0 ? empty : full;
      timedAdd(session, probe, i % 4 < 2 ? null : "/d/x");
    }

    System.out.println("load before: " + load());
    System.out.println();
    System.out.println(
        "| round | default path: add p50 ms, empty / 99 held | ratio"
            + " | new directory: add p50 ms, empty / 99 held | ratio |");
    System.out.println("|---|---|---|---|---|");
    double[][] p50s = new double[4][rounds];
    List<List<Double>> all = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      all.add(new ArrayList<>());
    }
    for (int r = 0; r < rounds; r++) {
      double[][] ms = new double[4][PER_ROUND];
      for (int i = 0; i < PER_ROUND; i++) {
        // kinds: 0 empty default, 1 full default, 2 empty new dir, 3 full new dir; the order turns
        // each time, so neither side always goes first
        for (int j = 0; j < 4; j++) {
          int k = (i + j) % 4;
          ms[k][i] = timedAdd(k % 2 == 0 ? empty : full, probe, k < 2 ? null : "/d/x");
          all.get(k).add(ms[k][i]);
        }
      }
      for (int k = 0; k < 4; k++) {
        p50s[k][r] = median(ms[k]);
      }
      System.out.printf(
          "| %d | %.3f / %.3f | %.2f | %.3f / %.3f | %.2f |%n",
          r + 1,
          p50s[0][r],
          p50s[1][r],
          p50s[1][r] / p50s[0][r],
          p50s[2][r],
          p50s[3][r],
          p50s[3][r] / p50s[2][r]);
    }
    double[] pooled = new double[4];
    for (int k = 0; k < 4; k++) {
      pooled[k] = median(all.get(k).stream().mapToDouble(Double::doubleValue).toArray());
    }
    System.out.printf(
        "| all %d adds of each | %.3f / %.3f | **%.2f** | %.3f / %.3f | **%.2f** |%n",
        rounds * PER_ROUND,
        pooled[0],
        pooled[1],
        pooled[1] / pooled[0],
        pooled[2],
        pooled[3],
        pooled[3] / pooled[2]);
    double[] ratios = new double[rounds];
    double[] nested = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      ratios[r] = p50s[1][r] / p50s[0][r];
      nested[r] = p50s[3][r] / p50s[2][r];
    }
    System.out.printf(
        "median of the rounds' ratios (99 held / empty, add p50): default path %.2f,"
            + " new directory %.2f (target <= 1.2)%n",
        median(ratios), median(nested));
    System.out.println("load after: " + load());
  }

  /** The add's latency in ms; the resource is deleted again afterwards (not timed). */
  static double timedAdd(String session, String file, String mountPath) throws Exception {
    String path = mountPath == null ? "" : ",\"mount_path\":\"" + mountPath + "\"";
    long t0 = System.nanoTime();
    String id =
        ResourceBench.post(
                "/v1/sessions/" + session + "/resources",
                "{\"type\":\"file\",\"file_id\":\"" + file + "\"" + path + "}")
            .get("id")
            .asText();
    double ms = (System.nanoTime() - t0) / 1e6;
    ResourceBench.delete("/v1/sessions/" + session + "/resources/" + id);
    return ms;
  }

  static String upload(String content) throws Exception {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    return ResourceBench.upload(HttpRequest.BodyPublishers.ofByteArray(bytes), bytes.length);
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static String load() throws Exception {
    String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ", -1);
    return f[0] + " " + f[1] + " " + f[2];
  }
}
