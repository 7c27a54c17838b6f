package dev.berth;

import dev.berth.config.BerthConfig;
import dev.berth.config.DescriptorBudget;
import dev.berth.domain.AgentService;
import dev.berth.domain.BlobReferences;
import dev.berth.domain.EnvironmentService;
import dev.berth.domain.ExecService;
import dev.berth.domain.FileService;
import dev.berth.domain.MemoryMounts;
import dev.berth.domain.MemoryService;
import dev.berth.domain.MemoryStoreService;
import dev.berth.domain.OutputCatalogue;
import dev.berth.domain.Readiness;
import dev.berth.domain.Reconciler;
import dev.berth.domain.RepositoryCheckouts;
import dev.berth.domain.ResourceService;
import dev.berth.domain.Secrets;
import dev.berth.domain.SessionLeases;
import dev.berth.domain.SessionPlacement;
import dev.berth.domain.SessionService;
import dev.berth.domain.SingleNode;
import dev.berth.domain.Workspaces;
import dev.berth.error.StartupFailure;
import dev.berth.http.AgentsRoutes;
import dev.berth.http.EnvironmentsRoutes;
import dev.berth.http.ExecRoutes;
import dev.berth.http.FilesRoutes;
import dev.berth.http.HttpServer;
import dev.berth.http.MemoriesRoutes;
import dev.berth.http.MemoryStoresRoutes;
import dev.berth.http.OpenApiRoutes;
import dev.berth.http.OperationsRoutes;
import dev.berth.http.ResourcesRoutes;
import dev.berth.http.SessionsRoutes;
import dev.berth.metrics.ServerMetrics;
import dev.berth.sandbox.BubblewrapRunner;
import dev.berth.sandbox.LocalSandboxHost;
import dev.berth.store.AgentStore;
import dev.berth.store.BlobStore;
import dev.berth.store.Database;
import dev.berth.store.EnvironmentStore;
import dev.berth.store.FileStore;
import dev.berth.store.LeaseStore;
import dev.berth.store.LocalBlobStore;
import dev.berth.store.MemoryStoreStore;
import dev.berth.store.OutputStore;
import dev.berth.store.ResourceStore;
import dev.berth.store.S3BlobStore;
import dev.berth.store.SessionStore;
import dev.berth.store.WorkspaceStore;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Berth: stores, services and the HTTP server, wired from one {@link BerthConfig}. On the
 * embedded default everything is under the data directory; with a database URL and a bucket,
 * metadata and bytes are shared with other nodes and only sandboxes stay here.
 */
