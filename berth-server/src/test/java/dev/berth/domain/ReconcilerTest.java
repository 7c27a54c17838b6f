package dev.berth.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.berth.cli.ServeCommand;
import dev.berth.config.BerthConfig;
import dev.berth.metrics.ServerMetrics;
import dev.berth.model.Resource;
import dev.berth.sandbox.BubblewrapRunner;
import dev.berth.sandbox.LocalSandboxHost;
import dev.berth.store.Database;
import dev.berth.store.Jdbc;
import dev.berth.store.LocalBlobStore;
import dev.berth.store.ResourceStore;
import dev.berth.store.SessionStore;
import dev.berth.store.WorkspaceStore;
import dev.berth.testing.TestStores;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repair after one change touches one path, yet leaves the sandbox exactly as the records say
 * even when changes at related paths are reconciled out of order: the records, not the order of the
 * repairs, decide.
 */
class ReconcilerTest {
  private static final String SESSION = "sesn_011111111111111111111111";
  private static final String UPLOADS = "/mnt/session/uploads";

  @TempDir Path dir;
  final TestStores stores = TestStores.provision();
  Database db;
  LocalBlobStore blobs;
  LocalSandboxHost host;
  Reconciler reconciler;
  String workspace;
  String shaA;
  String shaB;

  @BeforeEach
  void open() throws IOException {
    db = stores.openDatabase(dir);
    blobs = new LocalBlobStore(dir);
    host = new LocalSandboxHost(dir, blobs::localPath);
    var runner =
        new BubblewrapRunner(BerthConfig.Exec.defaults(BerthConfig.DiskMechanism.AUTO), dir);
    var resources = new ResourceStore(db);
    reconciler =
        new Reconciler(
            resources,
            new SessionStore(db),
            host,
            runner,
            new SingleNode(),
            new RepositoryCheckouts(
                resources,
                Secrets.open(dir.resolve("secrets.key")),
                dir,
                host,
                runner,
                ServeCommand.config(List.of("--data-dir", dir.toString()), Map.of())
                    .repositories()),
            new ServerMetrics(),
            task -> Thread.ofPlatform().daemon().start(task));
    workspace = new WorkspaceStore(db).ensureWorkspace("w", Ids.workspace(), Timestamps.now());
    shaA = blob("first");
    shaB = blob("second");
    SessionRows.insert(db, SESSION, workspace);
  }

  @AfterEach
  void close() {
    host.close();
    db.close();
    stores.close();
  }

  @Test
  void aRepairOfAPathMountsWhatTheRecordSaysIsThere() throws IOException {
    record("/mnt/session/uploads/data/a.csv", shaA);
    reconciler.reconcilePath(SESSION, "/mnt/session/uploads/data/a.csv");
    assertThat(Files.readString(sandbox("data/a.csv"))).isEqualTo("first");

    unrecord("/mnt/session/uploads/data/a.csv");
    reconciler.reconcilePath(SESSION, "/mnt/session/uploads/data/a.csv");
    assertThat(sandbox("data")).as("the directory the mount made goes with it").doesNotExist();
  }

  @Test
  void aLateRepairOfADeletedPathKeepsTheMountThatTookItsPlaceBelow() throws IOException {
    // /x was a file mount; it was deleted and /x/y added, and the add's repair ran first.
    record(UPLOADS + "/x", shaA);
    reconciler.reconcilePath(SESSION, UPLOADS + "/x");
    unrecord(UPLOADS + "/x");
    record(UPLOADS + "/x/y", shaB);
    reconciler.reconcilePath(SESSION, UPLOADS + "/x/y");
    reconciler.reconcilePath(SESSION, UPLOADS + "/x"); // the delete's repair, late

    assertThat(Files.readString(sandbox("x/y"))).isEqualTo("second");
  }

  @Test
  void aLateRepairOfADeletedPathKeepsTheMountThatTookItsPlaceAbove() throws IOException {
    record(UPLOADS + "/p/q", shaA);
    reconciler.reconcilePath(SESSION, UPLOADS + "/p/q");
    unrecord(UPLOADS + "/p/q");
    record(UPLOADS + "/p", shaB);
    reconciler.reconcilePath(SESSION, UPLOADS + "/p");
    reconciler.reconcilePath(SESSION, UPLOADS + "/p/q");

    assertThat(Files.readString(sandbox("p"))).isEqualTo("second");
  }

  @Test
  void aLateRepairOfAnAddThatWasUndoneRemovesIt() {
    record(UPLOADS + "/gone.txt", shaA);
    unrecord(UPLOADS + "/gone.txt");
    reconciler.reconcilePath(SESSION, UPLOADS + "/gone.txt");

    assertThat(sandbox("gone.txt")).doesNotExist();
  }

