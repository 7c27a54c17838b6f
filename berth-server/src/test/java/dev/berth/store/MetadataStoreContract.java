package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.error.StoreException;
import dev.berth.json.Json;
import dev.berth.model.Actor;
import dev.berth.model.AgentDefinition;
import dev.berth.model.AgentRecord;
import dev.berth.model.ApiKey;
import dev.berth.model.Caller;
import dev.berth.model.EnvironmentConfig;
import dev.berth.model.EnvironmentRecord;
import dev.berth.model.FileRecord;
import dev.berth.model.Memory;
import dev.berth.model.MemoryContent;
import dev.berth.model.MemoryEntry;
import dev.berth.model.MemoryOperation;
import dev.berth.model.MemoryRedaction;
import dev.berth.model.MemorySnapshot;
import dev.berth.model.MemoryStoreRecord;
import dev.berth.model.MemoryVersion;
import dev.berth.model.MemoryWrite;
import dev.berth.model.MemoryWriteResult;
import dev.berth.model.MountPaths;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import dev.berth.model.Resource;
import dev.berth.model.Session;
import dev.berth.model.SessionFilter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every metadata backend must do, stated once and run against each of them ({@link
 * SqliteMetadataStoreTest}, {@link PostgresMetadataStoreTest}), so that a new backend has this one
 * suite to pass: a subclass says how to get an empty database of its backend and what to do with it
 * after a test. Each test starts on an empty database holding two workspaces and goes through the
 * stores' public methods only, never their SQL. The sections are the promises: transactions, the
 * kinds of failure, workspace isolation, then store by store. Leases exist only where several nodes
 * share the database, and only SQLite orders its writes; elsewhere those tests are skipped.
 */
abstract class MetadataStoreContract {
  /** How long a first holder of a lock watches for a second one getting in, which it must not. */
  private static final long EXCLUSION_WINDOW_MILLIS = 300;

  /** How long a test waits for a signal that must come before it gives up and fails. */
  private static final long SIGNAL_TIMEOUT_SECONDS = 30;

  private static final int LEASE_SECONDS = 60;

  private static final SessionFilter EVERY_SESSION = everySession(false, false);

  /** A migrated database of the backend under test that holds no rows, for one test. */
  abstract Database openEmpty();

  /** Called after each test with the database {@link #openEmpty} gave it. */
  abstract void finished(Database db);

  Database db;
  WorkspaceStore workspaces;
  SessionStore sessions;
  ResourceStore resources;
  FileStore files;
  OutputStore outputs;
  AgentStore agents;
  EnvironmentStore environments;
  MemoryStoreStore memoryStores;
  String workspace;
  String otherWorkspace;
  private int serial;

  @BeforeEach
  void open() {
    db = openEmpty();
    workspaces = new WorkspaceStore(db);
    sessions = new SessionStore(db);
    resources = new ResourceStore(db);
    files = new FileStore(db);
    outputs = new OutputStore(db);
    agents = new AgentStore(db);
    environments = new EnvironmentStore(db);
    memoryStores = new MemoryStoreStore(db);
    workspace = workspaces.ensureWorkspace("alpha", id("wrkspc"), time(0));
    otherWorkspace = workspaces.ensureWorkspace("beta", id("wrkspc"), time(0));
  }

  @AfterEach
  void finish() {
    finished(db);
  }

  // Transactions.

  @Test
  void aWriteHasCommittedWhenItReturnsSoTheNextReadSeesIt() {
    FileRecord f = file(workspace, "blob-a");
    db.write(
        tx -> {
          FileStore.insert(tx, f);
          return null;
        });
    assertThat(files.find(workspace, f.id())).contains(f);
  }

  @Test
  void aWriteWhoseWorkThrowsWritesNothingAndItsCallerGetsTheException() {
    FileRecord f = file(workspace, "blob-a");
    Session s = session(workspace, time(1));
    var refused = new IllegalStateException("refused by a rule");
    assertThatThrownBy(
            () ->
                db.write(
                    tx -> {
                      FileStore.insert(tx, f);
                      SessionStore.insert(tx, s);
                      throw refused;
                    }))
        .isSameAs(refused);
    assertThat(files.find(workspace, f.id())).isEmpty();
    assertThat(sessions.find(workspace, s.id())).isEmpty();
  }

  @Test
  void aWriteThatBreaksAConstraintHalfwayKeepsNoneOfItsEarlierStatements() {
    FileRecord existing = file(workspace, "blob-a");
    files.insert(existing);
    FileRecord fresh = file(workspace, "blob-b");
    assertThatThrownBy(
            () ->
                db.write(
                    tx -> {
                      FileStore.insert(tx, fresh);
                      FileStore.insert(tx, existing);
                      return null;
                    }))
        .isInstanceOf(StoreException.ConstraintViolation.class);
    assertThat(files.find(workspace, fresh.id())).isEmpty();
  }

  @Test
  void concurrentWritesCommitOrRollBackEachOnItsOwn() throws Exception {
    int writers = 8;
    List<FileRecord> records =
        IntStream.range(0, writers).mapToObj(i -> file(workspace, "blob-" + i)).toList();
    List<String> outcomes =
        together(
            writers,
            i -> {
              try {
                db.write(
                    tx -> {
                      FileStore.insert(tx, records.get(i));
                      if (i % 2 == 1) {
                        throw new IllegalStateException("refused");
                      }
                      return null;
                    });
                return "committed";
              } catch (IllegalStateException e) {
                return "refused";
              }
            });
    for (int i = 0; i < writers; i++) {
      boolean commits = i % 2 == 0;
      assertThat(outcomes.get(i)).isEqualTo(commits ? "committed" : "refused");
      assertThat(files.find(workspace, records.get(i).id()).isPresent())
          .as("write %d is in the database", i)
          .isEqualTo(commits);
    }
  }

  @Test
  void writeSequencesFollowTheOrderTheWritesTookEffectIn() throws Exception {
    assumeFalse(db.isShared(), "a shared database has no order of writes");
    Session s = insertSession(workspace, time(1));
    int writers = 8;
    List<Resource> mounts =
        IntStream.range(0, writers).mapToObj(i -> resource(s, mount("f" + i))).toList();
    List<Database.Ordered<Integer>> ordered =
        together(
            writers,
            i ->
                db.writeOrdered(
                    tx -> {
                      int before = ResourceStore.all(tx, s.id()).size();
                      ResourceStore.insert(tx, workspace, mounts.get(i));
                      return before;
                    }));
    assertThat(ordered).extracting(Database.Ordered::sequence).doesNotHaveDuplicates();
    assertThat(
            ordered.stream()
                .sorted(Comparator.comparingLong(Database.Ordered::sequence))
                .map(Database.Ordered::value)
                .toList())
        .as("writes in sequence order saw the table grow one row at a time")
        .containsExactlyElementsOf(IntStream.range(0, writers).boxed().toList());
    long last = ordered.stream().mapToLong(Database.Ordered::sequence).max().orElseThrow();
    assertThat(db.visibleSequence()).isGreaterThanOrEqualTo(last);
  }

  @Test
  void aSharedDatabaseHasNoOrderOfWrites() {
    assumeTrue(db.isShared(), "only a shared database lacks an order of writes");
    assertThat(db.writeOrdered(tx -> 1).sequence()).isEqualTo(-1);
    assertThat(db.visibleSequence()).isEqualTo(-1);
  }

  @Test
  void exclusivelyKeepsASecondHolderOutUntilTheFirstIsDone() throws Exception {
    assertSecondHolderWaitsForTheFirst(db, db);
  }

  @Test
  void exclusivelyKeepsOutAHolderOnAnotherNodeOfASharedDatabase() throws Exception {
    assumeTrue(db.isShared(), "only a shared database has other nodes");
    try (Database otherNode = Database.postgres(db.sharedUrl())) {
      assertSecondHolderWaitsForTheFirst(db, otherNode);
    }
  }

  @Test
  void exclusivelyLetsTheNextHolderInAfterTheWorkThrew() throws Exception {
    assertThatThrownBy(
            () ->
                db.exclusively(
                    "lock",
                    () -> {
                      throw new IllegalStateException("work failed");
                    }))
        .hasMessage("work failed");
    assertThat(onAnotherThread(() -> db.exclusively("lock", () -> "in"))).isEqualTo("in");
  }

