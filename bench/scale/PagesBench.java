import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.model.FileRecord;
import dev.berth.model.Session;
import dev.berth.store.Database;
import dev.berth.store.FileStore;
import dev.berth.store.SessionStore;
import dev.berth.store.WorkspaceStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Pages and retrieves of files and sessions at 1,000 and 1,000,000 rows (see BENCHMARKS.md, "Flat
 * costs"), in three steps that bench/scale/pages.sh runs:
 *
 * <ol>
 *   <li>{@code setup BASE KEY OUT}: through the API of a fresh server, two agents ("common" and
 *       "rare"), an environment, one session of each agent and one uploaded file, whose ids go to
 *       {@code OUT} (a properties file);
 *   <li>{@code load DATA_DIR N [JDBC_URL]}, with the server stopped: copies of those rows, inserted
 *       through the server's own store classes ({@code SessionStore.insert}, {@code
 *       FileStore.insert}) so they have the shapes the server writes: {@code N} sessions (every one
 *       a copy of the common agent's session, 1% archived, but 40 of the rare agent's spread evenly
 *       through the list) and {@code N} workspace-level files sharing the uploaded file's blob, plus
 *       100 files scoped to the rare agent's session. Their ids have the API's form with creation
 *       times spread evenly over the year before now, so {@code created_at} and id order agree.
 *       Given a PostgreSQL URL, the rows go there instead (after the workspace), for its plans;
 *   <li>{@code measure ROUNDS NAME=BASE,KEY,DATA_DIR ...}: against the servers side by side, each
 *       kind of request in turn on every server, the servers' order changing every round, after a
 *       warm-up; prints p50 and p99 per server and the ratio of each server's p50 to the first's.
 * </ol>
 */
