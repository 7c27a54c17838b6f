package dev.berth.memory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.json.Json;
import dev.berth.testing.Await;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.MemoryStores;
import dev.berth.testing.SharedServer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Memory stores mounted live in sessions' sandboxes, through real commands: read-only mounts refuse
 * writes, what an agent writes in a read-write mount becomes versions written by its session,
 * changes from the API or another session show in the next command, and what breaks the rules,
 * links and FIFOs included, is never recorded.
 */
class MemoryMountTest {
  @RegisterExtension static final SharedServer server = new SharedServer();

  static Http http() {
    return server.http();
  }

  static JsonNode ok(Http.Response r) {
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    return r.json();
  }

  static String store(String name) {
    return MemoryStores.create(http(), name);
  }

  static JsonNode memory(String store, String path, String content) {
    return ok(
        http()
            .post(
                "/v1/memory_stores/" + store + "/memories",
                Json.write(Map.of("path", path, "content", content))));
  }

  static String session(String store, String access) {
    return MemoryStores.session(http(), store, access);
  }

  static Http.Response sh(String session, String script) {
    return Commands.exec(http(), session, "sh", "-c", script);
  }

  static List<JsonNode> versions(String store) {
    return MemoryStores.versions(http(), store);
  }

  static Map<String, String> memories(String store) {
    return MemoryStores.memories(http(), store);
  }

  @Test
  void aReadOnlyMountShowsTheMemoriesAndEveryWriteFailsWithEROFS() {
    String store = store("Read Only");
    memory(store, "/notes/a.md", "alpha\n");
    String session = session(store, "read_only");
    var r =
        sh(
            session,
            "cat /mnt/memory/read-only/notes/a.md; echo x > /mnt/memory/read-only/new.md 2>&1;"
                + " echo more >> /mnt/memory/read-only/notes/a.md;"
                + " rm /mnt/memory/read-only/notes/a.md; exit 0");
    assertThat(ok(r).get("stdout").asText()).isEqualTo("alpha\n");
    assertThat(r.json().get("stderr").asText())
        .contains("Read-only file system")
        .doesNotContain("Permission denied");
    assertThat(memories(store)).containsExactly(Map.entry("/notes/a.md", "alpha\n"));
    assertThat(versions(store)).hasSize(1);
  }

  @Test
  void whatAnAgentCreatesChangesAndDeletesBecomesVersionsWithTheSessionAsAuthor() {
    String store = store("work");
    String keptId = memory(store, "/keep.md", "keep\n").get("id").asText();
    String changedId = memory(store, "/change.md", "before\n").get("id").asText();
    String goneId = memory(store, "/gone.md", "bye\n").get("id").asText();
    String session = session(store, "read_write");
    var r =
        sh(
            session,
            "cd /mnt/memory/work && mkdir -p new/deep && printf 'hello\\n' > new/deep/n.md"
                + " && printf 'after\\n' > change.md && rm gone.md");
    assertThat(ok(r).get("exit_code").asInt()).isEqualTo(0);
    assertThat(r.json().get("memory_writes_refused")).isEmpty();
    assertThat(memories(store))
        .containsExactly(
            Map.entry("/change.md", "after\n"),
            Map.entry("/keep.md", "keep\n"),
            Map.entry("/new/deep/n.md", "hello\n"));
    List<JsonNode> bySession =
        versions(store).stream()
            .filter(v -> v.at("/created_by/type").asText().equals("session_actor"))
            .toList();
    assertThat(bySession).hasSize(3);
    for (JsonNode v : bySession) {
      assertThat(v.at("/created_by/session_id").asText()).isEqualTo(session);
    }
    assertThat(
            bySession.stream().map(v -> v.get("operation").asText() + " " + v.get("path").asText()))
        .containsExactlyInAnyOrder(
            "created /new/deep/n.md", "modified /change.md", "deleted /gone.md");
    assertThat(
            bySession.stream()
                .filter(v -> v.get("operation").asText().equals("modified"))
                .findFirst()
                .orElseThrow()
                .get("memory_id")
                .asText())
        .isEqualTo(changedId);
    assertThat(
            bySession.stream()
                .filter(v -> v.get("operation").asText().equals("deleted"))
                .findFirst()
                .orElseThrow()
                .get("memory_id")
                .asText())
        .isEqualTo(goneId);
    assertThat(keptId).isNotBlank();
    // a command that writes nothing records nothing
    ok(sh(session, "cat /mnt/memory/work/keep.md"));
    assertThat(versions(store)).hasSize(3 + 3);
  }

