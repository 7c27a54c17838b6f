package dev.berth.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.model.FileRecord;
import dev.berth.model.PageRequest;
import dev.berth.sandbox.LocalSandboxHost;
import dev.berth.store.Database;
import dev.berth.store.FileStore;
import dev.berth.store.LocalBlobStore;
import dev.berth.store.OutputStore;
import dev.berth.store.WorkspaceStore;
import dev.berth.testing.TestStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OutputCatalogue#refresh} without HTTP. Two catalogues on one database stand for two nodes:
 * their in-process locks do not see each other, so only the database keeps them from cataloguing a
 * path twice.
 */
class OutputCatalogueTest {
  private static final String SESSION = "sesn_011111111111111111111111";

  @TempDir Path dir;
  final TestStores stores = TestStores.provision();
  Database db;
  LocalBlobStore blobs;
  LocalSandboxHost host;
  FileStore files;
  String workspace;
  Path outputs;

  @BeforeEach
  void open() {
    db = stores.openDatabase(dir);
    blobs = new LocalBlobStore(dir);
    host = new LocalSandboxHost(dir, blobs::localPath);
    files = new FileStore(db);
    workspace = new WorkspaceStore(db).ensureWorkspace("w", Ids.workspace(), Timestamps.now());
    SessionRows.insert(db, SESSION, workspace);
    host.reconcile(SESSION, Map.of());
    outputs = dir.resolve("sandboxes").resolve(SESSION).resolve("mnt/session/outputs");
  }

  @AfterEach
  void close() {
    host.close();
    db.close();
    stores.close();
  }

  OutputCatalogue catalogue() {
    return new OutputCatalogue(
        db,
        new OutputStore(db),
        blobs,
        new BlobReferences(db, files, blobs),
        host,
        new SingleNode(),
        100,
        1 << 20,
        1L << 30,
        id -> {});
  }

  List<FileRecord> scoped() {
    return files.list(workspace, Optional.of(SESSION), PageRequest.first(1000)).items();
  }

  @Test
  void refreshIsIdempotent() throws IOException {
    Files.writeString(outputs.resolve("a.txt"), "a");
    Files.writeString(outputs.resolve("b.txt"), "b");
    var catalogue = catalogue();

    catalogue.refresh(SESSION);
    var first = scoped();
    catalogue.refresh(SESSION);

    assertThat(first).hasSize(2);
    assertThat(scoped()).isEqualTo(first);
  }

  @Test
  void racingRefreshesOnTwoNodesCatalogueEachPathOnce() throws Exception {
    for (int i = 0; i < 20; i++) {
      Files.writeString(outputs.resolve("f" + i + ".txt"), "content " + i);
    }
    var nodes = List.of(catalogue(), catalogue());
    var start = new CountDownLatch(1);
    var runs = new ArrayList<CompletableFuture<Void>>();
    try (var pool = Executors.newFixedThreadPool(4)) {
      for (int i = 0; i < 4; i++) {
        var node = nodes.get(i % 2);
        runs.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    start.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  node.refresh(SESSION);
                },
                pool));
      }
      start.countDown();
      runs.forEach(CompletableFuture::join);
    }
    nodes.getFirst().refresh(SESSION); // whatever lost a race is caught up now

    var catalogued = scoped();
    assertThat(catalogued).hasSize(20);
    assertThat(catalogued).extracting(FileRecord::filename).doesNotHaveDuplicates();
    assertThat(new OutputStore(db).rows(SESSION)).hasSize(20);
  }
}
