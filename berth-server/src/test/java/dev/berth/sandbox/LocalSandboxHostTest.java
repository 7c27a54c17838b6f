package dev.berth.sandbox;

import static dev.berth.sandbox.Trees.contents;
import static dev.berth.sandbox.Trees.fileKey;
import static dev.berth.sandbox.Trees.sha256;
import static dev.berth.sandbox.Trees.snapshot;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalSandboxHostTest {
  static final String SESSION = "sesn_011CNha8iCJcU1wXNR6q4V8w";

  @TempDir Path dataDir;
  LocalSandboxHost host;
  String hello;
  String world;

  @BeforeEach
  void setUp() throws IOException {
    host = new LocalSandboxHost(dataDir, this::blobPath);
    hello = blob("hello");
    world = blob("world");
  }

  @Test
  void mountMakesTheBlobReadableAtThePathAsAHardLink() throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/data/hello.txt", hello);

    Path mounted = inTree("/mnt/session/uploads/data/hello.txt");
    assertThat(mounted).hasContent("hello");
    assertThat(fileKey(mounted)).isEqualTo(fileKey(blobPath(hello)));
    assertThat(Files.getPosixFilePermissions(mounted))
        .isEqualTo(PosixFilePermissions.fromString("r--r--r--"));
    assertThat(inTree("/mnt/session/outputs")).isEmptyDirectory();
    assertThat(inTree("/workspace")).isEmptyDirectory();
  }

  @Test
  void mountReplacesAMountOfAnotherBlob() throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/a.txt", hello);
    host.mount(SESSION, "/mnt/session/uploads/a.txt", world);

    assertThat(inTree("/mnt/session/uploads/a.txt")).hasContent("world");
    assertThat(fileKey(inTree("/mnt/session/uploads/a.txt"))).isEqualTo(fileKey(blobPath(world)));
  }

  @Test
  void mountingTheBlobAlreadyAtThePathKeepsItAndLeavesNothingInStaging() throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/a.txt", hello);
    Object before = fileKey(inTree("/mnt/session/uploads/a.txt"));

    host.mount(SESSION, "/mnt/session/uploads/a.txt", hello);

    assertThat(fileKey(inTree("/mnt/session/uploads/a.txt"))).isEqualTo(before);
    assertThat(dataDir.resolve("sandboxes/.staging")).isEmptyDirectory();
  }

  @Test
  void mountWhereADirectoryStandsReplacesTheDirectoryWithTheLink() throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/other/x.txt", world);
    Files.createDirectories(inTree("/mnt/session/uploads/a.txt/inside"));

    host.mount(SESSION, "/mnt/session/uploads/a.txt", hello);

    assertThat(contents(inTree("/mnt/session/uploads")))
        .containsExactly(
            Map.entry("a.txt", "hello"),
            Map.entry("other", "dir"),
            Map.entry("other/x.txt", "world"));
    assertThat(dataDir.resolve("sandboxes/.staging")).isEmptyDirectory();
  }

  @Test
  void mountInNewDirectoriesWhereAFileStandsMakesThemAndLeavesNothingInStaging()
      throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/keep.txt", world);
    Files.writeString(inTree("/mnt/session/uploads/a"), "stray");

    host.mount(SESSION, "/mnt/session/uploads/a/b/c/x.txt", hello);

    assertThat(contents(inTree("/mnt/session/uploads")))
        .containsExactly(
            Map.entry("a", "dir"),
            Map.entry("a/b", "dir"),
            Map.entry("a/b/c", "dir"),
            Map.entry("a/b/c/x.txt", "hello"),
            Map.entry("keep.txt", "world"));
    assertThat(fileKey(inTree("/mnt/session/uploads/a/b/c/x.txt")))
        .isEqualTo(fileKey(blobPath(hello)));
    assertThat(dataDir.resolve("sandboxes/.staging")).isEmptyDirectory();
  }

  @Test
  void unmountRemovesTheFileAndTheDirectoriesItCreatedButNotUploads() {
    host.mount(SESSION, "/mnt/session/uploads/keep/x.txt", hello);
    host.mount(SESSION, "/mnt/session/uploads/keep/deep/er/y.txt", world);

    host.unmount(SESSION, "/mnt/session/uploads/keep/deep/er/y.txt");
    assertThat(inTree("/mnt/session/uploads/keep/deep")).doesNotExist();
    assertThat(inTree("/mnt/session/uploads/keep/x.txt")).hasContent("hello");

    host.unmount(SESSION, "/mnt/session/uploads/keep/x.txt");
    assertThat(inTree("/mnt/session/uploads")).isEmptyDirectory();
    assertThat(blobPath(hello)).hasContent("hello");
  }

  @Test
  void directoriesAnUnmountEmptiedAreReusedEmptyByTheNextMount() throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/a/b/x.txt", hello);
    Object a = fileKey(inTree("/mnt/session/uploads/a"));
    Object b = fileKey(inTree("/mnt/session/uploads/a/b"));
    host.unmount(SESSION, "/mnt/session/uploads/a/b/x.txt");
    assertThat(inTree("/mnt/session/uploads")).isEmptyDirectory();
    assertThat(host.spareDirectories()).isEqualTo(2);

    host.mount(SESSION, "/mnt/session/uploads/c/d/y.txt", world);

    assertThat(host.spareDirectories()).isZero();
    assertThat(
            List.of(
                fileKey(inTree("/mnt/session/uploads/c")),
                fileKey(inTree("/mnt/session/uploads/c/d"))))
        .containsExactlyInAnyOrder(a, b);
    assertThat(contents(inTree("/mnt/session/uploads")))
        .containsExactly(
            Map.entry("c", "dir"), Map.entry("c/d", "dir"), Map.entry("c/d/y.txt", "world"));
  }

  @Test
  void sparesAreBoundedAndEveryEmptiedDirectoryStillLeavesTheSandbox() throws IOException {
    int mounts = LocalSandboxHost.SPARE_DIRECTORIES + 16;
    for (int i = 0; i < mounts; i++) {
      host.mount(SESSION, "/mnt/session/uploads/d" + i + "/f.txt", hello);
    }
    for (int i = 0; i < mounts; i++) {
      host.unmount(SESSION, "/mnt/session/uploads/d" + i + "/f.txt");
    }

    assertThat(inTree("/mnt/session/uploads")).isEmptyDirectory();
    assertThat(host.spareDirectories()).isEqualTo(LocalSandboxHost.SPARE_DIRECTORIES);
    try (var staged = Files.list(dataDir.resolve("sandboxes/.staging"))) {
      List<Path> spares = staged.toList();
      assertThat(spares).hasSize(LocalSandboxHost.SPARE_DIRECTORIES);
      for (Path spare : spares) {
        assertThat(spare).isEmptyDirectory();
      }
    }
  }

  @Test
  void aSessionNeverGetsAnotherSessionsSpareAndADeletedSessionsSparesGo() throws IOException {
    String other = "sesn_011CNha8iCJcU1wXNR6q4V9x";
    host.mount(SESSION, "/mnt/session/uploads/a/x.txt", hello);
    Object a = fileKey(inTree("/mnt/session/uploads/a"));
    host.unmount(SESSION, "/mnt/session/uploads/a/x.txt");
    assertThat(host.spareDirectories()).isEqualTo(1);

    host.mount(other, "/mnt/session/uploads/b/y.txt", world);

    Path b = host.root(other).resolve("mnt/session/uploads/b");
    assertThat(fileKey(b)).isNotEqualTo(a);
    assertThat(host.spareDirectories()).as("still the first session's").isEqualTo(1);

    host.destroy(SESSION);
    assertThat(host.spareDirectories()).isZero();
    try (var staged = Files.list(dataDir.resolve("sandboxes/.staging"))) {
      assertThat(staged).isEmpty();
    }
  }

  @Test
  void aDirectoryHoldingSomethingNoMountPutThereIsNotTakenAsASpare() throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/a/x.txt", hello);
    Files.writeString(inTree("/mnt/session/uploads/a/stray"), "stray");

    host.unmount(SESSION, "/mnt/session/uploads/a/x.txt");

    assertThat(contents(inTree("/mnt/session/uploads")))
        .containsExactly(Map.entry("a", "dir"), Map.entry("a/stray", "stray"));
    assertThat(host.spareDirectories()).isZero();
  }

  @Test
  void unmountAnswersCleanWhenTheMountsDirectoryIsGoneAlready() throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/a/x.txt", hello);
    Trees.deleteRecursively(inTree("/mnt/session/uploads/a"));

    assertThat(host.unmount(SESSION, "/mnt/session/uploads/a/x.txt")).isTrue();
    assertThat(inTree("/mnt/session/uploads")).isEmptyDirectory();
  }

  @Test
  void unmountAnswersNotCleanAndLeavesItWhereAFileStandsInPlaceOfADirectoryOnTheWay()
      throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/other.txt", hello);
    Files.writeString(inTree("/mnt/session/uploads/a"), "not a directory");

    assertThat(host.unmount(SESSION, "/mnt/session/uploads/a/x.txt")).isFalse();
    assertThat(inTree("/mnt/session/uploads/a")).hasContent("not a directory");
  }

  @Test
  void unmountAnswersNotCleanAndFollowsNoLinkStandingInPlaceOfADirectoryOnTheWay()
      throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/other.txt", hello);
    Path outside = Files.createDirectory(dataDir.resolve("outside"));
    Files.writeString(outside.resolve("x.txt"), "not the sandbox's");
    Files.createSymbolicLink(inTree("/mnt/session/uploads/a"), outside);
    Files.createSymbolicLink(inTree("/mnt/session/uploads/b"), dataDir.resolve("nowhere"));

    assertThat(host.unmount(SESSION, "/mnt/session/uploads/a/x.txt")).isFalse();
    assertThat(host.unmount(SESSION, "/mnt/session/uploads/b/x.txt"))
        .as("a link to nothing")
        .isFalse();
    assertThat(outside.resolve("x.txt")).hasContent("not the sandbox's");
  }

  @Test
  void mountReplacesALinkToNothingStandingWhereItsDirectoryGoes() throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/other.txt", hello);
    Files.createSymbolicLink(inTree("/mnt/session/uploads/a"), dataDir.resolve("nowhere"));

    host.mount(SESSION, "/mnt/session/uploads/a/b/x.txt", world);

    assertThat(inTree("/mnt/session/uploads/a")).isDirectory();
    assertThat(inTree("/mnt/session/uploads/a/b/x.txt")).hasContent("world");
    assertThat(dataDir.resolve("nowhere")).doesNotExist();
  }

  @Test
  void unmountOfAnAbsentMountDoesNothing() {
    host.unmount(SESSION, "/mnt/session/uploads/none.txt");
    assertThat(host.root(SESSION)).doesNotExist();
  }

  @Test
  void reconcileAddsMissingRemovesStrayAndReplacesWrongBlob() throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/wrong.txt", hello);
    host.mount(SESSION, "/mnt/session/uploads/old/stale.txt", hello);
    Files.writeString(inTree("/mnt/session/uploads/stray.txt"), "stray");
    Files.createDirectories(inTree("/mnt/session/uploads/empty/dir"));

    host.reconcile(
        SESSION,
        Map.of(
            "/mnt/session/uploads/wrong.txt", world,
            "/mnt/session/uploads/new/one.txt", hello));

    assertThat(contents(inTree("/mnt/session/uploads")))
        .containsExactly(
            Map.entry("new", "dir"),
            Map.entry("new/one.txt", "hello"),
            Map.entry("wrong.txt", "world"));
    assertThat(fileKey(inTree("/mnt/session/uploads/wrong.txt")))
        .isEqualTo(fileKey(blobPath(world)));
  }

  @Test
  void reconcileLeavesASandboxThatIsInSyncUntouched() throws IOException {
    var desired =
        Map.of("/mnt/session/uploads/a/b.txt", hello, "/mnt/session/uploads/c.txt", world);
    host.reconcile(SESSION, desired);
    Map<String, String> before = snapshot(host.root(SESSION));

    host.reconcile(SESSION, desired);

    assertThat(snapshot(host.root(SESSION))).isEqualTo(before);
  }

  @Test
  void reconcileWithNoMountsLeavesAnEmptyUploadsDirectory() throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/a/b.txt", hello);

    host.reconcile(SESSION, Map.of());

    assertThat(inTree("/mnt/session/uploads")).isEmptyDirectory();
  }

  @Test
  void reconcileNeverTouchesOutputsOrWorkspace() throws IOException {
    host.reconcile(SESSION, Map.of());
    Files.writeString(inTree("/mnt/session/outputs/report.md"), "# done");
    Files.createDirectories(inTree("/workspace/repo"));
    Files.createSymbolicLink(inTree("/workspace/repo/link"), Path.of("../../mnt"));

    host.reconcile(SESSION, Map.of("/mnt/session/uploads/a.txt", hello));

    assertThat(inTree("/mnt/session/outputs/report.md")).hasContent("# done");
    assertThat(Files.readSymbolicLink(inTree("/workspace/repo/link")))
        .isEqualTo(Path.of("../../mnt"));
  }

  @Test
  void directoriesReplacedBetweenOperationsAreUsedInsteadOfTheOldOnes() throws IOException {
    for (String replaced : new String[] {"", "/mnt", "/mnt/session", "/mnt/session/uploads"}) {
      host.reconcile(SESSION, Map.of("/mnt/session/uploads/a.txt", hello));
      Trees.deleteRecursively(inTree(replaced.isEmpty() ? "/" : replaced));
      Files.createDirectories(inTree("/mnt/session/uploads"));

      host.reconcile(SESSION, Map.of("/mnt/session/uploads/a.txt", hello));
      host.mount(SESSION, "/mnt/session/uploads/b/c.txt", world);

      assertThat(contents(inTree("/mnt/session/uploads")))
          .as("after replacing '%s'", replaced)
          .containsExactly(
              Map.entry("a.txt", "hello"), Map.entry("b", "dir"), Map.entry("b/c.txt", "world"));
      host.unmount(SESSION, "/mnt/session/uploads/b/c.txt");
      assertThat(inTree("/mnt/session/uploads/b")).doesNotExist();
    }
  }

  @Test
  void directoriesMovedAwayInTheTreeAreNotWrittenAgain() throws IOException {
    host.reconcile(SESSION, Map.of("/mnt/session/uploads/a.txt", hello));
    Files.move(inTree("/mnt"), inTree("/workspace/old-mnt"));
    Map<String, String> moved = contents(inTree("/workspace/old-mnt"));

    host.reconcile(SESSION, Map.of("/mnt/session/uploads/b.txt", world));
    host.mount(SESSION, "/mnt/session/uploads/c.txt", hello);
    host.unmount(SESSION, "/mnt/session/uploads/a.txt");

    assertThat(contents(inTree("/workspace/old-mnt"))).isEqualTo(moved);
    assertThat(contents(inTree("/mnt/session/uploads")))
        .containsExactly(Map.entry("b.txt", "world"), Map.entry("c.txt", "hello"));
  }

  @Test
  void manyMoreSessionsThanAreKeptOpenStayCorrect() throws IOException {
    int sessions = LocalSandboxHost.KEPT_SESSIONS + 24;
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < sessions; i++) {
        host.reconcile("sesn_" + i, Map.of("/mnt/session/uploads/n" + round + ".txt", hello));
      }
    }
    for (int i = 0; i < sessions; i++) {
      assertThat(contents(host.root("sesn_" + i).resolve("mnt/session/uploads")))
          .containsExactly(Map.entry("n2.txt", "hello"));
      host.destroy("sesn_" + i);
    }
    assertThat(host.sessionsOnDisk()).isEmpty();
  }

  @Test
  void aClosedHostLeavesTheTreesForTheNextOne() throws IOException {
    host.reconcile(SESSION, Map.of("/mnt/session/uploads/a.txt", hello));
    host.close();

    try (var next = new LocalSandboxHost(dataDir, this::blobPath)) {
      next.unmount(SESSION, "/mnt/session/uploads/a.txt");
      next.mount(SESSION, "/mnt/session/uploads/b.txt", world);
    }

    assertThat(contents(inTree("/mnt/session/uploads")))
        .containsExactly(Map.entry("b.txt", "world"));
  }

  @Test
  void destroyRemovesTheWholeTree() throws IOException {
    host.mount(SESSION, "/mnt/session/uploads/a/b.txt", hello);
    Files.writeString(inTree("/workspace/notes.txt"), "notes");

    host.destroy(SESSION);

    assertThat(host.root(SESSION)).doesNotExist();
    assertThat(host.sessionsOnDisk()).isEmpty();
    assertThat(blobPath(hello)).hasContent("hello");
  }

  @Test
  void sessionsOnDiskListsEverySessionWithATree() {
    host.reconcile("sesn_a", Map.of());
    host.mount("sesn_b", "/mnt/session/uploads/x", hello);

    assertThat(host.sessionsOnDisk()).containsExactly("sesn_a", "sesn_b");
  }

  @Test
  void blobOnAnotherFilesystemIsCopiedOnceAndReadOnly() throws IOException {
    Path shm = Path.of("/dev/shm");
    assumeTrue(
        Files.isDirectory(shm) && !Files.getFileStore(shm).equals(Files.getFileStore(dataDir)));
    Path elsewhere = Files.createTempDirectory(shm, "berth-test-");
    try {
      Path blob = elsewhere.resolve("blob");
      Files.writeString(blob, "far away");
      Files.setPosixFilePermissions(blob, PosixFilePermissions.fromString("r--r--r--"));
      String sha = sha256("far away".getBytes(UTF_8));
      var far = new LocalSandboxHost(dataDir, s -> blob);

      far.mount("sesn_a", "/mnt/session/uploads/far.txt", sha);
      far.reconcile("sesn_b", Map.of("/mnt/session/uploads/far.txt", sha));
      Map<String, String> before = snapshot(far.root("sesn_b"));
      far.reconcile("sesn_b", Map.of("/mnt/session/uploads/far.txt", sha));

      Path a = far.root("sesn_a").resolve("mnt/session/uploads/far.txt");
      Path b = far.root("sesn_b").resolve("mnt/session/uploads/far.txt");
      assertThat(a).hasContent("far away");
      assertThat(fileKey(a)).isEqualTo(fileKey(b)).isNotEqualTo(fileKey(blob));
      assertThat(Files.getPosixFilePermissions(a))
          .isEqualTo(PosixFilePermissions.fromString("r--r--r--"));
      assertThat(snapshot(far.root("sesn_b"))).isEqualTo(before);
    } finally {
      Trees.deleteRecursively(elsewhere);
    }
  }

  @Test
  void fiftyThreadsMountingDistinctPathsInOneSessionAllSucceed() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(50);
    var start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        String path = "/mnt/session/uploads/shared/t" + (i % 5) + "/f" + i + ".txt";
        String sha = i % 2 == 0 ? hello : world;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  host.mount(SESSION, path, sha);
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    for (int i = 0; i < 50; i++) {
      Path mounted = inTree("/mnt/session/uploads/shared/t" + (i % 5) + "/f" + i + ".txt");
      assertThat(mounted).hasContent(i % 2 == 0 ? "hello" : "world");
    }
  }

  @Test
  void mountPathWithDotDotIsRefused() {
    assertThatThrownBy(() -> host.mount(SESSION, "/mnt/session/uploads/../../../etc/x", hello))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> host.reconcile(SESSION, Map.of("/mnt/session/uploads/a/../b", hello)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(host.root(SESSION)).doesNotExist();
  }

  @Test
  void mountPathWithTrailingSlashIsRefused() {
    assertThatThrownBy(() -> host.mount(SESSION, "/mnt/session/uploads/a/", hello))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> host.unmount(SESSION, "/mnt/session/uploads/a/"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void mountPathsOutsideUploadsOrWithOddSegmentsAreRefused() {
    for (String bad :
        List.of(
            "/mnt/session/uploads",
            "/mnt/session/uploads/",
            "/mnt/session/uploadsx/a",
            "/mnt/session/outputs/a",
            "mnt/session/uploads/a",
            "/mnt/session/uploads//a",
            "/mnt/session/uploads/./a",
            "/mnt/session/uploads/a\u0000b",
            "/mnt/session/uploads/a\nb")) {
      assertThatThrownBy(() -> host.mount(SESSION, bad, hello))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void overlappingMountsAndBadIdsAreRefused() {
    assertThatThrownBy(
            () ->
                host.reconcile(
                    SESSION,
                    Map.of("/mnt/session/uploads/a", hello, "/mnt/session/uploads/a/b", world)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> host.mount("../x", "/mnt/session/uploads/a", hello))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> host.mount(SESSION, "/mnt/session/uploads/a", "../../etc/passwd"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- helpers

  Path blobPath(String sha256) {
    return Trees.blobPath(dataDir, sha256);
  }

  String blob(String content) throws IOException {
    return Trees.blob(dataDir, content);
  }

  Path inTree(String absolute) {
    return host.root(SESSION).resolve(absolute.substring(1));
  }
}