  @Test
  void aChangeThroughTheApiIsInTheNextCommand() {
    String store = store("live");
    String id = memory(store, "/a.md", "one\n").get("id").asText();
    String session = session(store, "read_write");
    assertThat(ok(sh(session, "cat /mnt/memory/live/a.md")).get("stdout").asText())
        .isEqualTo("one\n");
    ok(http().post("/v1/memory_stores/" + store + "/memories/" + id, "{\"content\":\"two\\n\"}"));
    memory(store, "/b.md", "bee\n");
    assertThat(
            ok(sh(session, "cat /mnt/memory/live/a.md /mnt/memory/live/b.md"))
                .get("stdout")
                .asText())
        .isEqualTo("two\nbee\n");
    assertThat(http().delete("/v1/memory_stores/" + store + "/memories/" + id).status())
        .isEqualTo(200);
    assertThat(ok(sh(session, "ls /mnt/memory/live")).get("stdout").asText()).isEqualTo("b.md\n");
  }

  @Test
  void twoSessionsSharingAStoreSeeEachOthersWritesAndBothVersionsOfOneMemoryStayInOrder() {
    String store = store("shared");
    memory(store, "/log.md", "start\n");
    String first = session(store, "read_write");
    String second = session(store, "read_write");
    ok(sh(first, "printf 'from first\\n' > /mnt/memory/shared/log.md"));
    assertThat(ok(sh(second, "cat /mnt/memory/shared/log.md")).get("stdout").asText())
        .isEqualTo("from first\n");
    ok(sh(second, "printf 'from second\\n' > /mnt/memory/shared/log.md"));
    List<JsonNode> all = versions(store);
    assertThat(all.stream().map(v -> v.get("content").asText()))
        .containsExactly("start\n", "from first\n", "from second\n");
    assertThat(all.get(1).at("/created_by/session_id").asText()).isEqualTo(first);
    assertThat(all.get(2).at("/created_by/session_id").asText()).isEqualTo(second);
    assertThat(all.stream().map(v -> v.get("memory_id").asText()).distinct()).hasSize(1);
    assertThat(ok(sh(first, "cat /mnt/memory/shared/log.md")).get("stdout").asText())
        .isEqualTo("from second\n");
  }

  @Test
  void writesBreakingTheRulesAreNotRecordedAreReportedAndArePutBackBeforeTheNextCommand() {
    String store = store("rules");
    memory(store, "/ok.md", "fine\n");
    String session = session(store, "read_write");
    var r =
        sh(
            session,
            "cd /mnt/memory/rules && printf '\\377\\376' > ok.md"
                + " && head -c 102401 /dev/zero | tr '\\0' a > big.md"
                + " && printf 'x' > \"$(printf 'bad\\001name')\""
                + " && printf 'nul\\0' > nul.md && printf 'good\\n' > good.md"
                + " && printf 'nfd' > \"$(printf 'cafe\\314\\201.md')\"");
    assertThat(ok(r).get("exit_code").asInt()).isEqualTo(0);
    List<String> refused = new ArrayList<>();
    r.json()
        .get("memory_writes_refused")
        .forEach(
            f -> {
              assertThat(f.get("mount_path").asText()).isEqualTo("/mnt/memory/rules");
              refused.add(f.get("path").asText() + ": " + f.get("reason").asText());
            });
    assertThat(refused).hasSize(4);
    assertThat(refused.get(0)).startsWith("/big.md: content must be at most 102400 bytes");
    assertThat(refused.get(1)).startsWith("/cafe\u0301.md: path").contains("Normalization Form C");
    assertThat(refused.get(2)).startsWith("/nul.md: content must not contain NUL");
    assertThat(refused.get(3)).startsWith("/ok.md: content is not valid UTF-8");
    assertThat(memories(store))
        .containsExactly(Map.entry("/good.md", "good\n"), Map.entry("/ok.md", "fine\n"));
    assertThat(ok(sh(session, "cd /mnt/memory/rules && ls && cat ok.md")).get("stdout").asText())
        .isEqualTo("good.md\nok.md\nfine\n");
  }

  @Test
  void linksAndFifosPlantedInTheMountAreNeitherFollowedNorRecordedAndAreGoneByTheNextCommand() {
    String store = store("planted");
    memory(store, "/real.md", "real\n");
    String session = session(store, "read_write");
    var r =
        sh(
            session,
            "cd /mnt/memory/planted && ln -s /etc/passwd passwd.md && ln -s real.md alias.md"
                + " && mkfifo pipe.md && ln -s /etc linked-dir");
    assertThat(ok(r).get("exit_code").asInt()).isEqualTo(0);
    assertThat(r.json().get("memory_writes_refused")).isEmpty();
    assertThat(memories(store)).containsExactly(Map.entry("/real.md", "real\n"));
    assertThat(versions(store)).hasSize(1);
    assertThat(ok(sh(session, "ls -A /mnt/memory/planted")).get("stdout").asText())
        .isEqualTo("real.md\n");
  }