  /**
   * The first holder waits for the second to ask, then watches it stay out for a while. Nothing
   * shows portably that the second is blocked rather than slow, so the window is a time: a second
   * holder that gets in within it fails the test, and one that is merely slow cannot make it fail.
   */
  private void assertSecondHolderWaitsForTheFirst(Database first, Database second)
      throws Exception {
    var firstIn = new CountDownLatch(1);
    var secondAsking = new CountDownLatch(1);
    var secondIn = new CountDownLatch(1);
    try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
      Future<Boolean> secondGotInMeanwhile =
          threads.submit(
              () ->
                  first.exclusively(
                      "lock",
                      () -> {
                        firstIn.countDown();
                        await(secondAsking);
                        return await(secondIn, EXCLUSION_WINDOW_MILLIS);
                      }));
      await(firstIn);
      Future<String> secondHolder =
          threads.submit(
              () -> {
                secondAsking.countDown();
                return second.exclusively(
                    "lock",
                    () -> {
                      secondIn.countDown();
                      return "in";
                    });
              });
      assertThat(secondGotInMeanwhile.get(SIGNAL_TIMEOUT_SECONDS, TimeUnit.SECONDS))
          .as("the second holder got in while the first held the lock")
          .isFalse();
      assertThat(secondHolder.get(SIGNAL_TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("in");
    }
  }

  // Kinds of failure.

  @Test
  void insertingARecordUnderATakenIdIsAUniqueKeyViolation() {
    FileRecord f = file(workspace, "blob-a");
    files.insert(f);
    Session s = insertSession(workspace, time(1));
    AgentRecord a = agent(workspace, time(1));
    agents.insert(a);
    EnvironmentRecord e = environment(workspace, time(1), false);
    environments.insert(e);

    List<Runnable> again =
        List.of(
            () -> files.insert(f),
            () -> insertSession(s),
            () -> agents.insert(a),
            () -> environments.insert(e));
    assertThat(again)
        .allSatisfy(
            insert ->
                assertThatThrownBy(insert::run)
                    .isInstanceOfSatisfying(
                        StoreException.ConstraintViolation.class,
                        v -> assertThat(v.isUniqueKey()).isTrue()));
  }

  @Test
  void aRowOfAWorkspaceThatDoesNotExistIsAConstraintViolationOfNoUniqueKey() {
    assertThatThrownBy(() -> files.insert(file("wrkspc_missing", "blob-a")))
        .isInstanceOfSatisfying(
            StoreException.ConstraintViolation.class, v -> assertThat(v.isUniqueKey()).isFalse());
  }

  // Workspace isolation: a row of one workspace is never found through another.

  @Test
  void aFileOfAnotherWorkspaceIsNeitherFoundNorListedNorCopied() {
    FileRecord theirs = file(otherWorkspace, "blob-a");
    files.insert(theirs);
    Session mine = insertSession(workspace, time(1));

    assertThat(files.find(workspace, theirs.id())).isEmpty();
    assertThat(
            db.<Optional<FileRecord>>write(
                tx -> FileStore.findToDelete(tx, workspace, theirs.id())))
        .isEmpty();
    assertThat(files.list(workspace, Optional.empty(), PageRequest.first(10)).items()).isEmpty();
    assertThat(files.listByIds(workspace, List.of(theirs.id()))).isEmpty();
    String copyId = id("file");
    assertThat(
            db.<Optional<String>>write(
                tx ->
                    FileStore.copyForSession(
                        tx, workspace, theirs.id(), copyId, mine.id(), time(2))))
        .isEmpty();
    assertThat(files.find(workspace, copyId)).isEmpty();
    assertThat(files.find(otherWorkspace, theirs.id())).contains(theirs);
  }

  @Test
  void aSessionOfAnotherWorkspaceIsNeitherFoundNorListedNorGivenSlots() {
    Session theirs = insertSession(otherWorkspace, time(1));

    assertThat(sessions.find(workspace, theirs.id())).isEmpty();
    assertThat(
            db.<Optional<Session>>write(
                tx -> SessionStore.findForChange(tx, workspace, theirs.id())))
        .isEmpty();
    assertThat(sessions.list(workspace, EVERY_SESSION, PageRequest.first(10)).items()).isEmpty();
    assertThat(
            db.<Boolean>write(
                tx -> SessionStore.takeFileSlot(tx, workspace, theirs.id(), 5, time(3))))
        .isFalse();
    assertThat(
            db.<Boolean>write(
                tx -> SessionStore.releaseFileSlots(tx, workspace, theirs.id(), 1, time(3))))
        .isFalse();
    assertThat(sessions.find(otherWorkspace, theirs.id()))
        .as("unchanged, its updated_at included")
        .contains(theirs);
  }

  @Test
  void aResourceOfAnotherWorkspaceIsNotDeleted() {
    Session theirs = insertSession(otherWorkspace, time(1));
    Resource r = resource(theirs, mount("a.txt"));
    assertThat(insertResource(otherWorkspace, r)).isTrue();

    assertThat(
            db.<Optional<Resource>>write(
                tx -> ResourceStore.delete(tx, workspace, theirs.id(), r.id())))
        .isEmpty();
    assertThat(resources.find(theirs.id(), r.id())).contains(r);
  }

  @Test
  void anAgentOfAnotherWorkspaceIsNeitherFoundNorListedNorChanged() {
    AgentRecord theirs = agent(otherWorkspace, time(1));
    agents.insert(theirs);
    AgentRecord v2ThroughMine =
        new AgentRecord(
            theirs.id(),
            workspace,
            2,
            definition("renamed"),
            Optional.empty(),
            theirs.createdAt(),
            time(2));

    assertThat(agents.find(workspace, theirs.id())).isEmpty();
    assertThat(agents.findVersion(workspace, theirs.id(), 1)).isEmpty();
    assertThat(
            agents
                .list(workspace, true, Optional.empty(), Optional.empty(), PageRequest.first(10))
                .items())
        .isEmpty();
    assertThat(agents.listVersions(workspace, theirs.id(), PageRequest.first(10)).items())
        .isEmpty();
    assertThat(agents.replace(v2ThroughMine, 1)).isFalse();
    assertThat(agents.archive(workspace, theirs.id(), time(3))).isEmpty();
    assertThat(agents.find(otherWorkspace, theirs.id())).contains(theirs);
  }

  @Test
  void anEnvironmentOfAnotherWorkspaceIsNeitherFoundNorListedNorChangedNorDeleted() {
    EnvironmentRecord theirs = environment(otherWorkspace, time(1), false);
    environments.insert(theirs);

    assertThat(environments.find(workspace, theirs.id())).isEmpty();
    assertThat(environments.list(workspace, true, PageRequest.first(10)).items()).isEmpty();
    assertThat(environments.update(workspace, theirs.id(), e -> renamed(e, "mine"))).isEmpty();
    assertThat(environments.delete(workspace, theirs.id())).isEmpty();
    assertThat(environments.find(otherWorkspace, theirs.id())).contains(theirs);
  }

  // Workspaces.

  @Test
  void ensureWorkspaceKeepsTheIdANameWasFirstGiven() {
    assertThat(workspaces.ensureWorkspace("alpha", id("wrkspc"), time(1))).isEqualTo(workspace);
  }

  @Test
  void nodesEnsuringOneWorkspaceTogetherAllGetTheSameId() throws Exception {
    int nodes = 6;
    List<String> newIds = IntStream.range(0, nodes).mapToObj(i -> id("wrkspc")).toList();
    List<String> got =
        together(nodes, i -> workspaces.ensureWorkspace("gamma", newIds.get(i), time(1)));
    assertThat(new HashSet<>(got)).hasSize(1);
    assertThat(newIds).contains(got.getFirst());
  }

  @Test
  void aKeyHashOpensTheWorkspaceItWasPutForWithTheKeysIdAndAnUnknownHashOpensNone() {
    workspaces.putKey("hash-1", "apikey_1", workspace, time(1));
    assertThat(workspaces.callerForKeyHash("hash-1")).contains(new Caller(workspace, "apikey_1"));
    assertThat(workspaces.callerForKeyHash("hash-2")).isEmpty();
  }

  @Test
  void puttingAKnownHashAgainMovesItToTheNewWorkspaceAndKeepsItsId() {
    workspaces.putKey("hash-1", "apikey_1", workspace, time(1));
    workspaces.putKey("hash-1", "apikey_2", otherWorkspace, time(2));
    assertThat(workspaces.callerForKeyHash("hash-1"))
        .contains(new Caller(otherWorkspace, "apikey_1"));
  }

  @Test
  void anyKeysIsFalseUntilAKeyIsPut() {
    assertThat(workspaces.anyKeys()).isFalse();
    workspaces.putKey("hash-1", "apikey_1", workspace, time(1));
    assertThat(workspaces.anyKeys()).isTrue();
  }

  @Test
  void aRevokedKeyOpensNothingStaysListedAndPuttingItAgainDoesNotReviveIt() {
    workspaces.putKey("hash-1", "apikey_1", workspace, time(1));
    workspaces.putKey("hash-2", "apikey_2", workspace, time(2));

    assertThat(workspaces.revokeKey("apikey_1", time(3)))
        .contains(new ApiKey("apikey_1", "alpha", time(1), Optional.of(time(3))));
    assertThat(workspaces.callerForKeyHash("hash-1")).isEmpty();
    assertThat(workspaces.activeKeys()).isEqualTo(1);
    assertThat(workspaces.revokeKey("apikey_1", time(4))) // already: the first time stays
        .contains(new ApiKey("apikey_1", "alpha", time(1), Optional.of(time(3))));
    assertThat(workspaces.revokeKey("apikey_9", time(4))).isEmpty();

    workspaces.putKey("hash-1", "apikey_3", workspace, time(5)); // configured again at a start
    assertThat(workspaces.callerForKeyHash("hash-1")).isEmpty();
    assertThat(workspaces.listKeys())
        .containsExactly(
            new ApiKey("apikey_2", "alpha", time(2), Optional.empty()),
            new ApiKey("apikey_1", "alpha", time(5), Optional.of(time(3))));
    assertThat(workspaces.anyKeys()).isTrue();
  }

  // Sessions.

  @Test
  void anInsertedSessionIsFoundAsItWasInserted() {
    Session s =
        new Session(
            id("sesn"),
            workspace,
            "agent_1",
            3,
            Json.MAPPER.createObjectNode().put("name", "agent"),
            "env_1",
            Optional.of("a title"),
            Map.of("team", "infra"),
            List.of("vlt_1", "vlt_2"),
            Optional.of(Json.parse("{\"max_usd\":5}")),
            "running",
            Optional.empty(),
            time(1),
            time(1));
    insertSession(s);
    assertThat(sessions.find(workspace, s.id())).contains(s);
    assertThat(db.<Optional<Session>>write(tx -> SessionStore.findForChange(tx, workspace, s.id())))
        .contains(s);
  }

  @Test
  void sessionUpdateStoresTheNewTitleMetadataAgentBudgetAndArchiving() {
    Session s = insertSession(workspace, time(1));
    ObjectNode agent = Json.MAPPER.createObjectNode().put("name", "other agent");
    Session changed =
        s.patched(
                agent,
                Optional.of("renamed"),
                Map.of("k", "v"),
                Optional.of(Json.parse("{\"max_usd\":1}")))
            .touched(time(2), true);
    db.write(
        tx -> {
          SessionStore.update(tx, changed);
          return null;
        });
    assertThat(sessions.find(workspace, s.id())).contains(changed);
  }

  @Test
  void deletingASessionRemovesItFromAllIdsWhichHoldsEveryWorkspacesSessions() {
    Session kept = insertSession(workspace, time(1));
    Session theirs = insertSession(otherWorkspace, time(2));
    Session gone = insertSession(workspace, time(3));
    db.write(
        tx -> {
          SessionStore.delete(tx, gone.id());
          return null;
        });
    assertThat(sessions.find(workspace, gone.id())).isEmpty();
    assertThat(sessions.allIds()).containsExactlyInAnyOrder(kept.id(), theirs.id());
  }

  // The session list: keyset pages in both directions, and filters.

  @Test
  void sessionListPagesForwardInCreationOrderUntilALastPageWithNoNext() {
    List<String> ids = insertSessions(5);
    List<Page<Session>> pages = pagesForward(p -> sessions.list(workspace, EVERY_SESSION, p), 2);
    assertThat(positions(pages, Session::id))
        .containsExactly(ids.subList(0, 2), ids.subList(2, 4), ids.subList(4, 5));
    assertThat(pages)
        .extracting(Page::prev)
        .containsExactly(Optional.empty(), Optional.of(ids.get(2)), Optional.of(ids.get(4)));
    assertThat(pages.getLast().next()).isEmpty();
  }

  @Test
  void everyLimitPagesTheWholeSessionListAndNoPageHoldsMore() {
    List<String> ids = insertSessions(5);
    for (int limit = 1; limit <= 6; limit++) {
      List<List<String>> pages =
          positions(
              pagesForward(p -> sessions.list(workspace, EVERY_SESSION, p), limit), Session::id);
      assertThat(pages.stream().flatMap(List::stream).toList()).isEqualTo(ids);
      int max = limit;
      assertThat(pages)
          .allSatisfy(page -> assertThat(page).isNotEmpty().hasSizeLessThanOrEqualTo(max));
      assertThat(pages).hasSize((ids.size() + limit - 1) / limit);
    }
  }

  @Test
  void sessionListPagesBackwardFromTheLastPageToTheFirstWhichHasNoPrev() {
    List<String> ids = insertSessions(5);
    Function<PageRequest, Page<Session>> list = p -> sessions.list(workspace, EVERY_SESSION, p);
    String lastPage = pagesForward(list, 2).getLast().prev().orElseThrow();
    List<Page<Session>> back = pagesBackward(list, 2, lastPage);
    assertThat(positions(back, Session::id)).containsExactly(ids.subList(2, 4), ids.subList(0, 2));
    assertThat(back.getFirst().next())
        .as("forward again from a page walked back to")
        .contains(ids.get(3));
    assertThat(back.getLast().prev()).isEmpty();
  }

  @Test
  void aDescendingSessionListPagesNewestFirstInBothDirections() {
    List<String> ids = insertSessions(5);
    SessionFilter newestFirst = everySession(true, false);
    Function<PageRequest, Page<Session>> list = p -> sessions.list(workspace, newestFirst, p);
    List<Page<Session>> forward = pagesForward(list, 2);
    assertThat(positions(forward, Session::id))
        .containsExactly(
            List.of(ids.get(4), ids.get(3)), List.of(ids.get(2), ids.get(1)), List.of(ids.get(0)));
    assertThat(
            positions(pagesBackward(list, 2, forward.getLast().prev().orElseThrow()), Session::id))
        .containsExactly(List.of(ids.get(2), ids.get(1)), List.of(ids.get(4), ids.get(3)));
  }

  @Test
  void aPositionStillLeadsOnAfterItsSessionIsDeleted() {
    List<String> ids = insertSessions(4);
    Page<Session> first = sessions.list(workspace, EVERY_SESSION, PageRequest.first(2));
    db.write(
        tx -> {
          SessionStore.delete(tx, ids.get(1));
          return null;
        });
    Page<Session> next =
        sessions.list(workspace, EVERY_SESSION, new PageRequest(2, first.next(), false));
    assertThat(next.items()).extracting(Session::id).containsExactly(ids.get(2), ids.get(3));
  }

  @Test
  void sessionListLeavesOutArchivedSessionsUnlessAskedForThem() {
    Session live = insertSession(workspace, time(1));
    Session archived = insertSession(workspace, time(2));
    db.write(
        tx -> {
          SessionStore.update(tx, archived.touched(time(3), true));
          return null;
        });
    assertThat(listed(filter(false, Optional.empty(), Optional.empty(), List.of())))
        .containsExactly(live.id());
    assertThat(listed(EVERY_SESSION)).containsExactly(live.id(), archived.id());
  }

  @Test
  void sessionListFiltersByAgentAndByAgentVersion() {
    String a1 = insertSession(session(workspace, "agent_a", 1, "idle", time(1))).id();
    String a2 = insertSession(session(workspace, "agent_a", 2, "idle", time(2))).id();
    insertSession(session(workspace, "agent_b", 1, "idle", time(3)));
    assertThat(listed(filter(true, Optional.of("agent_a"), Optional.empty(), List.of())))
        .containsExactly(a1, a2);
    assertThat(listed(filter(true, Optional.of("agent_a"), Optional.of(2), List.of())))
        .containsExactly(a2);
  }

  @Test
  void sessionListFiltersByAnyOfSeveralStatuses() {
    String idle = insertSession(session(workspace, "agent_a", 1, "idle", time(1))).id();
    insertSession(session(workspace, "agent_a", 1, "running", time(2)));
    String terminated = insertSession(session(workspace, "agent_a", 1, "terminated", time(3))).id();
    assertThat(
            listed(filter(true, Optional.empty(), Optional.empty(), List.of("idle", "terminated"))))
        .containsExactly(idle, terminated);
  }

  @Test
  void sessionListFiltersByCreatedBoundsStrictAndInclusive() {
    List<String> ids = insertSessions(5); // created at seconds 1 to 5
    assertThat(
            listed(
                created(
                    Optional.of(time(2)), Optional.empty(), Optional.empty(), Optional.empty())))
        .containsExactly(ids.get(2), ids.get(3), ids.get(4));
    assertThat(
            listed(
                created(
                    Optional.empty(), Optional.of(time(2)), Optional.empty(), Optional.empty())))
        .containsExactly(ids.get(1), ids.get(2), ids.get(3), ids.get(4));
    assertThat(
            listed(
                created(
                    Optional.empty(), Optional.empty(), Optional.of(time(4)), Optional.empty())))
        .containsExactly(ids.get(0), ids.get(1), ids.get(2));
    assertThat(
            listed(
                created(
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(time(4)))))
        .containsExactly(ids.get(0), ids.get(1), ids.get(2), ids.get(3));
    assertThat(
            listed(
                created(
                    Optional.of(time(1)),
                    Optional.empty(),
                    Optional.of(time(4)),
                    Optional.empty())))
        .containsExactly(ids.get(1), ids.get(2));
  }

  @Test
  void aSessionFilterThatMatchesNothingGivesAnEmptyPage() {
    insertSessions(2);
    SessionFilter nothing = everySession(false, true);
    Page<Session> page = sessions.list(workspace, nothing, PageRequest.first(10));
    assertThat(page.items()).isEmpty();
    assertThat(page.next()).isEmpty();
  }

  /** Sessions created at seconds 1, 2, …, {@code count}; their ids in that order. */
  private List<String> insertSessions(int count) {
    return IntStream.rangeClosed(1, count)
        .mapToObj(i -> insertSession(workspace, time(i)).id())
        .toList();
  }

  private List<String> listed(SessionFilter f) {
    return sessions.list(workspace, f, PageRequest.first(100)).items().stream()
        .map(Session::id)
        .toList();
  }

  private static SessionFilter filter(
      boolean includeArchived,
      Optional<String> agentId,
      Optional<Integer> agentVersion,
      List<String> statuses) {
    return new SessionFilter(
        includeArchived,
        agentId,
        agentVersion,
        Optional.empty(),
        statuses,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        false,
        false);
  }

  /** Every session, archived too, in the order and with the match-nothing flag given. */
  private static SessionFilter everySession(boolean descending, boolean matchNothing) {
    return new SessionFilter(
        true,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        descending,
        matchNothing);
  }

  private static SessionFilter created(
      Optional<String> gt, Optional<String> gte, Optional<String> lt, Optional<String> lte) {
    return new SessionFilter(
        true,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        gt,
        gte,
        lt,
        lte,
        false,
        false);
  }

  // A session's file slots.

  @Test
  void takeFileSlotGivesSlotsUpToMaxAndThenRefuses() {
    Session s = insertSession(workspace, time(1));
    for (int i = 0; i < 3; i++) {
      assertThat(takeSlot(s, 3)).as("slot %d of 3", i + 1).isTrue();
    }
    assertThat(takeSlot(s, 3)).isFalse();
  }

  @Test
  void concurrentTakersNeverPassMax() throws Exception {
    Session s = insertSession(workspace, time(1));
    List<Boolean> taken = together(8, i -> takeSlot(s, 3));
    assertThat(taken).filteredOn(t -> t).hasSize(3);
    assertThat(takeSlot(s, 3)).isFalse();
  }

  @Test
  void releasedSlotsCanBeTakenAgain() {
    Session s = insertSession(workspace, time(1));
    for (int i = 0; i < 3; i++) {
      takeSlot(s, 3);
    }
    assertThat(
            db.<Boolean>write(
                tx -> SessionStore.releaseFileSlots(tx, workspace, s.id(), 2, time(2))))
        .isTrue();
    assertThat(takeSlot(s, 3)).isTrue();
    assertThat(takeSlot(s, 3)).isTrue();
    assertThat(takeSlot(s, 3)).isFalse();
  }

  @Test
  void anArchivedSessionNeitherTakesNorReleasesSlots() {
    Session s = insertSession(workspace, time(1));
    takeSlot(s, 3);
    db.write(
        tx -> {
          SessionStore.update(tx, s.touched(time(2), true));
          return null;
        });
    assertThat(takeSlot(s, 3)).isFalse();
    assertThat(
            db.<Boolean>write(
                tx -> SessionStore.releaseFileSlots(tx, workspace, s.id(), 1, time(3))))
        .isFalse();
  }

  @Test
  void aTerminatedSessionNeitherTakesNorReleasesSlots() {
    Session s = insertSession(session(workspace, "agent_a", 1, "terminated", time(1)));
    assertThat(takeSlot(s, 3)).isFalse();
    assertThat(
            db.<Boolean>write(
                tx -> SessionStore.releaseFileSlots(tx, workspace, s.id(), 1, time(2))))
        .isFalse();
  }

  @Test
  void aSessionThatDoesNotExistHasNoSlots() {
    assertThat(
            db.<Boolean>write(tx -> SessionStore.takeFileSlot(tx, workspace, "sesn_x", 3, time(1))))
        .isFalse();
    assertThat(
            db.<Boolean>write(
                tx -> SessionStore.releaseFileSlots(tx, workspace, "sesn_x", 1, time(1))))
        .isFalse();
  }

  private boolean takeSlot(Session s, int max) {
    return db.write(tx -> SessionStore.takeFileSlot(tx, workspace, s.id(), max, time(2)));
  }

  // Resources.

  @Test
  void insertRefusesAPathAlreadyMountedInTheSession() {
    Session s = insertSession(workspace, time(1));
    assertThat(insertResource(workspace, resource(s, mount("a.txt")))).isTrue();
    Resource again = resource(s, mount("a.txt"));
    assertThat(insertResource(workspace, again)).isFalse();
    assertThat(resources.find(s.id(), again.id())).isEmpty();
  }

  @Test
  void insertRefusesAPathBelowAMountedOne() {
    Session s = insertSession(workspace, time(1));
    mounted(s, "docs");
    assertThat(insertResource(workspace, resource(s, mount("docs/deep/a.txt")))).isFalse();
  }

  @Test
  void insertRefusesAPathAboveAMountedOne() {
    Session s = insertSession(workspace, time(1));
    mounted(s, "docs/deep/a.txt");
    assertThat(insertResource(workspace, resource(s, mount("docs")))).isFalse();
    assertThat(insertResource(workspace, resource(s, mount("docs/deep")))).isFalse();
  }

  @Test
  void pathsThatOnlyShareAPrefixWithAMountAreFree() {
    Session s = insertSession(workspace, time(1));
    mounted(s, "docs");
    assertThat(List.of("docs.txt", "docs-old/a", "docsx", "doc", "other/docs"))
        .allSatisfy(
            p -> assertThat(insertResource(workspace, resource(s, mount(p)))).as(p).isTrue());
  }

  @Test
  void aPathMountedInOneSessionIsFreeInAnother() {
    Session one = insertSession(workspace, time(1));
    Session two = insertSession(workspace, time(2));
    assertThat(insertResource(workspace, resource(one, mount("a.txt")))).isTrue();
    assertThat(insertResource(workspace, resource(two, mount("a.txt")))).isTrue();
  }

  @Test
  void overlappingFindsTheMountAtAboveOrBelowAPath() {
    Session s = insertSession(workspace, time(1));
    Resource docs = mounted(s, "docs/a");
    for (String p : List.of("docs/a", "docs", "docs/a/b/c")) {
      assertThat(db.<Optional<Resource>>read(tx -> ResourceStore.overlapping(tx, s.id(), mount(p))))
          .as(p)
          .contains(docs);
      assertThat(resources.mountAround(s.id(), mount(p))).as(p).contains(docs);
    }
    assertThat(
            db.<Optional<Resource>>read(
                tx -> ResourceStore.overlapping(tx, s.id(), mount("docs/b"))))
        .isEmpty();
  }

  /**
   * Each loser of the race goes on in its own transaction, as the service does to say which mount
   * took the path: whichever of the overlap check and the unique key turned it away, the
   * transaction is still usable and finds the winner.
   */
  @Test
  void writersRacingForOnePathGetExactlyOneWinnerAndTheLosersFindIt() throws Exception {
    Session s = insertSession(workspace, time(1));
    int writers = 6;
    List<Resource> contenders =
        IntStream.range(0, writers).mapToObj(i -> resource(s, mount("contested"))).toList();
    List<Optional<Resource>> takenBy =
        together(
            writers,
            i ->
                db.write(
                    tx ->
                        ResourceStore.insert(tx, workspace, contenders.get(i))
                            ? Optional.<Resource>empty()
                            : Optional.of(
                                ResourceStore.overlapping(tx, s.id(), mount("contested"))
                                    .orElseThrow())));
    assertThat(takenBy).filteredOn(Optional::isEmpty).hasSize(1);
    Resource winner = contenders.get(takenBy.indexOf(Optional.empty()));
    assertThat(takenBy).filteredOn(Optional::isPresent).containsOnly(Optional.of(winner));
    assertThat(resources.all(s.id())).containsExactly(winner);
  }

  @Test
  void aResourceIsFoundThroughItsSessionOnly() {
    Session s = insertSession(workspace, time(1));
    Session other = insertSession(workspace, time(2));
    Resource r = mounted(s, "a.txt");
    assertThat(resources.find(s.id(), r.id())).contains(r);
    assertThat(db.<Optional<Resource>>read(tx -> ResourceStore.find(tx, s.id(), r.id())))
        .contains(r);
    assertThat(resources.find(other.id(), r.id())).isEmpty();
  }

  @Test
  void resourceListPagesInAttachOrder() {
    Session s = insertSession(workspace, time(1));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(mounted(s, "f" + i).id());
    }
    List<Page<Resource>> pages = pagesForward(p -> resources.list(s.id(), p), 2);
    assertThat(positions(pages, Resource::id))
        .containsExactly(ids.subList(0, 2), ids.subList(2, 4), ids.subList(4, 5));
    assertThat(pages).extracting(Page::prev).containsOnly(Optional.empty());
  }

