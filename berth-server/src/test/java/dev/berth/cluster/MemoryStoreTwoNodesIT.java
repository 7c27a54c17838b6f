package dev.berth.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.json.Json;
import dev.berth.testing.BerthProcess;
import dev.berth.testing.Commands;
import dev.berth.testing.Http;
import dev.berth.testing.MemoryStores;
import dev.berth.testing.TestStores;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One memory store attached read-write to a session on each of two nodes sharing one database: what
 * one node's agent writes is in the other's directory at its next command, API writes through
 * either node too, and every write is a version, in order, naming the session that made it.
 */
class MemoryStoreTwoNodesIT {
  @TempDir Path dirA;
  @TempDir Path dirB;
  @RegisterExtension final TestStores stores = TestStores.provisionShared();

  @Test
  void writesThroughEitherNodesSessionOrApiAreSeenByTheOtherNodesNextCommandAndVersionedInOrder()
      throws Exception {
    try (BerthProcess a = BerthProcess.start(stores, dirA);
        BerthProcess b = BerthProcess.start(stores, dirB)) {
      String store = MemoryStores.create(a.http(), "Team Notes");
      // each node holds the session it made
      String onA = MemoryStores.session(a.http(), store, "read_write");
      String onB = MemoryStores.session(b.http(), store, "read_write");
      String dir = "/mnt/memory/team-notes";

      sh(a.http(), onA, "printf 'from a\\n' > " + dir + "/plan.md");
      assertThat(sh(b.http(), onB, "cat " + dir + "/plan.md")).isEqualTo("from a\n");

      sh(b.http(), onB, "printf 'from b\\n' > " + dir + "/plan.md");
      ok(
          b.http()
              .post(
                  "/v1/memory_stores/" + store + "/memories",
                  Json.write(Map.of("path", "/through-b.md", "content", "api on b\n"))));
      ok(
          a.http()
              .post(
                  "/v1/memory_stores/" + store + "/memories",
                  Json.write(Map.of("path", "/through-a.md", "content", "api on a\n"))));
      assertThat(sh(a.http(), onA, "cd " + dir + " && cat plan.md through-b.md through-a.md"))
          .isEqualTo("from b\napi on b\napi on a\n");
      assertThat(sh(b.http(), onB, "cat " + dir + "/through-a.md")).isEqualTo("api on a\n");

      List<JsonNode> versions = MemoryStores.versions(b.http(), store);
      assertThat(versions)
          .extracting(
              v ->
                  v.get("operation").asText()
                      + " "
                      + v.get("path").asText()
                      + " "
                      + v.get("content").asText()
                      + " by "
                      + v.at("/created_by/type").asText())
          .containsExactly(
              "created /plan.md from a\n by session_actor",
              "modified /plan.md from b\n by session_actor",
              "created /through-b.md api on b\n by api_actor",
              "created /through-a.md api on a\n by api_actor");
      assertThat(versions.get(0).at("/created_by/session_id").asText()).isEqualTo(onA);
      assertThat(versions.get(1).at("/created_by/session_id").asText()).isEqualTo(onB);
      assertThat(versions.get(1).get("memory_id")).isEqualTo(versions.get(0).get("memory_id"));
    }
  }

  private static JsonNode ok(Http.Response r) {
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    return r.json();
  }

  private static String sh(Http http, String session, String script) {
    var r = Commands.exec(http, session, "sh", "-c", script);
    assertThat(ok(r).get("exit_code").asInt()).as("%s: %s", script, r.json()).isEqualTo(0);
    assertThat(r.json().get("memory_writes_refused")).isEmpty();
    return r.json().get("stdout").asText();
  }
}
