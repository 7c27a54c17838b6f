package dev.berth.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.fuzz.FuzzRoutes.Targets;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.RawHttp;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Malformed requests to every route over real HTTP ({@link Fuzzer}), each checked three ways: the
 * answer is never a 5xx (nor anything but a 2xx or 4xx); every 4xx is the error envelope with the
 * {@code request-id} header's id in it; and a rejected request that could write left every stored
 * row and blob as it was ({@link Census} before and after).
 *
 * <p>The run is bounded for CI: {@code berth.fuzz.tries} requests (default 400) from the seed
 * {@code berth.fuzz.seed} (default fixed, so every run sends the same requests); a failure names
 * both, so {@code mvn test -Dtest=RouteFuzzTest -Dberth.fuzz.seed=… -Dberth.fuzz.tries=…} sends the
 * same requests again. A longer run locally: {@code -Dberth.fuzz.tries=20000}, and a new seed for
 * new requests.
 */
class RouteFuzzTest {
  private static final long DEFAULT_SEED = 0x6265727468L;
  private static final Pattern REQUEST_ID = Pattern.compile("req_01[0-9A-Za-z]{22}");

  @RegisterExtension static final SharedServer server = new SharedServer();

  @Test
  void malformedRequestsToEveryRouteGetAnEnvelopeNever5xxAndCreateNothing() throws Exception {
    long seed = Long.getLong("berth.fuzz.seed", DEFAULT_SEED);
    int tries = Integer.getInteger("berth.fuzz.tries", 400);
    Random random = new Random(seed);
    List<String> failures = new ArrayList<>();
    Map<Integer, Integer> statuses = new TreeMap<>();
    long start = System.nanoTime();
    try (Connection metadata = server.get().metadata()) {
      Targets targets = targets();
      Census census = Census.take(server.get(), metadata);
      for (int i = 0; i < tries; i++) {
        FuzzRequest request = new Fuzzer(random, targets).next();
        RawHttp.Response response;
        try {
          response = RawHttp.send(server.baseUrl(), request.bytes());
        } catch (UncheckedIOException e) {
          failures.add(failure(i, request, "no response: " + e.getMessage()));
          continue;
        }
        int status = response.status();
        statuses.merge(status, 1, Integer::sum);
        String problem = null;
        if (status >= 400 && status < 500) {
          problem = envelopeProblem(request, response);
          if (problem == null && !request.readOnly()) {
            Census after = Census.take(server.get(), metadata);
            String differences = census.differences(after);
            if (!differences.isEmpty()) {
              problem = "a rejected request changed what is stored:\n" + differences;
            }
            census = after;
          }
        } else if (status < 200 || status >= 300) {
          problem = "status " + status;
        } else if (!request.readOnly()) {
          // well-formed after all: it may have removed or archived what the next requests aim at
          if (!live(targets)) {
            targets = targets();
          }
          census = Census.take(server.get(), metadata);
        }
        if (problem != null) {
          failures.add(
              failure(i, request, problem + "\nanswer: " + status + " " + response.text()));
        }
      }
    }
    System.out.printf(
        "route fuzz: seed %d, %d requests in %d ms, answered %s%n",
        seed, tries, (System.nanoTime() - start) / 1_000_000, statuses);
    assertThat(failures)
        .as(
            "%d of %d requests failed (seed %d; rerun with -Dberth.fuzz.seed=%d"
                + " -Dberth.fuzz.tries=%d); the first ones:\n%s",
            failures.size(),
            tries,
            seed,
            seed,
            tries,
            String.join("\n\n", failures.subList(0, Math.min(10, failures.size()))))
        .isEmpty();
    int rejected =
        statuses.entrySet().stream()
            .filter(e -> e.getKey() >= 400)
            .mapToInt(Map.Entry::getValue)
            .sum();
    assertThat(rejected).as("requests rejected").isGreaterThan(tries / 2);
  }

  private static String failure(int index, FuzzRequest request, String problem) {
    return "try " + index + ": " + problem + "\n" + request.describe();
  }