  @Test
  void deletingAResourceReturnsItAndFreesItsPath() {
    Session s = insertSession(workspace, time(1));
    Resource r = mounted(s, "a.txt");
    assertThat(
            db.<Optional<Resource>>write(tx -> ResourceStore.delete(tx, workspace, s.id(), r.id())))
        .contains(r);
    assertThat(resources.find(s.id(), r.id())).isEmpty();
    assertThat(
            db.<Optional<Resource>>write(tx -> ResourceStore.delete(tx, workspace, s.id(), r.id())))
        .isEmpty();
    assertThat(insertResource(workspace, resource(s, mount("a.txt")))).isTrue();
  }

  @Test
  void deletingAllResourcesOfASessionLeavesOtherSessionsResources() {
    Session s = insertSession(workspace, time(1));
    Session other = insertSession(workspace, time(2));
    mounted(s, "a");
    mounted(s, "b");
    Resource kept = mounted(other, "a");
    db.write(
        tx -> {
          ResourceStore.deleteAll(tx, s.id());
          return null;
        });
    assertThat(resources.all(s.id())).isEmpty();
    assertThat(resources.all(other.id())).containsExactly(kept);
  }

  @Test
  void allOfGroupsTheResourcesOfSeveralSessionsEachInAttachOrder() {
    Session one = insertSession(workspace, time(1));
    Session two = insertSession(workspace, time(2));
    Session none = insertSession(workspace, time(3));
    Resource a = mounted(one, "a");
    Resource b = mounted(two, "b");
    Resource c = mounted(one, "c");
    assertThat(resources.allOf(List.of(one.id(), two.id(), none.id())))
        .containsExactlyInAnyOrderEntriesOf(Map.of(one.id(), List.of(a, c), two.id(), List.of(b)));
    assertThat(resources.allOf(List.of())).isEmpty();
  }

