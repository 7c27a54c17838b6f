package dev.berth.sandbox;

import static dev.berth.sandbox.Trees.fileKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-session caches hand a session only what is its own. The locks here have a single stripe,
 * so sessions A and B share one lock and the test thread can hold both handles at once: only the
 * handle passed, not the lock, decides whose directories come back.
 */
class SessionBoundaryTest {
  static final SessionId A = new SessionId("sesn_a");
  static final SessionId B = new SessionId("sesn_b");

  @TempDir Path dataDir;
  Path sandboxes;
  Staging staging;
  SecureDirectoryStream<Path> sandboxesDir;
  SpareDirectories spares;
  KeptSessions kept;
  final SessionLocks locks = new SessionLocks(1);

  @BeforeEach
  void setUp() throws IOException {
    sandboxes = dataDir.resolve("sandboxes");
    staging = Staging.open(sandboxes.resolve(".staging"));
    sandboxesDir = NoFollow.openTrusted(sandboxes);
    spares = new SpareDirectories(staging, 4);
    kept = new KeptSessions(sandboxesDir, 4);
  }

  @AfterEach
  void tearDown() throws IOException {
    kept.close();
    sandboxesDir.close();
    staging.close();
  }

  @Test
  void aDirectoryOneSessionEmptiedGoesBackToItAndNeverToAnotherHoldingTheSameLock()
      throws IOException {
    Files.createDirectories(sandboxes.resolve("sesn_a/emptied"));
    Object emptied = fileKey(sandboxes.resolve("sesn_a/emptied"));
    try (var a = locks.lock(A);
        var b = locks.lock(B);
        var treeA = NoFollow.open(sandboxesDir, Path.of("sesn_a"));
        var dir = NoFollow.open(treeA, Path.of("emptied"))) {
      assertThat(spares.removeIfEmpty(a, treeA, dir, NoFollow.fileKey(dir), Path.of("emptied")))
          .isTrue();
      assertThat(spares.size()).isEqualTo(1);

      Path forB = spares.emptyDirectory(b);

      assertThat(fileKey(forB)).isNotEqualTo(emptied);
      assertThat(spares.size()).as("still A's").isEqualTo(1);
      assertThat(fileKey(spares.emptyDirectory(a))).isEqualTo(emptied);
      assertThat(spares.size()).isZero();
    }
  }

  @Test
  void eachSessionGetsItsOwnKeptDirectoriesWhenTwoSessionsHoldTheSameLock() throws IOException {
    Object[] root = new Object[2];
    try (var a = locks.lock(A);
        var b = locks.lock(B)) {
      kept.withTop(tree(a), true, top -> root[0] = NoFollow.fileKey(top.tree()));
      kept.withTop(tree(b), true, top -> {});

      kept.withTop(tree(b), false, top -> root[1] = NoFollow.fileKey(top.tree()));
    }

    assertThat(root[0]).isEqualTo(fileKey(sandboxes.resolve("sesn_a")));
    assertThat(root[1]).isEqualTo(fileKey(sandboxes.resolve("sesn_b"))).isNotEqualTo(root[0]);
  }

  @Test
  void aHandleIsRefusedByTheCachesOnceItsLockIsReleased() {
    var a = locks.lock(A);
    a.close();

    assertThatThrownBy(() -> spares.emptyDirectory(a)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> spares.drop(a)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> kept.drop(a)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> kept.withTop(tree(a), true, top -> {}))
        .isInstanceOf(IllegalStateException.class);
    assertThat(sandboxes.resolve("sesn_a")).doesNotExist();
  }

  @Test
  void aHandleIsRefusedByTheCachesOnAnotherThreadThanTheOneHoldingItsLock() throws IOException {
    Files.createDirectories(sandboxes.resolve("sesn_a/emptied"));
    try (var a = locks.lock(A);
        var treeA = NoFollow.open(sandboxesDir, Path.of("sesn_a"));
        var dir = NoFollow.open(treeA, Path.of("emptied"))) {
      spares.removeIfEmpty(a, treeA, dir, NoFollow.fileKey(dir), Path.of("emptied"));

      var elsewhere =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return spares.emptyDirectory(a);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });

      assertThatThrownBy(elsewhere::get)
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(IllegalStateException.class);
      assertThat(spares.size()).as("still A's").isEqualTo(1);
    }
  }

  SessionTree tree(SessionLocks.Held session) {
    return new SessionTree(session, staging, spares);
  }
}
