package dev.berth;

import dev.berth.config.BerthConfig;
import dev.berth.domain.AgentService;
import dev.berth.domain.EnvironmentService;
import dev.berth.domain.FileService;
import dev.berth.domain.Workspaces;
import dev.berth.http.AgentsRoutes;
import dev.berth.http.EnvironmentsRoutes;
import dev.berth.http.FilesRoutes;
import dev.berth.http.HttpServer;
import dev.berth.store.AgentStore;
import dev.berth.store.Database;
import dev.berth.store.EnvironmentStore;
import dev.berth.store.FileStore;
import dev.berth.store.LocalBlobStore;
import dev.berth.store.WorkspaceStore;
import java.util.List;
import java.util.Optional;

/** A running Berth: stores, services and the HTTP server, wired from one {@link BerthConfig}. */
public final class Berth implements AutoCloseable {
  private final Database db;
  private final HttpServer http;
  private final Optional<String> generatedKey;

  private Berth(Database db, HttpServer http, Optional<String> generatedKey) {
    this.db = db;
    this.http = http;
    this.generatedKey = generatedKey;
  }

  public static Berth start(BerthConfig config) {
    Database db = Database.sqlite(config.dataDir());
    try {
      var workspaces = new Workspaces(new WorkspaceStore(db));
      Optional<String> generated = workspaces.bootstrap(config.apiKeys());
      var blobs = new LocalBlobStore(config.dataDir());
      var files =
          new FileService(
              new FileStore(db), blobs, config.maxUploadBytes(), config.uploadsDownloadable());
      var environments = new EnvironmentService(new EnvironmentStore(db));
      var agents = new AgentService(new AgentStore(db));
      HttpServer http =
          HttpServer.start(
              config,
              workspaces,
              List.of(
                  new FilesRoutes(files),
                  new EnvironmentsRoutes(environments, config.maxJsonBytes()),
                  new AgentsRoutes(agents, config.maxJsonBytes())));
      return new Berth(db, http, generated);
    } catch (RuntimeException e) {
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
    db.close();
  }
}