  @Test
  void aCommandStartingWhileAnotherRunsLeavesItsUnrecordedWritesInPlaceAndBothAreRecorded()
      throws Exception {
    String store = store("overlap");
    String session = session(store, "read_write");
    ok(sh(session, "mkfifo /workspace/go"));
    // writes a memory, then waits for the second command to say go
    var first =
        Commands.start(
            http(),
            session,
            Map.of(
                "command",
                List.of(
                    "sh",
                    "-c",
                    "printf 'first\\n' > /mnt/memory/overlap/first.md && touch /workspace/written"
                        + " && cat /workspace/go")));
    Await.until(
        "the first command wrote its memory",
        Duration.ofSeconds(30),
        () ->
            Files.exists(server.dataDir().resolve("sandboxes/" + session + "/workspace/written")));
    memory(store, "/api.md", "api\n"); // the store moves on meanwhile

    var second =
        sh(
            session,
            "cat /mnt/memory/overlap/first.md; printf 'second\\n' > /mnt/memory/overlap/second.md;"
                + " echo go > /workspace/go");

    assertThat(ok(second).get("stdout").asText()).isEqualTo("first\n");
    assertThat(ok(first.get()).get("exit_code").asInt()).isEqualTo(0);
    assertThat(memories(store))
        .containsExactly(
            Map.entry("/api.md", "api\n"),
            Map.entry("/first.md", "first\n"),
            Map.entry("/second.md", "second\n"));
    assertThat(versions(store).stream().map(v -> v.at("/created_by/type").asText()))
        .containsExactlyInAnyOrder("api_actor", "session_actor", "session_actor");
    assertThat(
            ok(sh(session, "cd /mnt/memory/overlap && cat api.md first.md second.md"))
                .get("stdout")
                .asText())
        .isEqualTo("api\nfirst\nsecond\n");
  }

  @Test
  void aFileMovedInOneCommandKeepsItsMemoryIdWhileACopyOrAFileMovedAndChangedIsANewMemory() {
    String store = store("moves");
    String moved = memory(store, "/drafts/plan.md", "plan\n").get("id").asText();
    String copied = memory(store, "/copy-me.md", "copy\n").get("id").asText();
    String edited = memory(store, "/edit-me.md", "edit\n").get("id").asText();
    String session = session(store, "read_write");
    var r =
        sh(
            session,
            "cd /mnt/memory/moves && mkdir final && mv drafts/plan.md final/plan.md"
                + " && cp copy-me.md copied.md && rm copy-me.md"
                + " && mv edit-me.md edited.md && echo more >> edited.md");
    assertThat(ok(r).get("memory_writes_refused")).isEmpty();

    Map<String, String> ids = new java.util.TreeMap<>();
    for (var page : Fixtures.pages(http(), "/v1/memory_stores/" + store + "/memories?limit=20")) {
      page.json().get("data").forEach(m -> ids.put(m.get("path").asText(), m.get("id").asText()));
    }
    assertThat(ids.keySet()).containsExactly("/copied.md", "/edited.md", "/final/plan.md");
    assertThat(ids.get("/final/plan.md")).isEqualTo(moved);
    assertThat(ids.get("/copied.md")).isNotEqualTo(copied);
    assertThat(ids.get("/edited.md")).isNotEqualTo(edited);
    assertThat(memories(store))
        .containsEntry("/final/plan.md", "plan\n")
        .containsEntry("/edited.md", "edit\nmore\n");
    assertThat(
            versions(store).stream()
                .filter(v -> v.at("/created_by/type").asText().equals("session_actor"))
                .map(v -> v.get("operation").asText() + " " + v.get("path").asText()))
        .containsExactlyInAnyOrder(
            "modified /final/plan.md",
            "deleted /copy-me.md",
            "created /copied.md",
            "deleted /edit-me.md",
            "created /edited.md");
  }

  @Test
  void aMemoryReplacedByADirectoryOfTheSameNameIsDeletedAndTheFilesInItAreCreated() {
    String store = store("replace");
    memory(store, "/notes", "one file\n");
    String session = session(store, "read_write");
    var r = sh(session, "cd /mnt/memory/replace && rm notes && mkdir notes && echo a > notes/a.md");
    assertThat(ok(r).get("memory_writes_refused")).isEmpty();
    assertThat(memories(store)).containsExactly(Map.entry("/notes/a.md", "a\n"));
  }
}