// Run from source as a single-file program (bench/scale/*.sh), which lives in the unnamed package.
@SuppressWarnings("DefaultPackage")
public class PagesBench {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  static final char[] BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  static final SecureRandom RANDOM = new SecureRandom();
  static final int RARE_SESSIONS = 40;
  static final int SCOPED_FILES = 100;
  static final int PAGE = 20;
  static final int PER_TURN = 20;
  static final int WARM_UP = 300;

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "setup" -> setup(args[1], args[2], Path.of(args[3]));
      case "load" ->
          load(Path.of(args[1]), Integer.parseInt(args[2]), args.length > 3 ? args[3] : null);
      case "measure" -> measure(Integer.parseInt(args[1]), Arrays.copyOfRange(args, 2, args.length));
      default -> throw new IllegalArgumentException("setup, load or measure: " + args[0]);
    }
  }

  // ---- setup ----

  static void setup(String base, String key, Path out) throws Exception {
    var api = new Api(base, key);
    String common = api.post("/v1/agents", "{\"name\":\"common\",\"model\":\"claude-sonnet-4-6\"}");
    String rare = api.post("/v1/agents", "{\"name\":\"rare\",\"model\":\"claude-sonnet-4-6\"}");
    String env = api.post("/v1/environments", "{\"name\":\"bench\"}");
    String commonSession =
        api.post(
            "/v1/sessions",
            "{\"agent\":\"" + common + "\",\"environment_id\":\"" + env + "\",\"title\":\"t\"}");
    String rareSession =
        api.post(
            "/v1/sessions",
            "{\"agent\":\"" + rare + "\",\"environment_id\":\"" + env + "\",\"title\":\"t\"}");
    String file = api.upload("data.csv", "a,b\n1,2\n");
    Files.writeString(
        out,
        String.join(
            "\n",
            "common_agent=" + common,
            "rare_agent=" + rare,
            "common_session=" + commonSession,
            "rare_session=" + rareSession,
            "file=" + file,
            ""));
  }

  // ---- load ----

  static void load(Path dataDir, int n, String jdbcUrl) throws Exception {
    Map<String, String> ids = properties(dataDir.resolveSibling("setup.properties"));
    Session common;
    Session rare;
    FileRecord file;
    String workspaceName;
    try (Database source = Database.sqlite(dataDir)) {
      var sessions = new SessionStore(source);
      String workspace = workspaceOf(dataDir);
      common = sessions.find(workspace, ids.get("common_session")).orElseThrow();
      rare = sessions.find(workspace, ids.get("rare_session")).orElseThrow();
      file = new FileStore(source).find(workspace, ids.get("file")).orElseThrow();
      workspaceName = "bench";
    }
    try (Database target = jdbcUrl == null ? Database.sqlite(dataDir) : Database.postgres(jdbcUrl)) {
      String workspace = common.workspaceId();
      if (jdbcUrl != null) {
        workspace =
            new WorkspaceStore(target)
                .ensureWorkspace(workspaceName, common.workspaceId(), common.createdAt());
      }
      insert(target, workspace, n, common, rare, file, dataDir);
    }
  }

  /** The one workspace the setup made, "bench". */
  static String workspaceOf(Path dataDir) throws Exception {
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("berth.db"));
        var st = c.createStatement();
        var rs = st.executeQuery("SELECT id FROM workspaces WHERE name = 'bench'")) {
      rs.next();
      return rs.getString(1);
    }
  }

  static void insert(
      Database db,
      String workspace,
      int n,
      Session common,
      Session rare,
      FileRecord file,
      Path dataDir)
      throws Exception {
    long end = Instant.now().minus(Duration.ofDays(1)).toEpochMilli();
    long start = end - Duration.ofDays(365).toMillis();
    double step = (double) (end - start) / n;
    int rareEvery = n / RARE_SESSIONS;
    int scopedEvery = n / SCOPED_FILES;
    List<String> sessionIds = new ArrayList<>(n);
    List<String> fileIds = new ArrayList<>(n);
    int batch = 20_000;
    for (int from = 0; from < n; from += batch) {
      int to = Math.min(n, from + batch);
      int first = from;
      db.write(
          tx -> {
            for (int i = first; i < to; i++) {
              long millis = start + (long) (i * step);
              String at = timestamp(millis);
              boolean isRare = i % rareEvery == rareEvery / 2;
              Session template = isRare ? rare : common;
              String sessionId = id("sesn", millis);
              boolean archived = !isRare && i % 100 == 37;
              SessionStore.insert(
                  tx,
                  new Session(
                      sessionId,
                      workspace,
                      template.agentId(),
                      template.agentVersion(),
                      template.agent(),
                      template.environmentId(),
                      Optional.of("session " + i),
                      template.metadata(),
                      template.vaultIds(),
                      template.budget(),
                      template.status(),
                      archived ? Optional.of(at) : Optional.empty(),
                      at,
                      at));
              sessionIds.add(sessionId);
              String fileId = id("file", millis);
              FileStore.insert(
                  tx,
                  new FileRecord(
                      fileId,
                      workspace,
                      "data-" + i + ".csv",
                      file.mimeType(),
                      file.sizeBytes(),
                      file.sha256(),
                      true,
                      Optional.empty(),
                      Optional.empty(),
                      at,
                      Optional.empty()));
              fileIds.add(fileId);
              if (i % scopedEvery == 0) {
                FileStore.insert(
                    tx,
                    new FileRecord(
                        id("file", millis + 1),
                        workspace,
                        "output-" + i + ".csv",
                        file.mimeType(),
                        file.sizeBytes(),
                        file.sha256(),
                        false,
                        Optional.of(rare.id()),
                        Optional.empty(),
                        timestamp(millis + 1),
                        Optional.empty()));
              }
            }
            return null;
          });
    }
    // The measuring step picks its cursors and random ids from these (oldest first).
    Files.write(dataDir.resolveSibling("sessions.txt"), sessionIds);
    Files.write(dataDir.resolveSibling("files.txt"), fileIds);
  }

  static String timestamp(long millis) {
    return dev.berth.domain.Timestamps.format(Instant.ofEpochMilli(millis));
  }

  /** An id of the API's form (dev.berth.domain.Ids) minted at {@code millis}. */
  static String id(String prefix, long millis) {
    var sb = new StringBuilder(prefix).append("_01");
    char[] time = new char[8];
    long t = millis;
    for (int i = 7; i >= 0; i--) {
      time[i] = BASE62[(int) (t % 62)];
      t /= 62;
    }
    sb.append(time);
    for (int i = 0; i < 14; i++) {
      sb.append(BASE62[RANDOM.nextInt(62)]);
    }
    return sb.toString();
  }

  // ---- measure ----

  record Target(String name, Api api, Map<String, String> setup, List<String> sessions,
      List<String> files) {}

  interface Request {
    String path(Target t, Random random);
  }

  static void measure(int rounds, String[] specs) throws Exception {
    List<Target> targets = new ArrayList<>();
    for (String spec : specs) {
      String name = spec.substring(0, spec.indexOf('='));
      String[] parts = spec.substring(name.length() + 1).split(",", -1);
      Path dir = Path.of(parts[2]);
      targets.add(
          new Target(
              name,
              new Api(parts[0], parts[1]),
              properties(dir.resolve("setup.properties")),
              Files.readAllLines(dir.resolve("sessions.txt")),
              Files.readAllLines(dir.resolve("files.txt"))));
    }
    Map<String, Request> kinds = new LinkedHashMap<>();
    kinds.put("files: first page", (t, r) -> "/v1/files?limit=" + PAGE);
    kinds.put("files: page in the middle", (t, r) -> page("/v1/files?", middle(t.files())));
    kinds.put("files: last page", (t, r) -> page("/v1/files?", t.files().get(PAGE)));
    kinds.put(
        "files: scope_id (100 of them), first page",
        (t, r) -> "/v1/files?limit=" + PAGE + "&scope_id=" + t.setup().get("rare_session"));
    kinds.put("files: retrieve, random id", (t, r) -> "/v1/files/" + any(t.files(), r));
    kinds.put("sessions: first page", (t, r) -> "/v1/sessions?limit=" + PAGE);
    kinds.put(
        "sessions: page in the middle", (t, r) -> page("/v1/sessions?", middle(t.sessions())));
    kinds.put("sessions: last page", (t, r) -> page("/v1/sessions?", t.sessions().get(PAGE)));
    kinds.put(
        "sessions: order=asc, first page", (t, r) -> "/v1/sessions?order=asc&limit=" + PAGE);
    kinds.put(
        "sessions: agent_id (40 of them), first page",
        (t, r) -> "/v1/sessions?limit=" + PAGE + "&agent_id=" + t.setup().get("rare_agent"));
    kinds.put(
        "sessions: agent_id (the rest), page in the middle",
        (t, r) ->
            page(
                "/v1/sessions?agent_id=" + t.setup().get("common_agent") + "&",
                middle(t.sessions())));
    kinds.put("sessions: retrieve, random id", (t, r) -> "/v1/sessions/" + any(t.sessions(), r));

    var random = new Random(42);
    System.out.println("load before warm-up: " + load());
    for (int i = 0; i < WARM_UP; i++) {
      for (Request kind : kinds.values()) {
        for (Target t : targets) {
          t.api().timedGet(kind.path(t, random));
        }
      }
    }
    System.out.println("load after warm-up: " + load());
    Map<String, List<List<Double>>> samples = new LinkedHashMap<>();
    for (String kind : kinds.keySet()) {
      List<List<Double>> perTarget = new ArrayList<>();
      for (int i = 0; i < targets.size(); i++) {
        perTarget.add(new ArrayList<>());
      }
      samples.put(kind, perTarget);
    }
    for (int round = 0; round < rounds; round++) {
      for (var kind : kinds.entrySet()) {
        for (int k = 0; k < targets.size(); k++) {
          int which = (k + round) % targets.size(); // who goes first changes every round
          Target t = targets.get(which);
          for (int i = 0; i < PER_TURN; i++) {
            samples.get(kind.getKey()).get(which).add(t.api().timedGet(kind.getValue().path(t, random)));
          }
        }
      }
    }
    System.out.println("load after the runs: " + load());
    System.out.println();
    var header = new StringBuilder("| request, " + rounds * PER_TURN + " each, interleaved |");
    var rule = new StringBuilder("|---|");
    for (Target t : targets) {
      header.append(" ").append(t.name()).append(" p50 / p99 ms |");
      rule.append("---|");
    }
    for (int i = 1; i < targets.size(); i++) {
      header.append(" p50 ").append(targets.get(i).name()).append(" / ").append(targets.get(0).name()).append(" |");
      rule.append("---|");
    }
    System.out.println(header);
    System.out.println(rule);
    for (var kind : samples.entrySet()) {
      var line = new StringBuilder("| " + kind.getKey() + " |");
      double[] p50 = new double[targets.size()];
      for (int i = 0; i < targets.size(); i++) {
        double[] sorted = kind.getValue().get(i).stream().mapToDouble(Double::doubleValue).sorted().toArray();
        p50[i] = percentile(sorted, 0.50);
        line.append(String.format(" %.2f / %.2f |", p50[i], percentile(sorted, 0.99)));
      }
      for (int i = 1; i < targets.size(); i++) {
        line.append(String.format(" **%.2f** |", p50[i] / p50[0]));
      }
      System.out.println(line);
    }
  }

  static String middle(List<String> oldestFirst) {
    return oldestFirst.get(oldestFirst.size() / 2);
  }

  static String any(List<String> ids, Random random) {
    return ids.get(random.nextInt(ids.size()));
  }

  /** The page after {@code id} in the list's own (newest first) order, as next_page names it. */
  static String page(String prefix, String id) {
    String cursor =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(("berth1:>" + id).getBytes(StandardCharsets.UTF_8));
    return prefix + "limit=" + PAGE + "&page=" + cursor;
  }

  static double percentile(double[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
  }

  static String load() throws Exception {
    return Files.readString(Path.of("/proc/loadavg")).substring(0, 14).trim();
  }

  static Map<String, String> properties(Path path) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(path)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return out;
  }

  record Api(String base, String key) {
    HttpRequest.Builder request(String path) {
      return HttpRequest.newBuilder(URI.create(base + path))
          .header("x-api-key", key)
          .header("anthropic-beta", "managed-agents-2026-04-01");
    }

    /** Milliseconds to the whole body of a 200. */
    double timedGet(String path) throws Exception {
      long t0 = System.nanoTime();
      var r = CLIENT.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
      double ms = (System.nanoTime() - t0) / 1e6;
      check(r);
      return ms;
    }

    String post(String path, String body) throws Exception {
      var req =
          request(path)
              .header("content-type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build();
      return check(CLIENT.send(req, HttpResponse.BodyHandlers.ofString())).get("id").asText();
    }

    String upload(String filename, String content) throws Exception {
      String boundary = "bench-boundary";
      String body =
          "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
              + filename + "\"\r\nContent-Type: text/csv\r\n\r\n" + content + "\r\n--" + boundary
              + "--\r\n";
      var req =
          request("/v1/files")
              .header("content-type", "multipart/form-data; boundary=" + boundary)
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build();
      return check(CLIENT.send(req, HttpResponse.BodyHandlers.ofString())).get("id").asText();
    }

    static JsonNode check(HttpResponse<String> r) throws Exception {
      if (r.statusCode() != 200) {
        throw new IllegalStateException(r.request().uri() + " → " + r.statusCode() + " " + r.body());
      }
      return JSON.readTree(r.body());
    }
  }
}