  @Test
  void somethingPlantedAboveADeletedMountIsClearedByAWholeReconcile() throws IOException {
    record(UPLOADS + "/keep.txt", shaA);
    reconciler.reconcile(SESSION);
    Files.createSymbolicLink(sandbox("dir"), dir);

    reconciler.reconcilePath(SESSION, UPLOADS + "/dir/file.txt");

    assertThat(Files.exists(sandbox("dir"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(Files.readString(sandbox("keep.txt"))).isEqualTo("first");
  }

  @Test
  void changesRepairedInTheOrderTheyWereMadeAreAppliedAsTheyWereMade() throws IOException {
    reconciler.reconcile(SESSION);
    var added = record(UPLOADS + "/a.txt", shaA);
    reconciler.reconcilePath(SESSION, added);
    assertThat(Files.readString(sandbox("a.txt"))).isEqualTo("first");

    var deleted = unrecord(UPLOADS + "/a.txt");
    reconciler.reconcilePath(SESSION, deleted);
    assertThat(sandbox("a.txt")).doesNotExist();
  }

  @Test
  void aChangeAfterWhichNothingWasAppliedIsTakenAsItsTransactionLeftIt() throws IOException {
    assumeFalse(db.isShared(), "PostgreSQL writes have no order here; every repair reads");
    reconciler.reconcile(SESSION);
    var unrelated = record(UPLOADS + "/other.txt", shaA);

    // Nothing in the records puts shaB at /b.txt: only a change that was not read from them can.
    reconciler.reconcilePath(
        SESSION,
        new Reconciler.Change(UPLOADS + "/b.txt", Optional.of(shaB), unrelated.sequence()));

    assertThat(Files.readString(sandbox("b.txt"))).isEqualTo("second");
  }

  @Test
  void anAddRepairedAfterTheDeleteThatUndidItLeavesNothing() {
    reconciler.reconcile(SESSION);
    var added = record(UPLOADS + "/x.txt", shaA);
    var deleted = unrecord(UPLOADS + "/x.txt");

    reconciler.reconcilePath(SESSION, deleted);
    reconciler.reconcilePath(SESSION, added); // late: the records decide

    assertThat(sandbox("x.txt")).doesNotExist();
  }

  @Test
  void aDeleteRepairedAfterTheAddThatReplacedItKeepsTheNewMount() throws IOException {
    reconciler.reconcile(SESSION);
    reconciler.reconcilePath(SESSION, record(UPLOADS + "/y.txt", shaA));
    var deleted = unrecord(UPLOADS + "/y.txt");
    var added = record(UPLOADS + "/y.txt", shaB);

    reconciler.reconcilePath(SESSION, added);
    reconciler.reconcilePath(SESSION, deleted); // late

    assertThat(Files.readString(sandbox("y.txt"))).isEqualTo("second");
  }

  @Test
  void aChangeAWholeReconcileMayHaveSeenIsCheckedAgainstTheRecords() {
    reconciler.reconcile(SESSION);
    var added = record(UPLOADS + "/z.txt", shaA);
    unrecord(UPLOADS + "/z.txt");
    reconciler.reconcile(SESSION); // read after both

    reconciler.reconcilePath(SESSION, added); // late

    assertThat(sandbox("z.txt")).doesNotExist();
  }

  @Test
  void aDeletedSessionIsForgottenSoItsNextChangeIsReadFromTheRecords() {
    reconciler.reconcile(SESSION);
    var added = record(UPLOADS + "/w.txt", shaA);
    unrecord(UPLOADS + "/w.txt");
    reconciler.destroy(SESSION);

    reconciler.reconcilePath(SESSION, added); // the records hold nothing at /w.txt

    assertThat(sandbox("w.txt")).doesNotExist();
  }

  private String blob(String text) throws IOException {
    var staged =
        blobs.stage(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), 1 << 20);
    blobs.publish(staged);
    return staged.sha256();
  }

  /** Records a mount; returns its change as the add's transaction left it. */
  private Reconciler.Change record(String mountPath, String sha256) {
    String now = Timestamps.now();
    var resource = Resource.file(Ids.resource(), SESSION, Ids.file(), sha256, mountPath, now, now);
    long sequence = db.writeOrdered(c -> ResourceStore.insert(c, workspace, resource)).sequence();
    return new Reconciler.Change(mountPath, Optional.of(sha256), sequence);
  }

  /** Deletes a mount's record; returns its change as the delete's transaction left it. */
  private Reconciler.Change unrecord(String mountPath) {
    long sequence =
        db.writeOrdered(
                tx ->
                    Jdbc.on(
                        tx,
                        c -> {
                          try (PreparedStatement st =
                              c.prepareStatement(
                                  "DELETE FROM session_resources WHERE session_id = ? AND mount_path = ?")) {
                            st.setString(1, SESSION);
                            st.setString(2, mountPath);
                            return st.executeUpdate();
                          }
                        }))
            .sequence();
    return new Reconciler.Change(mountPath, Optional.empty(), sequence);
  }

  private Path sandbox(String belowUploads) {
    return host.root(SESSION).resolve("mnt/session/uploads").resolve(belowUploads);
  }
}