  @Test
  void mountsMapEachMountPathToItsBlob() {
    Session s = insertSession(workspace, time(1));
    Resource a = mounted(s, "a");
    Resource b = mounted(s, "b");
    assertThat(resources.mounts(s.id()))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(a.mountPath(), a.sha256(), b.mountPath(), b.sha256()));
  }

  @Test
  void resourceBackedByFindsTheResourceMountingASessionCopy() {
    Session s = insertSession(workspace, time(1));
    Resource r = mounted(s, "a");
    Session other = insertSession(workspace, time(2));
    assertThat(
            db.<Optional<String>>read(tx -> ResourceStore.resourceBackedBy(tx, s.id(), r.fileId())))
        .contains(r.id());
    assertThat(
            db.<Optional<String>>read(
                tx -> ResourceStore.resourceBackedBy(tx, s.id(), "file_unmounted")))
        .isEmpty();
    assertThat(
            db.<Optional<String>>read(
                tx -> ResourceStore.resourceBackedBy(tx, other.id(), r.fileId())))
        .as("another session's")
        .isEmpty();
  }

  // Files.

  @Test
  void anInsertedFileIsFoundAsItWasInserted() {
    Session s = insertSession(workspace, time(1));
    FileRecord f =
        new FileRecord(
            id("file"),
            workspace,
            "report.pdf",
            "application/pdf",
            12_345_678_901L,
            "blob-a",
            true,
            Optional.of(s.id()),
            Optional.of("file_source"),
            time(1),
            Optional.of(time(9)));
    files.insert(f);
    assertThat(files.find(workspace, f.id())).contains(f);
    assertThat(db.<Optional<FileRecord>>write(tx -> FileStore.findToDelete(tx, workspace, f.id())))
        .contains(f);
  }

  @Test
  void fileListPagesTheWorkspacesOwnFilesNewestFirstLeavingOutSessionScopedOnes() {
    Session s = insertSession(workspace, time(1));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      FileRecord f = file(workspace, "blob-" + i);
      files.insert(f);
      ids.add(0, f.id());
    }
    files.insert(scopedFile(s, "blob-scoped"));
    List<Page<FileRecord>> pages = pagesForward(p -> files.list(workspace, Optional.empty(), p), 2);
    assertThat(positions(pages, FileRecord::id))
        .containsExactly(ids.subList(0, 2), ids.subList(2, 4), ids.subList(4, 5));
    assertThat(pages).extracting(Page::prev).containsOnly(Optional.empty());
  }

  @Test
  void fileListOfASessionScopeHoldsOnlyThatSessionsFiles() {
    Session s = insertSession(workspace, time(1));
    Session other = insertSession(workspace, time(2));
    FileRecord older = scopedFile(s, "blob-a");
    FileRecord newer = scopedFile(s, "blob-b");
    for (FileRecord f : List.of(older, newer, scopedFile(other, "blob-c"), file(workspace, "d"))) {
      files.insert(f);
    }
    assertThat(files.list(workspace, Optional.of(s.id()), PageRequest.first(10)).items())
        .containsExactly(newer, older);
  }

  @Test
  void listByIdsGivesTheListedFilesThatExistNewestFirst() {
    FileRecord older = file(workspace, "blob-a");
    FileRecord newer = file(workspace, "blob-b");
    files.insert(older);
    files.insert(newer);
    files.insert(file(workspace, "blob-c"));
    assertThat(files.listByIds(workspace, List.of(older.id(), "file_missing", newer.id())))
        .containsExactly(newer, older);
    assertThat(files.listByIds(workspace, List.of())).isEmpty();
  }

  @Test
  void copyForSessionRecordsANonDownloadableSessionCopySharingTheBlob() {
    Session s = insertSession(workspace, time(1));
    FileRecord source = file(workspace, "blob-a");
    files.insert(source);
    String copyId = id("file");
    assertThat(
            db.<Optional<String>>write(
                tx ->
                    FileStore.copyForSession(tx, workspace, source.id(), copyId, s.id(), time(2))))
        .contains("blob-a");
    assertThat(files.find(workspace, copyId))
        .contains(
            new FileRecord(
                copyId,
                workspace,
                source.filename(),
                source.mimeType(),
                source.sizeBytes(),
                source.sha256(),
                false,
                Optional.of(s.id()),
                Optional.of(source.id()),
                time(2),
                Optional.empty()));
  }

  @Test
  void copyForSessionRefusesAFileThatHasExpiredAndWritesNothing() {
    Session s = insertSession(workspace, time(1));
    FileRecord expiring =
        new FileRecord(
            id("file"),
            workspace,
            "a.txt",
            "text/plain",
            1,
            "blob-a",
            true,
            Optional.empty(),
            Optional.empty(),
            time(1),
            Optional.of(time(5)));
    files.insert(expiring);
    String late = id("file");
    String early = id("file");
    assertThat(
            db.<Optional<String>>write(
                tx ->
                    FileStore.copyForSession(tx, workspace, expiring.id(), late, s.id(), time(5))))
        .isEmpty();
    assertThat(files.find(workspace, late)).isEmpty();
    assertThat(
            db.<Optional<String>>write(
                tx ->
                    FileStore.copyForSession(tx, workspace, expiring.id(), early, s.id(), time(4))))
        .contains("blob-a");
  }

  @Test
  void aBlobIsReferencedWhileAFileOfAnyWorkspacePointsAtIt() {
    FileRecord mine = file(workspace, "blob-shared");
    FileRecord theirs = file(otherWorkspace, "blob-shared");
    files.insert(mine);
    files.insert(theirs);
    assertThat(files.isBlobReferenced("blob-shared")).isTrue();
    assertThat(files.referencedBlobs()).contains("blob-shared");

    deleteFile(mine.id());
    assertThat(files.isBlobReferenced("blob-shared")).isTrue();
    assertThat(db.<Boolean>read(tx -> FileStore.isBlobReferenced(tx, "blob-shared"))).isTrue();

    deleteFile(theirs.id());
    assertThat(files.isBlobReferenced("blob-shared")).isFalse();
    assertThat(db.<Boolean>read(tx -> FileStore.isBlobReferenced(tx, "blob-shared"))).isFalse();
    assertThat(files.referencedBlobs()).doesNotContain("blob-shared");
  }

  @Test
  void deleteReturningBlobNamesTheBlobOfTheFileItDeleted() {
    FileRecord f = file(workspace, "blob-a");
    files.insert(f);
    assertThat(db.<Optional<String>>write(tx -> FileStore.deleteReturningBlob(tx, f.id())))
        .contains("blob-a");
    assertThat(files.find(workspace, f.id())).isEmpty();
    assertThat(db.<Optional<String>>write(tx -> FileStore.deleteReturningBlob(tx, f.id())))
        .isEmpty();
  }

  @Test
  void deleteScopedToRemovesTheSessionsFilesAndNamesEachOfTheirBlobsOnce() {
    Session s = insertSession(workspace, time(1));
    Session other = insertSession(workspace, time(2));
    List<FileRecord> scoped =
        List.of(scopedFile(s, "blob-a"), scopedFile(s, "blob-a"), scopedFile(s, "blob-b"));
    FileRecord otherSessions = scopedFile(other, "blob-a");
    FileRecord workspaceLevel = file(workspace, "blob-b");
    scoped.forEach(files::insert);
    files.insert(otherSessions);
    files.insert(workspaceLevel);

    assertThat(db.<List<String>>write(tx -> FileStore.deleteScopedTo(tx, s.id())))
        .containsExactlyInAnyOrder("blob-a", "blob-b");
    assertThat(scoped).allSatisfy(f -> assertThat(files.find(workspace, f.id())).isEmpty());
    assertThat(files.find(workspace, otherSessions.id())).contains(otherSessions);
    assertThat(files.find(workspace, workspaceLevel.id())).contains(workspaceLevel);
  }

  @Test
  void replaceContentPointsAFileAtNewBytesAndNamesTheOldBlob() {
    FileRecord f = file(workspace, "blob-old");
    files.insert(f);
    assertThat(
            db.<Optional<String>>write(
                tx -> FileStore.replaceContent(tx, f.id(), "application/json", 42, "blob-new")))
        .contains("blob-old");
    FileRecord now = files.find(workspace, f.id()).orElseThrow();
    assertThat(List.of(now.mimeType(), now.sizeBytes(), now.sha256()))
        .containsExactly("application/json", 42L, "blob-new");
    assertThat(
            db.<Optional<String>>write(
                tx -> FileStore.replaceContent(tx, "file_missing", "a/b", 1, "blob")))
        .isEmpty();
  }

  private void deleteFile(String id) {
    db.write(
        tx -> {
          FileStore.deleteFile(tx, id);
          return null;
        });
  }

  // The output catalogue.

  @Test
  void aCataloguedPathIsReadBackWithItsStat() {
    Session s = insertSession(workspace, time(1));
    FileRecord f = insertedScopedFile(s, "blob-a");
    OutputStore.Row row = new OutputStore.Row("report.txt", Optional.of(f.id()), 10, 111, "i1");
    assertThat(insertOutput(s, row)).isTrue();
    assertThat(outputs.rows(s.id())).containsExactlyEntriesOf(Map.of("report.txt", row));
  }

  @Test
  void cataloguingRefusesAPathThatHasARowAlready() {
    Session s = insertSession(workspace, time(1));
    FileRecord first = insertedScopedFile(s, "blob-a");
    FileRecord second = insertedScopedFile(s, "blob-b");
    OutputStore.Row kept = new OutputStore.Row("a.txt", Optional.of(first.id()), 1, 1, "i1");
    insertOutput(s, kept);
    assertThat(insertOutput(s, new OutputStore.Row("a.txt", Optional.of(second.id()), 2, 2, "i2")))
        .isFalse();
    assertThat(outputs.rows(s.id())).containsExactlyEntriesOf(Map.of("a.txt", kept));
  }

  @Test
  void keptListsTheCataloguedPathsBackingAFileWithTheirBlobsInPathOrder() {
    Session s = insertSession(workspace, time(1));
    FileRecord b = insertedScopedFile(s, "blob-b");
    FileRecord a = insertedScopedFile(s, "blob-a");
    insertOutput(s, new OutputStore.Row("b.txt", Optional.of(b.id()), 1, 20, "i2"));
    insertOutput(s, new OutputStore.Row("a.txt", Optional.of(a.id()), 1, 10, "i1"));
    insertOutput(s, new OutputStore.Row("dismissed.txt", Optional.empty(), 1, 30, "i3"));
    assertThat(outputs.kept(s.id()))
        .containsExactly(
            new OutputStore.Kept("a.txt", a.id(), "blob-a", 10),
            new OutputStore.Kept("b.txt", b.id(), "blob-b", 20));
  }

  @Test
  void recataloguingSucceedsOnlyWhileThePathStillBacksTheFileItWasReadWith() {
    Session s = insertSession(workspace, time(1));
    FileRecord was = insertedScopedFile(s, "blob-a");
    FileRecord next = insertedScopedFile(s, "blob-b");
    FileRecord third = insertedScopedFile(s, "blob-c");
    insertOutput(s, new OutputStore.Row("a.txt", Optional.of(was.id()), 1, 1, "i1"));
    OutputStore.Row replaced = new OutputStore.Row("a.txt", Optional.of(next.id()), 2, 2, "i2");
    assertThat(
            db.<Boolean>write(
                tx -> OutputStore.replace(tx, s.id(), Optional.of(was.id()), replaced)))
        .isTrue();
    OutputStore.Row stale = new OutputStore.Row("a.txt", Optional.of(third.id()), 3, 3, "i3");
    assertThat(
            db.<Boolean>write(tx -> OutputStore.replace(tx, s.id(), Optional.of(was.id()), stale)))
        .isFalse();
    assertThat(db.<Boolean>write(tx -> OutputStore.replace(tx, s.id(), Optional.empty(), stale)))
        .isFalse();
    assertThat(outputs.rows(s.id())).containsExactlyEntriesOf(Map.of("a.txt", replaced));
  }

  @Test
  void forgetDismissesThePathOfAFileBeingDeleted() {
    Session s = insertSession(workspace, time(1));
    FileRecord f = insertedScopedFile(s, "blob-a");
    FileRecord rewritten = insertedScopedFile(s, "blob-b");
    insertOutput(s, new OutputStore.Row("a.txt", Optional.of(f.id()), 1, 1, "i1"));
    db.write(
        tx -> {
          OutputStore.forget(tx, f.id());
          return null;
        });
    assertThat(outputs.rows(s.id()).get("a.txt").fileId()).isEmpty();
    assertThat(outputs.kept(s.id())).isEmpty();
    OutputStore.Row back = new OutputStore.Row("a.txt", Optional.of(rewritten.id()), 2, 2, "i2");
    assertThat(db.<Boolean>write(tx -> OutputStore.replace(tx, s.id(), Optional.empty(), back)))
        .as("a dismissed path is replaced as backing no file")
        .isTrue();
  }

  @Test
  void restatRecordsTheStatWhileThePathBacksTheFileOrIsDismissed() {
    Session s = insertSession(workspace, time(1));
    FileRecord f = insertedScopedFile(s, "blob-a");
    FileRecord other = insertedScopedFile(s, "blob-b");
    insertOutput(s, new OutputStore.Row("a.txt", Optional.of(f.id()), 1, 1, "i1"));
    assertThat(restat(s, f.id(), "a.txt", 5, 50, "i5")).isTrue();
    assertThat(outputs.rows(s.id()).get("a.txt"))
        .isEqualTo(new OutputStore.Row("a.txt", Optional.of(f.id()), 5, 50, "i5"));
    assertThat(restat(s, other.id(), "a.txt", 6, 60, "i6")).isFalse();
    assertThat(restat(s, f.id(), "missing.txt", 6, 60, "i6")).isFalse();

    db.write(
        tx -> {
          OutputStore.forget(tx, f.id());
          return null;
        });
    assertThat(restat(s, f.id(), "a.txt", 7, 70, "i7")).isTrue();
    assertThat(outputs.rows(s.id()).get("a.txt"))
        .isEqualTo(new OutputStore.Row("a.txt", Optional.empty(), 7, 70, "i7"));
  }

  @Test
  void deletingACataloguedPathNamesTheFileItBacked() {
    Session s = insertSession(workspace, time(1));
    FileRecord f = insertedScopedFile(s, "blob-a");
    insertOutput(s, new OutputStore.Row("a.txt", Optional.of(f.id()), 1, 1, "i1"));
    insertOutput(s, new OutputStore.Row("b.txt", Optional.empty(), 1, 1, "i2"));
    assertThat(db.<Optional<String>>write(tx -> OutputStore.delete(tx, s.id(), "a.txt")))
        .contains(f.id());
    assertThat(db.<Optional<String>>write(tx -> OutputStore.delete(tx, s.id(), "b.txt"))).isEmpty();
    assertThat(outputs.rows(s.id())).isEmpty();
  }

  @Test
  void deletingAllCataloguedPathsOfASessionLeavesOtherSessionsPaths() {
    Session s = insertSession(workspace, time(1));
    Session other = insertSession(workspace, time(2));
    insertOutput(s, new OutputStore.Row("a.txt", Optional.empty(), 1, 1, "i1"));
    OutputStore.Row kept = new OutputStore.Row("a.txt", Optional.empty(), 1, 1, "i2");
    db.write(tx -> OutputStore.insert(tx, other.id(), kept));
    db.write(
        tx -> {
          OutputStore.deleteAll(tx, s.id());
          return null;
        });
    assertThat(outputs.rows(s.id())).isEmpty();
    assertThat(outputs.rows(other.id())).containsExactlyEntriesOf(Map.of("a.txt", kept));
  }

  @Test
  void aSessionIsKnownWithItsWorkspaceUntilItIsDeleted() {
    Session s = insertSession(workspace, time(1));
    assertThat(outputs.workspaceOf(s.id())).contains(workspace);
    assertThat(db.<Boolean>write(tx -> OutputStore.sessionExists(tx, s.id()))).isTrue();
    db.write(
        tx -> {
          SessionStore.delete(tx, s.id());
          return null;
        });
    assertThat(outputs.workspaceOf(s.id())).isEmpty();
    assertThat(db.<Boolean>write(tx -> OutputStore.sessionExists(tx, s.id()))).isFalse();
  }

  private boolean insertOutput(Session s, OutputStore.Row row) {
    return db.write(tx -> OutputStore.insert(tx, s.id(), row));
  }

  private boolean restat(
      Session s, String fileId, String path, long size, long mtime, String inode) {
    return db.write(tx -> OutputStore.restat(tx, s.id(), fileId, path, size, mtime, inode));
  }

  // Agents.

  @Test
  void anInsertedAgentIsFoundAtItsFirstVersion() {
    AgentRecord a = agent(workspace, time(1));
    agents.insert(a);
    assertThat(agents.find(workspace, a.id())).contains(a);
    assertThat(agents.findVersion(workspace, a.id(), 1)).contains(a);
    assertThat(agents.findVersion(workspace, a.id(), 2)).isEmpty();
  }

  @Test
  void replacingAnAgentMakesANewLatestVersionAndKeepsTheEarlierOnes() {
    AgentRecord v1 = agent(workspace, time(1));
    agents.insert(v1);
    AgentRecord v2 = nextVersion(v1, "renamed", time(2));
    assertThat(agents.replace(v2, 1)).isTrue();
    assertThat(agents.find(workspace, v1.id())).contains(v2);
    assertThat(agents.findVersion(workspace, v1.id(), 1)).contains(v1);
    assertThat(agents.findVersion(workspace, v1.id(), 2)).contains(v2);
  }

  @Test
  void replacingAnAgentRefusesAnOutdatedExpectedVersionAndWritesNothing() {
    AgentRecord v1 = agent(workspace, time(1));
    agents.insert(v1);
    AgentRecord v2 = nextVersion(v1, "first", time(2));
    agents.replace(v2, 1);
    assertThat(agents.replace(nextVersion(v1, "second", time(3)), 1)).isFalse();
    assertThat(agents.find(workspace, v1.id())).contains(v2);
  }

  @Test
  void archivingAnAgentSetsArchivedAtOnceAndKeepsIt() {
    AgentRecord a = agent(workspace, time(1));
    agents.insert(a);
    AgentRecord archived = agents.archive(workspace, a.id(), time(2)).orElseThrow();
    assertThat(archived.archivedAt()).contains(time(2));
    assertThat(archived.updatedAt()).isEqualTo(time(2));
    assertThat(agents.archive(workspace, a.id(), time(3))).contains(archived);
    assertThat(agents.find(workspace, a.id())).contains(archived);
  }

  @Test
  void archivingAnAgentThatDoesNotExistFindsNothing() {
    assertThat(agents.archive(workspace, "agent_missing", time(1))).isEmpty();
  }

  @Test
  void agentListPagesTheLatestVersionsNewestAgentFirst() {
    List<AgentRecord> latest = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      AgentRecord a = agent(workspace, time(i));
      agents.insert(a);
      latest.add(0, a);
    }
    AgentRecord v2 = nextVersion(latest.get(2), "renamed", time(9));
    agents.replace(v2, 1);
    latest.set(2, v2);
    List<Page<AgentRecord>> pages =
        pagesForward(p -> agents.list(workspace, false, Optional.empty(), Optional.empty(), p), 2);
    assertThat(pages.stream().flatMap(p -> p.items().stream()).toList())
        .containsExactlyElementsOf(latest);
    assertThat(pages).extracting(p -> p.items().size()).containsExactly(2, 2, 1);
    assertThat(pages).extracting(Page::prev).containsOnly(Optional.empty());
  }

  @Test
  void agentListLeavesOutArchivedAgentsUnlessAskedForThem() {
    AgentRecord live = agent(workspace, time(1));
    AgentRecord archived = agent(workspace, time(2));
    agents.insert(live);
    agents.insert(archived);
    agents.archive(workspace, archived.id(), time(3));
    assertThat(agentIds(false, Optional.empty(), Optional.empty())).containsExactly(live.id());
    assertThat(agentIds(true, Optional.empty(), Optional.empty()))
        .containsExactly(archived.id(), live.id());
  }

  @Test
  void agentListCreatedBoundsAreInclusive() {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      AgentRecord a = agent(workspace, time(i));
      agents.insert(a);
      ids.add(a.id());
    }
    assertThat(agentIds(true, Optional.of(time(2)), Optional.of(time(3))))
        .containsExactly(ids.get(2), ids.get(1));
    assertThat(agentIds(true, Optional.of(time(3)), Optional.empty()))
        .containsExactly(ids.get(3), ids.get(2));
  }

  @Test
  void agentVersionsPageNewestFirstByVersionPosition() {
    AgentRecord a = agent(workspace, time(1));
    agents.insert(a);
    for (int v = 2; v <= 5; v++) {
      agents.replace(
          new AgentRecord(
              a.id(), workspace, v, definition("v" + v), Optional.empty(), a.createdAt(), time(v)),
          v - 1);
    }
    List<Page<AgentRecord>> pages = pagesForward(p -> agents.listVersions(workspace, a.id(), p), 2);
    assertThat(positions(pages, r -> AgentStore.versionPosition(r.version())))
        .containsExactly(List.of("v5", "v4"), List.of("v3", "v2"), List.of("v1"));
    assertThat(pages.getFirst().items().getFirst().definition().name()).isEqualTo("v5");
  }

  private List<String> agentIds(
      boolean includeArchived, Optional<String> from, Optional<String> to) {
    return idsOf(
        agents.list(workspace, includeArchived, from, to, PageRequest.first(100)), AgentRecord::id);
  }

  private static AgentRecord nextVersion(AgentRecord a, String name, String now) {
    return new AgentRecord(
        a.id(),
        a.workspaceId(),
        a.version() + 1,
        definition(name),
        a.archivedAt(),
        a.createdAt(),
        now);
  }

  // Environments.

  @Test
  void anInsertedEnvironmentIsFoundAsItWasInserted() {
    EnvironmentRecord e = environment(workspace, time(1), false);
    environments.insert(e);
    assertThat(environments.find(workspace, e.id())).contains(e);
  }

  @Test
  void environmentUpdateStoresTheChangedEnvironmentAndReturnsIt() {
    EnvironmentRecord e = environment(workspace, time(1), false);
    environments.insert(e);
    EnvironmentRecord renamed = renamed(e, "renamed");
    assertThat(environments.update(workspace, e.id(), current -> renamed)).contains(renamed);
    assertThat(environments.find(workspace, e.id())).contains(renamed);
  }

  @Test
  void anEnvironmentUpdateWhoseChangeThrowsWritesNothing() {
    EnvironmentRecord e = environment(workspace, time(1), false);
    environments.insert(e);
    assertThatThrownBy(
            () ->
                environments.update(
                    workspace,
                    e.id(),
                    current -> {
                      throw new IllegalStateException("refused");
                    }))
        .hasMessage("refused");
    assertThat(environments.find(workspace, e.id())).contains(e);
  }

  @Test
  void updatingAnEnvironmentThatDoesNotExistFindsNothing() {
    assertThat(environments.update(workspace, "env_missing", e -> renamed(e, "x"))).isEmpty();
  }

  @Test
  void environmentDeleteReturnsTheEnvironmentAndRemovesIt() {
    EnvironmentRecord e = environment(workspace, time(1), false);
    environments.insert(e);
    assertThat(environments.delete(workspace, e.id())).contains(e);
    assertThat(environments.find(workspace, e.id())).isEmpty();
    assertThat(environments.delete(workspace, e.id())).isEmpty();
  }

  @Test
  void environmentListPagesNewestFirstLeavingOutArchivedOnesUnlessAskedForThem() {
    List<String> live = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      EnvironmentRecord e = environment(workspace, time(i), false);
      environments.insert(e);
      live.add(0, e.id());
    }
    EnvironmentRecord archived = environment(workspace, time(6), true);
    environments.insert(archived);
    List<Page<EnvironmentRecord>> pages =
        pagesForward(p -> environments.list(workspace, false, p), 2);
    assertThat(positions(pages, EnvironmentRecord::id))
        .containsExactly(live.subList(0, 2), live.subList(2, 4), live.subList(4, 5));
    assertThat(pages).extracting(Page::prev).containsOnly(Optional.empty());
    assertThat(environments.list(workspace, true, PageRequest.first(100)).items())
        .extracting(EnvironmentRecord::id)
        .startsWith(archived.id())
        .hasSize(6);
  }

  // Memory stores, their memories and versions.

  @Test
  void anInsertedMemoryStoreIsFoundAndListedNewestFirstWithArchivedOnesOnlyWhenAsked() {
    MemoryStoreRecord older = insertedMemoryStore(workspace, time(1));
    MemoryStoreRecord newer = insertedMemoryStore(workspace, time(2));
    MemoryStoreRecord archived =
        memoryStores
            .updateStore(workspace, insertedMemoryStore(workspace, time(3)).id(), s -> archived(s))
            .orElseThrow();

    assertThat(memoryStores.findStore(workspace, older.id())).contains(older);
    assertThat(memoryStoreIds(false, Optional.empty(), Optional.empty()))
        .containsExactly(newer.id(), older.id());
    assertThat(memoryStoreIds(true, Optional.empty(), Optional.empty()))
        .containsExactly(archived.id(), newer.id(), older.id());
    assertThat(memoryStoreIds(true, Optional.of(time(2)), Optional.of(time(2))))
        .containsExactly(newer.id());
    List<Page<MemoryStoreRecord>> pages =
        pagesForward(
            p -> memoryStores.listStores(workspace, true, Optional.empty(), Optional.empty(), p),
            2);
    assertThat(pages).extracting(p -> p.items().size()).containsExactly(2, 1);
  }

  @Test
  void aMemoryStoreUpdateThatThrowsWritesNothing() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    var refused = new IllegalStateException("refused by a rule");
    assertThatThrownBy(
            () ->
                memoryStores.updateStore(
                    workspace,
                    s.id(),
                    current -> {
                      throw refused;
                    }))
        .isSameAs(refused);
    assertThat(memoryStores.findStore(workspace, s.id())).contains(s);
  }

  @Test
  void aMemoryStoreOfAnotherWorkspaceIsNeitherFoundNorListedNorChangedNorWrittenNorDeleted() {
    MemoryStoreRecord theirs = insertedMemoryStore(otherWorkspace, time(1));
    Memory memory = createMemory(theirs, "/a.md", "a");
    String version = memory.versionId();

    assertThat(memoryStores.findStore(workspace, theirs.id())).isEmpty();
    assertThat(memoryStoreIds(true, Optional.empty(), Optional.empty())).isEmpty();
    assertThat(memoryStores.updateStore(workspace, theirs.id(), s -> archived(s))).isEmpty();
    assertThat(memoryStores.revision(workspace, theirs.id())).isEmpty();
    assertThat(memoryStores.snapshot(workspace, theirs.id())).isEmpty();
    assertThat(memoryStores.findMemory(workspace, theirs.id(), memory.id(), true)).isEmpty();
    assertThat(memoryStores.findMemoryAtPath(workspace, theirs.id(), "/a.md", false)).isEmpty();
    assertThat(listMemories(workspace, theirs.id(), "/", 0)).isEmpty();
    assertThat(memoryStores.findVersion(workspace, theirs.id(), version, true)).isEmpty();
    assertThat(
            memoryStores
                .listVersions(workspace, theirs.id(), NO_FILTER, true, PageRequest.first(10))
                .items())
        .isEmpty();
    assertThat(write(modify(workspace, theirs.id(), memory.id(), "mine", Optional.empty())))
        .isInstanceOf(MemoryWriteResult.StoreNotFound.class);
    assertThat(write(deletion(workspace, theirs.id(), memory.id(), Optional.empty())))
        .isInstanceOf(MemoryWriteResult.StoreNotFound.class);
    assertThat(memoryStores.redact(workspace, theirs.id(), version, API_ACTOR, time(5)))
        .isInstanceOf(MemoryRedaction.StoreNotFound.class);
    assertThat(memoryStores.deleteStore(workspace, theirs.id())).isEmpty();

    assertThat(memoryStores.findStore(otherWorkspace, theirs.id())).contains(theirs);
    assertThat(memoryStores.findMemory(otherWorkspace, theirs.id(), memory.id(), true))
        .contains(memory);
  }

  @Test
  void creatingAMemoryRecordsItsFirstVersionWithItsAuthorAndAdvancesTheRevision() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    assertThat(memoryStores.revision(workspace, s.id())).hasValue(0);
    Memory m = createMemory(s, "/notes/a.md", "hello");

    assertThat(m.contentSha256()).isEqualTo(MemoryContent.of("hello").sha256());
    assertThat(m.contentSizeBytes()).isEqualTo(5);
    assertThat(memoryStores.findMemory(workspace, s.id(), m.id(), true)).contains(m);
    assertThat(memoryStores.findMemory(workspace, s.id(), m.id(), false))
        .contains(m.withoutContent());
    assertThat(memoryStores.findMemoryAtPath(workspace, s.id(), "/notes/a.md", false))
        .contains(m.withoutContent());
    assertThat(memoryStores.revision(workspace, s.id())).hasValue(1);
    MemoryVersion v =
        memoryStores.findVersion(workspace, s.id(), m.versionId(), true).orElseThrow();
    assertThat(v)
        .isEqualTo(
            new MemoryVersion(
                m.versionId(),
                s.id(),
                m.id(),
                1,
                MemoryOperation.CREATED,
                Optional.of("/notes/a.md"),
                Optional.of("hello"),
                Optional.of(m.contentSha256()),
                Optional.of(5L),
                API_ACTOR,
                time(4),
                Optional.empty(),
                Optional.empty()));
  }

  @Test
  void modifyingAMemoryKeepsItsIdRecordsAVersionAndLeavesTheOldOneAsItWas() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    Memory m = createMemory(s, "/a.md", "one");
    var written =
        (MemoryWriteResult.Written)
            write(
                new MemoryWrite.Modify(
                    workspace,
                    s.id(),
                    m.id(),
                    Optional.of("/b/a.md"),
                    Optional.of(MemoryContent.of("two")),
                    Optional.of(m.contentSha256()),
                    SESSION_ACTOR,
                    id("memver"),
                    time(5)));

    Memory now = memoryStores.findMemory(workspace, s.id(), m.id(), true).orElseThrow();
    assertThat(now).isEqualTo(written.memory());
    assertThat(now.path()).isEqualTo("/b/a.md");
    assertThat(now.content()).contains("two");
    assertThat(now.createdAt()).isEqualTo(m.createdAt());
    assertThat(now.updatedAt()).isEqualTo(time(5));
    assertThat(written.version().seq()).isEqualTo(2);
    assertThat(written.version().createdBy()).isEqualTo(SESSION_ACTOR);
    assertThat(memoryStores.findVersion(workspace, s.id(), m.versionId(), true).orElseThrow())
        .satisfies(
            old -> {
              assertThat(old.path()).contains("/a.md");
              assertThat(old.content()).contains("one");
            });
    assertThat(memoryStores.findMemoryAtPath(workspace, s.id(), "/a.md", false)).isEmpty();
  }

  @Test
  void aModifyThatAsksForWhatTheMemoryIsMakesNoVersionEvenWithAStalePrecondition() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    Memory m = createMemory(s, "/a.md", "same");
    MemoryWriteResult result =
        write(
            modify(
                workspace,
                s.id(),
                m.id(),
                "same",
                Optional.of(MemoryContent.of("other").sha256())));
    assertThat(result).isEqualTo(new MemoryWriteResult.Unchanged(m));
    assertThat(memoryStores.revision(workspace, s.id())).hasValue(1);
  }

  @Test
  void aStalePreconditionStopsAModifyOrADeleteAndWritesNothing() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    Memory m = createMemory(s, "/a.md", "one");
    Optional<String> stale = Optional.of(MemoryContent.of("zero").sha256());

    assertThat(write(modify(workspace, s.id(), m.id(), "two", stale)))
        .isEqualTo(new MemoryWriteResult.PreconditionFailed(m.contentSha256()));
    assertThat(write(deletion(workspace, s.id(), m.id(), stale)))
        .isEqualTo(new MemoryWriteResult.PreconditionFailed(m.contentSha256()));
    assertThat(memoryStores.findMemory(workspace, s.id(), m.id(), true)).contains(m);
    assertThat(memoryStores.revision(workspace, s.id())).hasValue(1);
  }

  @Test
  void aPathAtAboveOrBelowAnotherMemoryIsAConflictNamingThatMemoryAndWritesNothing() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    Memory notes = createMemory(s, "/notes", "file");
    Memory deep = createMemory(s, "/a/b/c.md", "file");
    Memory loose = createMemory(s, "/z.md", "file");

    assertThat(write(creation(s, "/notes", "x")))
        .isEqualTo(new MemoryWriteResult.PathConflict("/notes", notes.id()));
    assertThat(write(creation(s, "/notes/x.md", "x")))
        .isEqualTo(new MemoryWriteResult.PathConflict("/notes", notes.id()));
    assertThat(write(creation(s, "/a/b", "x")))
        .isEqualTo(new MemoryWriteResult.PathConflict("/a/b/c.md", deep.id()));
    assertThat(write(creation(s, "/a", "x")))
        .isEqualTo(new MemoryWriteResult.PathConflict("/a/b/c.md", deep.id()));
    assertThat(write(rename(s, loose.id(), "/a/b/c.md/d")))
        .isEqualTo(new MemoryWriteResult.PathConflict("/a/b/c.md", deep.id()));
    assertThat(write(rename(s, deep.id(), "/a/b/c.md/d")))
        .as("a memory moving below its own old path")
        .isInstanceOf(MemoryWriteResult.Written.class);
    assertThat(write(creation(s, "/notes-archive/x.md", "x")))
        .isInstanceOf(MemoryWriteResult.Written.class);
    assertThat(memoryStores.snapshot(workspace, s.id()).orElseThrow().memories())
        .extracting(Memory::path)
        .containsExactly("/a/b/c.md/d", "/notes", "/notes-archive/x.md", "/z.md");
  }

  @Test
  void anArchivedStoreTakesNoNewOrChangedMemoriesButTakesDeletions() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    Memory m = createMemory(s, "/a.md", "a");
    memoryStores.updateStore(workspace, s.id(), current -> archived(current));

    assertThat(write(creation(s, "/b.md", "b")))
        .isInstanceOf(MemoryWriteResult.StoreArchived.class);
    assertThat(write(modify(workspace, s.id(), m.id(), "changed", Optional.empty())))
        .isInstanceOf(MemoryWriteResult.StoreArchived.class);
    assertThat(write(deletion(workspace, s.id(), m.id(), Optional.empty())))
        .isInstanceOf(MemoryWriteResult.Written.class);
  }

  @Test
  void deletingAMemoryKeepsItsVersionsRecordsTheDeletionAndFreesItsPath() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    Memory m = createMemory(s, "/a.md", "a");
    var deleted =
        (MemoryWriteResult.Written)
            write(deletion(workspace, s.id(), m.id(), Optional.of(m.contentSha256())));

    assertThat(deleted.memory()).isEqualTo(m);
    assertThat(deleted.version().operation()).isEqualTo(MemoryOperation.DELETED);
    assertThat(deleted.version().path()).contains("/a.md");
    assertThat(deleted.version().content()).isEmpty();
    assertThat(deleted.version().contentSha256()).isEmpty();
    assertThat(deleted.version().contentSizeBytes()).isEmpty();
    assertThat(memoryStores.findMemory(workspace, s.id(), m.id(), false)).isEmpty();
    assertThat(write(deletion(workspace, s.id(), m.id(), Optional.empty())))
        .isInstanceOf(MemoryWriteResult.MemoryNotFound.class);
    assertThat(
            memoryStores
                .listVersions(
                    workspace,
                    s.id(),
                    new MemoryStoreStore.VersionFilter(
                        Optional.of(m.id()),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty()),
                    false,
                    PageRequest.first(10))
                .items())
        .extracting(MemoryVersion::operation)
        .containsExactly(MemoryOperation.DELETED, MemoryOperation.CREATED);
    assertThat(write(creation(s, "/a.md", "again"))).isInstanceOf(MemoryWriteResult.Written.class);
  }

  @Test
  void deletingAMemoryStoreRemovesItsMemoriesAndVersions() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    Memory m = createMemory(s, "/a.md", "a");
    MemoryStoreRecord kept = insertedMemoryStore(workspace, time(2));
    Memory other = createMemory(kept, "/a.md", "a");

    assertThat(memoryStores.deleteStore(workspace, s.id())).contains(s);
    assertThat(memoryStores.findStore(workspace, s.id())).isEmpty();
    assertThat(memoryStores.findMemory(workspace, s.id(), m.id(), false)).isEmpty();
    assertThat(memoryStores.findVersion(workspace, s.id(), m.versionId(), false)).isEmpty();
    assertThat(memoryStores.findMemory(workspace, kept.id(), other.id(), true)).contains(other);
  }

  @Test
  void listingMemoriesRollsDeeperOnesIntoDirectoriesAndPagesInPathOrder() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    for (String p :
        List.of("/a/1.md", "/a/2.md", "/a/b/3.md", "/c.md", "/d/e/f/4.md", "/é.md", "/😀.md")) {
      createMemory(s, p, p);
    }
    assertThat(listMemories(workspace, s.id(), "/", 1))
        .containsExactly("/a/", "/c.md", "/d/", "/é.md", "/😀.md");
    assertThat(listMemories(workspace, s.id(), "/", 2))
        .containsExactly("/a/1.md", "/a/2.md", "/a/b/", "/c.md", "/d/e/", "/é.md", "/😀.md");
    assertThat(listMemories(workspace, s.id(), "/a/", 0))
        .containsExactly("/a/1.md", "/a/2.md", "/a/b/3.md");
    assertThat(listMemories(workspace, s.id(), "/d/", 1)).containsExactly("/d/e/");

    List<Page<MemoryEntry>> pages =
        pagesForward(p -> memoryStores.listMemories(workspace, s.id(), "/", 1, false, p), 2);
    assertThat(positions(pages, MemoryEntry::path))
        .containsExactly(List.of("/a/", "/c.md"), List.of("/d/", "/é.md"), List.of("/😀.md"));
    List<Page<MemoryEntry>> full =
        pagesForward(p -> memoryStores.listMemories(workspace, s.id(), "/", 0, true, p), 3);
    assertThat(full.getFirst().items().getFirst())
        .isInstanceOfSatisfying(Memory.class, m -> assertThat(m.content()).contains("/a/1.md"));
    assertThat(full.stream().mapToInt(p -> p.items().size()).sum()).isEqualTo(7);
  }

  @Test
  void theSnapshotHoldsEveryMemoryWithItsDigestAndTheRevisionOnlyMemoryWritesAdvance() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    Memory b = createMemory(s, "/b.md", "b");
    Memory a = createMemory(s, "/a.md", "a");
    createMemory(s, "/gone.md", "x");
    Memory gone = memoryStores.findMemoryAtPath(workspace, s.id(), "/gone.md", false).orElseThrow();
    write(deletion(workspace, s.id(), gone.id(), Optional.empty()));

    MemorySnapshot snapshot = memoryStores.snapshot(workspace, s.id()).orElseThrow();
    assertThat(snapshot.revision()).isEqualTo(4);
    assertThat(snapshot.memories()).containsExactly(a.withoutContent(), b.withoutContent());

    memoryStores.updateStore(workspace, s.id(), current -> archived(current));
    write(modify(workspace, s.id(), a.id(), "refused", Optional.empty()));
    assertThat(memoryStores.revision(workspace, s.id()))
        .as("a store update and a refused write leave the revision")
        .hasValue(4);
  }

  @Test
  void writersRacingForOnePathLeaveExactlyOneMemoryThere() throws Exception {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    int writers = 8;
    List<MemoryWrite> writes = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      writes.add(creation(s, i % 2 == 0 ? "/race.md" : "/race.md/below", "writer " + i));
    }
    List<MemoryWriteResult> results = together(writers, i -> write(writes.get(i)));
    assertThat(results).filteredOn(MemoryWriteResult.Written.class::isInstance).hasSize(1);
    assertThat(results)
        .filteredOn(r -> !(r instanceof MemoryWriteResult.Written))
        .allSatisfy(r -> assertThat(r).isInstanceOf(MemoryWriteResult.PathConflict.class));
    assertThat(memoryStores.snapshot(workspace, s.id()).orElseThrow().memories()).hasSize(1);
  }

  @Test
  void concurrentWritesToOneMemoryAllBecomeVersionsNumberedInTheOrderTheyHappened()
      throws Exception {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    Memory m = createMemory(s, "/shared.md", "start");
    int writers = 8;
    List<MemoryWrite> writes = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      writes.add(modify(workspace, s.id(), m.id(), "writer " + i, Optional.empty()));
    }
    List<MemoryWriteResult> results = together(writers, i -> write(writes.get(i)));

    assertThat(results)
        .allSatisfy(r -> assertThat(r).isInstanceOf(MemoryWriteResult.Written.class));
    List<Long> seqs =
        results.stream()
            .map(r -> ((MemoryWriteResult.Written) r).version().seq())
            .sorted()
            .toList();
    assertThat(seqs)
        .containsExactlyElementsOf(LongStream.rangeClosed(2, writers + 1).boxed().toList());
    MemoryVersion last =
        memoryStores
            .listVersions(workspace, s.id(), NO_FILTER, true, PageRequest.first(1))
            .items()
            .getFirst();
    assertThat(last.seq()).isEqualTo(writers + 1);
    assertThat(memoryStores.findMemory(workspace, s.id(), m.id(), true).orElseThrow().content())
        .as("the memory holds the last version's content")
        .isEqualTo(last.content());
    assertThat(memoryStores.revision(workspace, s.id())).hasValue(writers + 1);
  }

  @Test
  void versionsListNewestFirstAndFilterByOperationAuthorAndTime() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    Memory m = createMemory(s, "/a.md", "a");
    write(
        new MemoryWrite.Modify(
            workspace,
            s.id(),
            m.id(),
            Optional.empty(),
            Optional.of(MemoryContent.of("b")),
            Optional.empty(),
            SESSION_ACTOR,
            id("memver"),
            time(6)));
    write(deletion(workspace, s.id(), m.id(), Optional.empty()));

    assertThat(versionOperations(s.id(), NO_FILTER))
        .containsExactly(
            MemoryOperation.DELETED, MemoryOperation.MODIFIED, MemoryOperation.CREATED);
    assertThat(
            versionOperations(
                s.id(),
                new MemoryStoreStore.VersionFilter(
                    Optional.empty(),
                    Optional.empty(),
                    Optional.of(SESSION_ACTOR),
                    Optional.empty(),
                    Optional.empty())))
        .containsExactly(MemoryOperation.MODIFIED);
    assertThat(
            versionOperations(
                s.id(),
                new MemoryStoreStore.VersionFilter(
                    Optional.empty(),
                    Optional.of(MemoryOperation.CREATED),
                    Optional.of(API_ACTOR),
                    Optional.of(time(4)),
                    Optional.of(time(4)))))
        .containsExactly(MemoryOperation.CREATED);
    assertThat(
            positions(
                pagesForward(
                    p -> memoryStores.listVersions(workspace, s.id(), NO_FILTER, false, p), 2),
                v -> MemoryStoreStore.versionPosition(v.seq())))
        .containsExactly(List.of("seq3", "seq2"), List.of("seq1"));
  }

  @Test
  void redactionErasesAVersionsPathAndContentKeepsTheRestAndRefusesACurrentVersion() {
    MemoryStoreRecord s = insertedMemoryStore(workspace, time(1));
    Memory m = createMemory(s, "/secret.md", "hunter2");
    assertThat(redact(s, m.versionId())).isEqualTo(new MemoryRedaction.CurrentVersion(m.id()));
    write(modify(workspace, s.id(), m.id(), "redacted", Optional.empty()));

    var redacted = (MemoryRedaction.Redacted) redact(s, m.versionId());
    MemoryVersion v = redacted.version();
    assertThat(v.redactedAt()).contains(time(7));
    assertThat(v.redactedBy()).contains(API_ACTOR);
    assertThat(v.path()).isEmpty();
    assertThat(v.contentSha256()).isEmpty();
    assertThat(v.contentSizeBytes()).isEmpty();
    assertThat(v.operation()).isEqualTo(MemoryOperation.CREATED);
    assertThat(v.memoryId()).isEqualTo(m.id());
    assertThat(v.createdBy()).isEqualTo(API_ACTOR);
    assertThat(memoryStores.findVersion(workspace, s.id(), v.id(), true).orElseThrow().content())
        .isEmpty();
    assertThat(redact(s, m.versionId())).as("again").isEqualTo(redacted);
    assertThat(redact(s, "memver_missing")).isInstanceOf(MemoryRedaction.VersionNotFound.class);
    assertThat(memoryStores.revision(workspace, s.id())).hasValue(2);
  }

  // Leases, which only a shared database has.

  @Test
  void aNewSessionIsHeldByTheNodeThatClaimedIt() {
    LeaseStore leases = leases();
    Session s = leasedSession("node-a");
    assertThat(leases.holder(s.id())).contains("node-a");
  }

  @Test
  void renewExtendsTheNodesOwnLeasesAndNamesTheirSessions() {
    LeaseStore leases = leases();
    Session a1 = leasedSession("node-a");
    Session a2 = leasedSession("node-a");
    leasedSession("node-b");
    assertThat(leases.renew("node-a", LEASE_SECONDS)).containsExactlyInAnyOrder(a1.id(), a2.id());
    assertThat(leases.renew("node-c", LEASE_SECONDS)).isEmpty();
  }

  @Test
  void renewKeepsANodesExpiredLeasesThatNoOtherNodeTook() {
    LeaseStore leases = leases();
    Session s = leasedSession("node-a");
    leases.release("node-a");
    assertThat(leases.renew("node-a", LEASE_SECONDS)).containsExactly(s.id());
    assertThat(leases.takeExpired("node-b", LEASE_SECONDS, 10)).isEmpty();
    assertThat(leases.holder(s.id())).contains("node-a");
  }

  @Test
  void aLeaseThatHasNotExpiredIsNotTaken() {
    LeaseStore leases = leases();
    Session s = leasedSession("node-a");
    assertThat(leases.takeExpired("node-b", LEASE_SECONDS, 10)).isEmpty();
    assertThat(leases.holder(s.id())).contains("node-a");
  }

  @Test
  void releasedLeasesAreTakenByAnotherNodeAndNoLongerRenewedByTheirOldOne() {
    LeaseStore leases = leases();
    Session s1 = leasedSession("node-a");
    Session s2 = leasedSession("node-a");
    leases.release("node-a");
    assertThat(leases.takeExpired("node-b", LEASE_SECONDS, 10))
        .containsExactlyInAnyOrder(s1.id(), s2.id());
    assertThat(leases.holder(s1.id())).contains("node-b");
    assertThat(leases.renew("node-a", LEASE_SECONDS)).isEmpty();
    assertThat(leases.takeExpired("node-c", LEASE_SECONDS, 10)).isEmpty();
  }

  @Test
  void takeExpiredTakesNoMoreThanItsLimit() {
    LeaseStore leases = leases();
    for (int i = 0; i < 3; i++) {
      leasedSession("node-a");
    }
    leases.release("node-a");
    assertThat(leases.takeExpired("node-b", LEASE_SECONDS, 2)).hasSize(2);
    assertThat(leases.takeExpired("node-c", LEASE_SECONDS, 2)).hasSize(1);
  }

  @Test
  void eachExpiredLeaseGoesToExactlyOneOfSeveralTakers() throws Exception {
    LeaseStore leases = leases();
    List<String> released =
        IntStream.range(0, 12).mapToObj(i -> leasedSession("node-gone").id()).toList();
    leases.release("node-gone");
    int takers = 4;
    List<List<String>> taken =
        together(takers, i -> leases.takeExpired("taker-" + i, LEASE_SECONDS, 100));
    assertThat(taken.stream().flatMap(List::stream).toList())
        .as("every released session, each taken once")
        .containsExactlyInAnyOrderElementsOf(released);
    for (int i = 0; i < takers; i++) {
      for (String session : taken.get(i)) {
        assertThat(leases.holder(session)).contains("taker-" + i);
      }
    }
  }

  @Test
  void aLeaseGoesWithItsSession() {
    LeaseStore leases = leases();
    Session s = leasedSession("node-a");
    db.write(
        tx -> {
          SessionStore.delete(tx, s.id());
          return null;
        });
    assertThat(leases.holder(s.id())).isEmpty();
    assertThat(leases.renew("node-a", LEASE_SECONDS)).isEmpty();
  }

  @Test
  void anAnnouncedSessionReachesAListener() {
    LeaseStore leases = leases();
    Session s = leasedSession("node-a");
    try (LeaseStore.Listener listener = leases.listen()) {
      leases.announce(s.id());
      assertThat(listener.poll((int) TimeUnit.SECONDS.toMillis(SIGNAL_TIMEOUT_SECONDS)))
          .containsExactly(s.id());
    }
  }

  /** The leases, which only a database several nodes share has: the test is skipped elsewhere. */
  private LeaseStore leases() {
    assumeTrue(db.isShared(), "only a database several nodes share has leases");
    return new LeaseStore(db);
  }

  /** A session created, as the session service creates it, together with its lease. */
  private Session leasedSession(String node) {
    Session s = session(workspace, time(1));
    db.write(
        tx -> {
          SessionStore.insert(tx, s);
          LeaseStore.claimNew(tx, s.id(), node, LEASE_SECONDS);
          return null;
        });
    return s;
  }

  // Records. Ids of one prefix sort in the order they were made, as the service's ids do.

  String id(String prefix) {
    return String.format("%s_%06d", prefix, ++serial);
  }

  /** An RFC 3339 time, {@code second} seconds into the test's day, as the stores keep times. */
  static String time(int second) {
    return String.format("2026-01-01T00:00:%02d.000000Z", second);
  }

  static String mount(String relative) {
    return MountPaths.UPLOADS + "/" + relative;
  }

  FileRecord file(String workspaceId, String sha256) {
    return new FileRecord(
        id("file"),
        workspaceId,
        "a.txt",
        "text/plain",
        3,
        sha256,
        true,
        Optional.empty(),
        Optional.empty(),
        time(1),
        Optional.empty());
  }

  FileRecord scopedFile(Session s, String sha256) {
    return new FileRecord(
        id("file"),
        s.workspaceId(),
        "out.txt",
        "text/plain",
        3,
        sha256,
        true,
        Optional.of(s.id()),
        Optional.empty(),
        time(1),
        Optional.empty());
  }

  FileRecord insertedScopedFile(Session s, String sha256) {
    FileRecord f = scopedFile(s, sha256);
    files.insert(f);
    return f;
  }

  Session session(String workspaceId, String createdAt) {
    return session(workspaceId, "agent_a", 1, "idle", createdAt);
  }

  Session session(
      String workspaceId, String agentId, int agentVersion, String status, String createdAt) {
    return new Session(
        id("sesn"),
        workspaceId,
        agentId,
        agentVersion,
        Json.MAPPER.createObjectNode().put("name", "agent"),
        "env_1",
        Optional.empty(),
        Map.of(),
        List.of(),
        Optional.empty(),
        status,
        Optional.empty(),
        createdAt,
        createdAt);
  }

  Session insertSession(String workspaceId, String createdAt) {
    return insertSession(session(workspaceId, createdAt));
  }

  Session insertSession(Session s) {
    db.write(
        tx -> {
          SessionStore.insert(tx, s);
          return null;
        });
    return s;
  }

  Resource resource(Session s, String mountPath) {
    return Resource.file(
        id("sesrsc"),
        s.id(),
        id("file"),
        "blob-" + mountPath.hashCode(),
        mountPath,
        time(2),
        time(2));
  }

  /** A file resource mounted at {@code relative} under the session's uploads. */
  Resource mounted(Session s, String relative) {
    Resource r = resource(s, mount(relative));
    assertThat(insertResource(s.workspaceId(), r)).as("mounting %s", r.mountPath()).isTrue();
    return r;
  }

  boolean insertResource(String workspaceId, Resource r) {
    return db.write(tx -> ResourceStore.insert(tx, workspaceId, r));
  }

  static AgentDefinition definition(String name) {
    return new AgentDefinition(
        name,
        Optional.empty(),
        Optional.of("Be brief."),
        Json.MAPPER.createObjectNode().put("id", "claude-sonnet-4-6"),
        Json.MAPPER.createObjectNode().put("type", "agent"),
        Json.MAPPER.createArrayNode(),
        Json.MAPPER.createArrayNode(),
        Json.MAPPER.createArrayNode(),
        Optional.empty(),
        Map.of("team", "infra"));
  }

  AgentRecord agent(String workspaceId, String createdAt) {
    return new AgentRecord(
        id("agent"), workspaceId, 1, definition("agent"), Optional.empty(), createdAt, createdAt);
  }

  EnvironmentRecord environment(String workspaceId, String createdAt, boolean archived) {
    return new EnvironmentRecord(
        id("env"),
        workspaceId,
        "env",
        Optional.of("for tests"),
        EnvironmentConfig.DEFAULT,
        Map.of("team", "infra"),
        "organization",
        archived ? Optional.of(createdAt) : Optional.empty(),
        createdAt,
        createdAt);
  }

  static EnvironmentRecord renamed(EnvironmentRecord e, String name) {
    return new EnvironmentRecord(
        e.id(),
        e.workspaceId(),
        name,
        e.description(),
        new EnvironmentConfig.SelfHosted(),
        e.metadata(),
        e.scope(),
        e.archivedAt(),
        e.createdAt(),
        time(30));
  }

  static final Actor API_ACTOR = new Actor.ApiKey("apikey_1");
  static final Actor SESSION_ACTOR = new Actor.Session("sesn_1");
  static final MemoryStoreStore.VersionFilter NO_FILTER =
      new MemoryStoreStore.VersionFilter(
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  MemoryStoreRecord insertedMemoryStore(String workspaceId, String createdAt) {
    var s =
        new MemoryStoreRecord(
            id("memstore"),
            workspaceId,
            "notes",
            "",
            Map.of("team", "infra"),
            Optional.empty(),
            createdAt,
            createdAt);
    memoryStores.insertStore(s);
    return s;
  }

  static MemoryStoreRecord archived(MemoryStoreRecord s) {
    return new MemoryStoreRecord(
        s.id(),
        s.workspaceId(),
        s.name(),
        s.description(),
        s.metadata(),
        Optional.of(time(3)),
        s.createdAt(),
        time(3));
  }

  MemoryWrite creation(MemoryStoreRecord s, String path, String content) {
    return new MemoryWrite.Create(
        s.workspaceId(),
        s.id(),
        id("mem"),
        path,
        MemoryContent.of(content),
        API_ACTOR,
        id("memver"),
        time(4));
  }

  MemoryWrite modify(
      String workspaceId,
      String storeId,
      String memoryId,
      String content,
      Optional<String> expectedSha256) {
    return new MemoryWrite.Modify(
        workspaceId,
        storeId,
        memoryId,
        Optional.empty(),
        Optional.of(MemoryContent.of(content)),
        expectedSha256,
        API_ACTOR,
        id("memver"),
        time(5));
  }

  MemoryWrite rename(MemoryStoreRecord s, String memoryId, String path) {
    return new MemoryWrite.Modify(
        s.workspaceId(),
        s.id(),
        memoryId,
        Optional.of(path),
        Optional.empty(),
        Optional.empty(),
        API_ACTOR,
        id("memver"),
        time(5));
  }

  MemoryWrite deletion(
      String workspaceId, String storeId, String memoryId, Optional<String> expectedSha256) {
    return new MemoryWrite.Delete(
        workspaceId, storeId, memoryId, expectedSha256, API_ACTOR, id("memver"), time(6));
  }

  MemoryWriteResult write(MemoryWrite w) {
    return db.write(tx -> MemoryStoreStore.write(tx, w));
  }

  MemoryRedaction redact(MemoryStoreRecord s, String versionId) {
    return memoryStores.redact(s.workspaceId(), s.id(), versionId, API_ACTOR, time(7));
  }

  /** Creates a memory and returns it as the store now has it, with its content. */
  Memory createMemory(MemoryStoreRecord s, String path, String content) {
    MemoryWriteResult result = write(creation(s, path, content));
    assertThat(result).as("creating %s", path).isInstanceOf(MemoryWriteResult.Written.class);
    return ((MemoryWriteResult.Written) result).memory();
  }

  /** The paths of one page of 100 entries of a memory listing. */
  List<String> listMemories(String workspaceId, String storeId, String prefix, int depth) {
    return memoryStores
        .listMemories(workspaceId, storeId, prefix, depth, false, PageRequest.first(100))
        .items()
        .stream()
        .map(MemoryEntry::path)
        .toList();
  }

  private List<String> memoryStoreIds(
      boolean includeArchived, Optional<String> from, Optional<String> to) {
    return idsOf(
        memoryStores.listStores(workspace, includeArchived, from, to, PageRequest.first(100)),
        MemoryStoreRecord::id);
  }

  private List<MemoryOperation> versionOperations(
      String storeId, MemoryStoreStore.VersionFilter filter) {
    return memoryStores
        .listVersions(workspace, storeId, filter, false, PageRequest.first(100))
        .items()
        .stream()
        .map(MemoryVersion::operation)
        .toList();
  }

  // Paging.

  /** Every page of a list, from the first on, each asked for after the previous page's next. */
  static <T> List<Page<T>> pagesForward(Function<PageRequest, Page<T>> list, int limit) {
    List<Page<T>> pages = new ArrayList<>();
    Optional<String> after = Optional.empty();
    do {
      Page<T> page = list.apply(new PageRequest(limit, after, false));
      pages.add(page);
      after = page.next();
    } while (after.isPresent() && pages.size() < 100);
    return pages;
  }

  /** Every page before the position {@code from}, nearest first, each before the last's prev. */
  static <T> List<Page<T>> pagesBackward(
      Function<PageRequest, Page<T>> list, int limit, String from) {
    List<Page<T>> pages = new ArrayList<>();
    Optional<String> before = Optional.of(from);
    do {
      Page<T> page = list.apply(new PageRequest(limit, before, true));
      pages.add(page);
      before = page.prev();
    } while (before.isPresent() && pages.size() < 100);
    return pages;
  }

  /** The ids of a page's items, in order. */
  static <T> List<String> idsOf(Page<T> page, Function<T, String> id) {
    return page.items().stream().map(id).toList();
  }

  static <T> List<List<String>> positions(List<Page<T>> pages, Function<T, String> position) {
    return pages.stream().map(p -> p.items().stream().map(position).toList()).toList();
  }

  // Concurrency.

  /**
   * Calls {@code call} with 0 … {@code n - 1}, each on a thread of its own, all released at once;
   * their results in that order.
   */
  static <T> List<T> together(int n, IntFunction<T> call) throws Exception {
    var start = new CyclicBarrier(n);
    try (ExecutorService threads = Executors.newFixedThreadPool(n)) {
      List<Future<T>> running = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        running.add(
            threads.submit(
                () -> {
                  start.await();
                  return call.apply(k);
                }));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> f : running) {
        results.add(f.get(SIGNAL_TIMEOUT_SECONDS, TimeUnit.SECONDS));
      }
      return results;
    }
  }

  static <T> T onAnotherThread(Callable<T> call) throws Exception {
    try (ExecutorService thread = Executors.newSingleThreadExecutor()) {
      return thread.submit(call).get(SIGNAL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
  }

  static void await(CountDownLatch signal) {
    if (!await(signal, TimeUnit.SECONDS.toMillis(SIGNAL_TIMEOUT_SECONDS))) {
      fail("no signal in %d seconds", SIGNAL_TIMEOUT_SECONDS);
    }
  }

  /** Whether the signal came within {@code millis}. */
  static boolean await(CountDownLatch signal, long millis) {
    try {
      return signal.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
