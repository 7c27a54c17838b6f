package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.model.Actor;
import dev.berth.model.MemoryContent;
import dev.berth.model.MemoryRedaction;
import dev.berth.model.MemoryStoreRecord;
import dev.berth.model.MemoryWrite;
import dev.berth.model.MemoryWriteResult;
import dev.berth.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What SQLite erases is gone from its files: a redacted memory version's path and content, or a
 * deleted store's memories, end up in neither the database file nor its write-ahead log.
 */
class SqliteErasureTest {
  private static final Actor CALLER = new Actor.ApiKey("apikey_1");
  private static final String NOW = "2026-01-01T00:00:00.000000Z";

  @TempDir Path dataDir;
  private Database db;
  private MemoryStoreStore stores;
  private MemoryStoreRecord store;
  private int serial;

  @BeforeEach
  void open() {
    db = Database.sqlite(dataDir);
    stores = new MemoryStoreStore(db);
    var workspaces = new WorkspaceStore(db);
    String workspace = workspaces.ensureWorkspace("alpha", "wrkspc_1", NOW);
    store =
        new MemoryStoreRecord(
            "memstore_1", workspace, "notes", "", Map.of(), Optional.empty(), NOW, NOW);
    stores.insertStore(store);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aRedactedVersionsPathAndContentLeaveTheDatabaseFiles() throws Exception {
    String secretPath = "/secret-" + UUID.randomUUID() + ".md";
    String secret = ("token-" + UUID.randomUUID() + "\n").repeat(200); // spans overflow pages
    String memoryId = "mem_1";
    MemoryWriteResult.Written created =
        written(
            new MemoryWrite.Create(
                store.workspaceId(),
                store.id(),
                memoryId,
                secretPath,
                MemoryContent.of(secret),
                CALLER,
                nextVersionId(),
                NOW));
    written(
        new MemoryWrite.Modify(
            store.workspaceId(),
            store.id(),
            memoryId,
            Optional.of("/clean.md"),
            Optional.of(MemoryContent.of("nothing to see")),
            Optional.empty(),
            CALLER,
            nextVersionId(),
            NOW));
    assertThat(filesHold(secret.substring(0, 43))).as("before the redaction").isTrue();

    assertThat(stores.redact(store.workspaceId(), store.id(), created.version().id(), CALLER, NOW))
        .isInstanceOf(MemoryRedaction.Redacted.class);

    awaitGone("the content", secret.substring(0, 43));
    awaitGone("the path", secretPath);
  }

  @Test
  void aDeletedStoresMemoriesLeaveTheDatabaseFiles() throws Exception {
    String secret = "token-" + UUID.randomUUID();
    written(
        new MemoryWrite.Create(
            store.workspaceId(),
            store.id(),
            "mem_1",
            "/a.md",
            MemoryContent.of(secret),
            CALLER,
            nextVersionId(),
            NOW));
    assertThat(stores.deleteStore(store.workspaceId(), store.id())).isPresent();

    awaitGone("the content", secret);
  }

  /**
   * Waits until no file holds {@code text}: the erasure truncates the log in the background after
   * it returns, and tells no one when it is done.
   */
  private void awaitGone(String what, String text) throws InterruptedException {
    Await.until(
        what + " gone from the files",
        Duration.ofSeconds(30),
        () -> {
          try {
            return !filesHold(text);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private MemoryWriteResult.Written written(MemoryWrite write) {
    MemoryWriteResult result = db.write(tx -> MemoryStoreStore.write(tx, write));
    assertThat(result).isInstanceOf(MemoryWriteResult.Written.class);
    return (MemoryWriteResult.Written) result;
  }

  private String nextVersionId() {
    return "memver_" + ++serial;
  }

  /** Whether any file of the data directory holds {@code text}'s UTF-8 bytes. */
  private boolean filesHold(String text) throws IOException {
    byte[] needle = text.getBytes(StandardCharsets.UTF_8);
    List<Path> files = new ArrayList<>();
    try (Stream<Path> all = Files.walk(dataDir)) {
      all.filter(Files::isRegularFile).forEach(files::add);
    }
    for (Path f : files) {
      if (indexOf(Files.readAllBytes(f), needle) >= 0) {
        return true;
      }
    }
    return false;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