  /** What is wrong with a 4xx answer, or null when it is the spec's error envelope. */
  private static String envelopeProblem(FuzzRequest request, RawHttp.Response r) {
    String requestId = r.header("request-id");
    if (requestId == null || !REQUEST_ID.matcher(requestId).matches()) {
      return "request-id header is " + requestId;
    }
    if (request.method().equals("HEAD")) {
      return null; // no body
    }
    String contentType = r.header("content-type");
    if (contentType == null || !contentType.startsWith("application/json")) {
      return "content-type is " + contentType;
    }
    JsonNode json = r.json();
    if (json == null
        || !json.path("type").asText().equals("error")
        || !json.path("error").path("type").isTextual()
        || json.path("error").path("type").asText().isBlank()
        || !json.path("error").path("message").isTextual()
        || !json.path("request_id").asText().equals(requestId)) {
      return "not the error envelope with the request id " + requestId;
    }
    return null;
  }

  /** Whether every target still exists and none is archived. */
  private static boolean live(Targets t) {
    Http http = server.http();
    for (String path :
        List.of(
            "/v1/files/" + t.fileId(),
            "/v1/files/" + t.outputFileId(),
            "/v1/sessions/" + t.sessionId(),
            "/v1/sessions/" + t.sessionId() + "/resources/" + t.resourceId(),
            "/v1/agents/" + t.agentId(),
            "/v1/environments/" + t.environmentId(),
            "/v1/memory_stores/" + t.memoryStoreId(),
            "/v1/memory_stores/" + t.memoryStoreId() + "/memories/" + t.memoryId(),
            "/v1/memory_stores/" + t.memoryStoreId() + "/memory_versions/" + t.memoryVersionId())) {
      var r = http.get(path);
      JsonNode archived = r.json() == null ? null : r.json().get("archived_at");
      if (r.status() != 200 || (archived != null && !archived.isNull())) {
        return false;
      }
    }
    return true;
  }

  /**
   * New objects to aim at: a file, agent, environment, session, resource and output, and a memory
   * store with a memory and a version of it that is no longer its current one.
   */
  private static Targets targets() {
    Http http = server.http();
    String file = Fixtures.upload(http, "target.txt", "target");
    String agent = Fixtures.agent(http);
    String environment = Fixtures.environment(http);
    var session =
        http.post(
            "/v1/sessions",
            "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + environment + "\"}");
    assertThat(session.status()).as("%s", session.json()).isEqualTo(200);
    String sessionId = session.json().get("id").asText();
    var resource =
        http.post(
            "/v1/sessions/" + sessionId + "/resources", Fixtures.fileResource(file, "/t/r.txt"));
    assertThat(resource.status()).as("%s", resource.json()).isEqualTo(200);
    Commands.sh(http, sessionId, "echo out > /mnt/session/outputs/out.txt");
    String output = null;
    for (JsonNode f : http.get("/v1/files?scope_id=" + sessionId).json().get("data")) {
      if (f.get("filename").asText().equals("out.txt")) {
        output = f.get("id").asText();
      }
    }
    assertThat(output).as("the output's file id").isNotNull();
    Fixtures.session(http); // a second session, so that a list of one has a next page
    JsonNode next = http.get("/v1/sessions?limit=1").json().get("next_page");
    String store =
        http.post("/v1/memory_stores", "{\"name\":\"target\"}").json().get("id").asText();
    JsonNode memory =
        http.post(
                "/v1/memory_stores/" + store + "/memories",
                "{\"path\":\"/t/target.md\",\"content\":\"target\"}")
            .json();
    String memoryId = memory.get("id").asText();
    var changed =
        http.post(
            "/v1/memory_stores/" + store + "/memories/" + memoryId, "{\"content\":\"changed\"}");
    assertThat(changed.status()).as("%s", changed.json()).isEqualTo(200);
    Http other = server.http(TestServer.OTHER_KEY);
    return new Targets(
        file,
        sessionId,
        resource.json().get("id").asText(),
        agent,
        environment,
        output,
        store,
        memoryId,
        memory.get("memory_version_id").asText(),
        Fixtures.upload(other, "other.txt", "other"),
        Fixtures.session(other),
        next == null || next.isNull() ? "" : next.asText());
  }
}