public final class Berth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Berth.class);
  private final HttpServer http;
  private final BubblewrapRunner commands;
  private final List<AutoCloseable> parts;
  private final Optional<String> generatedKey;

  private Berth(
      HttpServer http,
      BubblewrapRunner commands,
      List<AutoCloseable> parts,
      Optional<String> generatedKey) {
    this.http = http;
    this.commands = commands;
    this.parts = parts;
    this.generatedKey = generatedKey;
  }

  /**
   * Starts Berth on {@code config}.
   *
   * @throws StartupFailure when the data directory cannot be written, the database cannot be
   *     reached or the port cannot be had
   */
  public static Berth start(BerthConfig config) {
    return start(config, task -> Thread.ofPlatform().name("berth-startup").daemon().start(task));
  }

  /**
   * Starts Berth on {@code config}, with the start-up work that runs behind the server (the
   * reconcile of session sandboxes, the sweep of blobs no record points at) run by {@code
   * startupWork} (a test may hold it back; every sandbox is reconciled before its first use all the
   * same).
   */
  public static Berth start(BerthConfig config, Executor startupWork) {
    // handed on once the server listens: until then the two cores are the start's own
    var afterListening = new UntilReleased(startupWork);
    requireWritable(config.dataDir());
    var metrics = new ServerMetrics();
    Database db;
    try {
      db = Database.open(config);
    } catch (RuntimeException e) {
      metrics.close();
      throw e;
    }
    // closed in reverse order of opening, the database last and the metrics after it
    var parts = new java.util.ArrayList<AutoCloseable>(List.of(metrics, db));
    try {
      db.reportPoolTo(metrics.registry());
      var workspaces = new Workspaces(new WorkspaceStore(db));
      Optional<String> generated = workspaces.bootstrap(config.apiKeys());
      BlobStore blobs = blobStore(config);
      parts.add(blobs);
      var fileStore = new FileStore(db);
      var references = new BlobReferences(db, fileStore, blobs);
      // in the background, like the sandboxes' pass: listing every blob grows with the data, and a
      // sweep is safe beside requests (it re-checks each digest under the lock uploads take)
      afterListening.execute(() -> sweepOrphans(references));
      var budget = DescriptorBudget.forThisProcess(config.maxConnections());
      log.info(budget.describe());
      if (budget.softBelowHard()) {
        log.warn(
            "the soft descriptor limit is below the hard one (the JVM runs with -XX:-MaxFDLimit?);"
                + " Berth sizes by the soft one and cannot raise it itself");
      }
      var sandboxes =
          new LocalSandboxHost(
              config.dataDir(), blobs::localPath, config.exec(), budget.keptSessions());
      parts.add(sandboxes);
      SessionPlacement placement = placement(config, db);
      parts.add(placement);
      if (placement instanceof SessionLeases leases) {
        metrics.leasesHeld(leases::heldCount);
      }
      var environments = new EnvironmentService(new EnvironmentStore(db));
      var agents = new AgentService(new AgentStore(db));
      var memoryStores = new MemoryStoreStore(db);
      var sessionStore = new SessionStore(db);
      var resourceStore = new ResourceStore(db);
      var commands = new BubblewrapRunner(config.exec(), config.dataDir());
      parts.add(commands);
      metrics.launchersWaiting(commands::waitingLaunchers);
      var secrets = Secrets.open(config.repositories().secretsKeyFile());
      var checkouts =
          new RepositoryCheckouts(
              resourceStore, secrets, config.dataDir(), sandboxes, commands, config.repositories());
      parts.add(checkouts);
      var reconciler =
          new Reconciler(
              resourceStore,
              sessionStore,
              sandboxes,
              commands,
              placement,
              checkouts,
              metrics,
              afterListening);
      parts.add(reconciler);
      // refresh(session) is also what command runs call once they finish
      var outputs =
          new OutputCatalogue(
              db,
              new OutputStore(db),
              blobs,
              references,
              sandboxes,
              placement,
              config.maxOutputsPerSession(),
              config.maxUploadBytes(),
              config.exec().diskQuotaBytes(),
              reconciler::requireReconciled);
      // before any tree is built: a rebuilt tree gets its catalogued outputs back
      sandboxes.restoreOutputsWith(outputs, commands.owner());
      var files =
          new FileService(
              db,
              fileStore,
              blobs,
              references,
              outputs,
              config.maxUploadBytes(),
              config.uploadsDownloadable(),
              metrics);
      placement.start(reconciler);
      var resources =
          new ResourceService(
              db,
              resourceStore,
              sessionStore,
              files,
              reconciler,
              secrets,
              config.maxFilesPerSession(),
              metrics);
      var sessions =
          new SessionService(
              db,
              sessionStore,
              resourceStore,
              resources,
              agents,
              environments,
              files,
              reconciler,
              placement);
      // what a command wrote to outputs is catalogued as soon as it ends
      var exec =
          new ExecService(
              sessionStore,
              resourceStore,
              placement,
              sandboxes,
              reconciler,
              commands,
              checkouts,
              new MemoryMounts(db, memoryStores, resourceStore, sandboxes, commands.owner()),
              config.exec(),
              outputs::refresh,
              metrics);
      var readiness = new Readiness(db, blobs, commands);
      parts.add(readiness);
      HttpServer http =
          HttpServer.start(
              config,
              workspaces,
              List.of(
                  new FilesRoutes(files),
                  new EnvironmentsRoutes(environments, config.maxJsonBytes()),
                  new AgentsRoutes(agents, config.maxJsonBytes()),
                  new SessionsRoutes(sessions, config.maxJsonBytes()),
                  new ResourcesRoutes(resources, config.maxJsonBytes()),
                  new MemoryStoresRoutes(
                      new MemoryStoreService(memoryStores), config.maxJsonBytes()),
                  new MemoriesRoutes(new MemoryService(db, memoryStores), config.maxJsonBytes()),
                  new ExecRoutes(exec, config.maxJsonBytes()),
                  new OperationsRoutes(readiness, metrics, config.metricsPublic()),
                  new OpenApiRoutes()),
              budget.maxConnections(),
              metrics);
      afterListening.release();
      return new Berth(http, commands, List.copyOf(parts), generated);
    } catch (RuntimeException e) {
      closeAll(parts);
      throw e;
    }
  }

  /**
   * Keeps the tasks it is given until {@link #release}, then hands them, and every later one, to
   * {@code target} in the order they came.
   */
  private static final class UntilReleased implements Executor {
    private final Executor target;
    private @Nullable List<Runnable> held = new ArrayList<>();

    UntilReleased(Executor target) {
      this.target = target;
    }

    @Override
    public synchronized void execute(Runnable task) {
      if (held != null) {
        held.add(task);
      } else {
        target.execute(task);
      }
    }

    synchronized void release() {
      if (held != null) {
        held.forEach(target::execute);
        held = null;
      }
    }
  }

  private static void sweepOrphans(BlobReferences references) {
    long started = System.nanoTime();
    try {
      int removed = references.collectOrphans();
      log.info(
          "removed {} blobs no file record points at in {} ms",
          removed,
          (System.nanoTime() - started) / 1_000_000);
    } catch (RuntimeException e) {
      // what is left is swept at the next start; nothing depends on it
      log.error("the start-up sweep of blobs no record points at stopped", e);
    }
  }

  /**
   * Makes the data directory if it is missing and checks that a file can be written there, so that
   * a directory Berth cannot use stops it before anything else, said in one line.
   */
  private static void requireWritable(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      Files.delete(Files.createTempFile(dataDir, ".write-check-", ""));
    } catch (IOException e) {
      String reason =
          switch (e) {
            case FileAlreadyExistsException x -> "it is not a directory";
            case AccessDeniedException x -> "permission denied";
            case FileSystemException x when x.getReason() != null -> x.getReason();
            default -> String.valueOf(e.getMessage());
          };
      throw new StartupFailure(
          "data directory "
              + dataDir.toAbsolutePath()
              + " is not writable ("
              + reason
              + "); choose another with --data-dir (BERTH_DATA_DIR) or let Berth write there",
          e);
    }
  }

  private static BlobStore blobStore(BerthConfig config) {
    return config
        .shared()
        .s3()
        .<BlobStore>map(s3 -> new S3BlobStore(s3, config.dataDir()))
        .orElseGet(() -> new LocalBlobStore(config.dataDir()));
  }

  /** A shared database has leases; on SQLite this node holds every session. */
  private static SessionPlacement placement(BerthConfig config, Database db) {
    if (!db.isShared()) {
      return new SingleNode();
    }
    return new SessionLeases(
        new LeaseStore(db),
        SessionLeases.nodeIdIn(config.dataDir()),
        config.shared().leaseSeconds());
  }

  public int port() {
    return http.port();
  }

  /** Every route this server registered (see {@link HttpServer#routes}). */
  public List<HttpServer.Route> routes() {
    return http.routes();
  }

  /** The API key made on first start, if this start made one. */
  public Optional<String> generatedKey() {
    return generatedKey;
  }

  @Override
  public void close() {
    commands.close(); // first, so that requests waiting on commands end before the drain
    http.close();
    closeAll(parts);
  }

  private static void closeAll(List<AutoCloseable> parts) {
    for (AutoCloseable part : parts.reversed()) {
      try {
        part.close();
      } catch (Exception e) {
        log.warn("closing {} failed", part, e);
      }
    }
  }
}
