package dev.berth;

import dev.berth.config.BerthConfig;
import dev.berth.domain.AgentService;
import dev.berth.domain.EnvironmentService;
import dev.berth.domain.FileService;
import dev.berth.domain.Reconciler;
import dev.berth.domain.ResourceService;
import dev.berth.domain.SessionService;
import dev.berth.domain.Workspaces;
import dev.berth.http.AgentsRoutes;
import dev.berth.http.EnvironmentsRoutes;
import dev.berth.http.FilesRoutes;
import dev.berth.http.HttpServer;
import dev.berth.http.ResourcesRoutes;
import dev.berth.http.SessionsRoutes;
import dev.berth.sandbox.LocalSandboxHost;
import dev.berth.store.AgentStore;
import dev.berth.store.Database;
import dev.berth.store.EnvironmentStore;
import dev.berth.store.FileStore;
import dev.berth.store.LocalBlobStore;
import dev.berth.store.ResourceStore;
import dev.berth.store.SessionStore;
import dev.berth.store.WorkspaceStore;
import java.util.List;
import java.util.Optional;

/** A running Berth: stores, services and the HTTP server, wired from one {@link BerthConfig}. */
public final class Berth implements AutoCloseable {
  private final Database db;
  private final HttpServer http;
  private final LocalSandboxHost sandboxes;
  private final Optional<String> generatedKey;

  private Berth(
      Database db, HttpServer http, LocalSandboxHost sandboxes, Optional<String> generatedKey) {
    this.db = db;
    this.http = http;
    this.sandboxes = sandboxes;
    this.generatedKey = generatedKey;
  }

  public static Berth start(BerthConfig config) {
    Database db = Database.sqlite(config.dataDir());
    LocalSandboxHost sandboxes = null;
    try {
      var workspaces = new Workspaces(new WorkspaceStore(db));
      Optional<String> generated = workspaces.bootstrap(config.apiKeys());
      var blobs = new LocalBlobStore(config.dataDir());
      var files =
          new FileService(
              db, new FileStore(db), blobs, config.maxUploadBytes(), config.uploadsDownloadable());
      files.collectOrphans();
      var environments = new EnvironmentService(new EnvironmentStore(db));
      var agents = new AgentService(new AgentStore(db));
      var sessionStore = new SessionStore(db);
      var resourceStore = new ResourceStore(db);
      sandboxes = new LocalSandboxHost(config.dataDir(), blobs::path);
      var reconciler = new Reconciler(resourceStore, sessionStore, sandboxes);
      reconciler.reconcileAll();
      var resources =
          new ResourceService(
              db, resourceStore, sessionStore, files, reconciler, config.maxFilesPerSession());
      var sessions =
          new SessionService(
              db, sessionStore, resourceStore, resources, agents, environments, files, reconciler);
      HttpServer http =
          HttpServer.start(
              config,
              workspaces,
              List.of(
                  new FilesRoutes(files),
                  new EnvironmentsRoutes(environments, config.maxJsonBytes()),
                  new AgentsRoutes(agents, config.maxJsonBytes()),
                  new SessionsRoutes(sessions, config.maxJsonBytes()),
                  new ResourcesRoutes(resources, config.maxJsonBytes())));
      return new Berth(db, http, sandboxes, generated);
    } catch (RuntimeException e) {
      if (sandboxes != null) {
        sandboxes.close();
      }
      db.close();
      throw e;
    }
  }

  public int port() {
    return http.port();
  }

  /** The API key made on first start, if this start made one. */
  public Optional<String> generatedKey() {
    return generatedKey;
  }

  @Override
  public void close() {
    http.close();
    sandboxes.close();
    db.close();
  }
}
