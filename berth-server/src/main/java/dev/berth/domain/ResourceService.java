package dev.berth.domain;

import dev.berth.error.ApiException;
import dev.berth.metrics.ServerMetrics;
import dev.berth.model.MemoryMount;
import dev.berth.model.MemoryStoreRecord;
import dev.berth.model.MountPaths;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import dev.berth.model.Repository;
import dev.berth.model.Resource;
import dev.berth.store.Database;
import dev.berth.store.FileStore;
import dev.berth.store.MemoryStoreStore;
import dev.berth.store.ResourceStore;
import dev.berth.store.SessionStore;
import dev.berth.store.Tx;
import java.util.List;
import java.util.Optional;

/**
 * Session resources (spec §2): the rules of adding, listing, updating and deleting them. Each
 * change is one transaction in which every rule is checked; the sandbox follows after the commit
 * (see {@link Reconciler}).
 */
public final class ResourceService {
  private final Database db;
  private final ResourceStore resources;
  private final SessionStore sessions;
  private final FileService files;
  private final Reconciler reconciler;
  private final Secrets secrets;
  private final int maxFilesPerSession;
  private final ServerMetrics metrics;

  public ResourceService(
      Database db,
      ResourceStore resources,
      SessionStore sessions,
      FileService files,
      Reconciler reconciler,
      Secrets secrets,
      int maxFilesPerSession,
      ServerMetrics metrics) {
    this.metrics = metrics;
    this.db = db;
    this.resources = resources;
    this.sessions = sessions;
    this.files = files;
    this.reconciler = reconciler;
    this.secrets = secrets;
    this.maxFilesPerSession = maxFilesPerSession;
  }

  /** A resource requested at session creation. */
  public sealed interface Params permits FileParams, RepositoryParams, MemoryStoreParams {}

  /** A request to mount a file: {@code {"type":"file","file_id","mount_path"?}}. */
  public record FileParams(String fileId, Optional<String> mountPath) implements Params {}

  /**
   * A repository to check out: {@code {"type":"github_repository","url","authorization_token"?,
   * "checkout"?,"mount_path"?}}, its URL and checkout already checked ({@link Repository#of}).
   */
  public record RepositoryParams(
      Repository repository, Optional<String> authorizationToken, Optional<String> mountPath)
      implements Params {
    public RepositoryParams {
      if (authorizationToken.isPresent() && authorizationToken.get().isEmpty()) {
        throw new ApiException.InvalidRequest(
            "authorization_token must not be empty (leave it out for a public repository)");
      }
    }

    /** Where it is checked out ({@link MountPaths#repository}). */
    public String effectiveMountPath() {
      return MountPaths.repository(mountPath, repository.defaultMountPath());
    }
  }

  /**
   * A memory store to mount: {@code {"type":"memory_store","memory_store_id","access"?,
   * "instructions"?}}, its access and instructions already checked.
   */
  public record MemoryStoreParams(
      String storeId, MemoryMount.Access access, Optional<String> instructions) implements Params {
    public MemoryStoreParams {
      MemoryMount.checkInstructions(instructions);
    }
  }

  private static final String READ_ONLY = "its resources can no longer be changed";

  public Resource add(String workspaceId, String sessionId, FileParams params) {
    String mountPath = MountPaths.effective(params.mountPath(), params.fileId());
    Database.Ordered<Resource> added =
        db.writeOrdered(
            tx ->
                addFile(tx, workspaceId, sessionId, params.fileId(), mountPath, Timestamps.now()));
    metrics.resourceAdded(Resource.FILE);
    reconciler.reconcilePath(
        sessionId,
        new Reconciler.Change(mountPath, Optional.of(added.value().sha256()), added.sequence()));
    return added.value();
  }

  /** Counts resources added by another path (a session created with them). */
  void countAdded(List<Resource> added) {
    added.forEach(r -> metrics.resourceAdded(r.type()));
  }

  /**
   * Adds one file resource inside the caller's transaction: takes a file slot of the session (which
   * also checks that the session is the caller's and may change, and the cap), checks the file and
   * the path, and records the session's copy of the file and the resource.
   */
  Resource addFile(
      Tx tx, String workspaceId, String sessionId, String fileId, String mountPath, String now) {
    if (!SessionStore.takeFileSlot(tx, workspaceId, sessionId, maxFilesPerSession, now)) {
      SessionService.writable(tx, workspaceId, sessionId, READ_ONLY);
      throw new ApiException.InvalidRequest(
          "session "
              + sessionId
              + " already has the maximum of "
              + maxFilesPerSession
              + " file resources");
    }
    String copyId = Ids.file();
    Optional<String> sha256 =
        FileStore.copyForSession(tx, workspaceId, fileId, copyId, sessionId, now);
    if (sha256.isEmpty()) {
      if (FileStore.find(tx, workspaceId, fileId).isEmpty()) {
        throw FileService.notFound(fileId);
      }
      throw new ApiException.NotFound("file '" + fileId + "' has expired", "file_expired");
    }
    Resource resource =
        Resource.file(Ids.resource(), sessionId, copyId, sha256.get(), mountPath, now, now);
    insert(tx, workspaceId, resource, null);
    return resource;
  }

  /**
   * Adds one repository resource inside the caller's transaction (session creation, which has
   * checked the session): its path must be free, and its token is kept encrypted.
   */
  Resource addRepository(
      Tx tx,
      String workspaceId,
      String sessionId,
      RepositoryParams params,
      String mountPath,
      String now) {
    Resource resource =
        Resource.repository(Ids.resource(), sessionId, params.repository(), mountPath, now);
    insert(
        tx,
        workspaceId,
        resource,
        params.authorizationToken().map(t -> secrets.seal(resource.id(), t)).orElse(null));
    return resource;
  }

  /**
   * Adds one memory store resource inside the caller's transaction (session creation, which has
   * checked the session): the store must be the workspace's and not archived; its name and
   * description are kept as they are now, and its mount path is made from the name, apart from the
   * session's paths in {@code taken}.
   */
  Resource addMemoryStore(
      Tx tx,
      String workspaceId,
      String sessionId,
      MemoryStoreParams params,
      java.util.Set<String> taken,
      String now) {
    MemoryStoreRecord store =
        MemoryStoreStore.findStore(tx, workspaceId, params.storeId())
            .orElseThrow(() -> MemoryStoreService.notFound(params.storeId()));
    if (store.archived()) {
      throw new ApiException.InvalidRequest(
          "memory store '" + store.id() + "' is archived and cannot be attached to a session");
    }
    var mount =
        new MemoryMount(
            store.id(), params.access(), params.instructions(), store.name(), store.description());
    Resource resource =
        Resource.memoryStore(
            Ids.resource(), sessionId, mount, MemoryMount.mountPath(store.name(), taken), now);
    insert(tx, workspaceId, resource, null);
    return resource;
  }

  /** Records {@code resource}, or answers 409 naming the mount in its way. */
  private static void insert(Tx tx, String workspaceId, Resource resource, String secret) {
    String mountPath = resource.mountPath();
    if (!ResourceStore.insert(tx, workspaceId, resource, secret)) {
      throw ResourceStore.overlapping(tx, resource.sessionId(), mountPath)
          .map(existing -> conflict(mountPath, existing))
          .orElseGet(
              () ->
                  new ApiException.Conflict(
                      "mount_path '"
                          + mountPath
                          + "' is already used in session "
                          + resource.sessionId()));
    }
  }

  public Page<Resource> list(String workspaceId, String sessionId, PageRequest page) {
    requireSession(workspaceId, sessionId);
    return resources.list(sessionId, page);
  }

  public Resource retrieve(String workspaceId, String sessionId, String resourceId) {
    requireSession(workspaceId, sessionId);
    return resources.find(sessionId, resourceId).orElseThrow(() -> notFound(resourceId));
  }

  /**
   * Token rotation: only {@code github_repository} resources have a token (spec §2.4). Later
   * fetches use the new one; a checkout that failed is tried again with it.
   */
  public Resource update(
      String workspaceId, String sessionId, String resourceId, String authorizationToken) {
    if (authorizationToken.isEmpty()) {
      throw new ApiException.InvalidRequest("authorization_token must not be empty");
    }
    Resource updated =
        db.write(
            tx -> {
              SessionService.writable(tx, workspaceId, sessionId, READ_ONLY);
              Resource r =
                  ResourceStore.find(tx, sessionId, resourceId)
                      .orElseThrow(() -> notFound(resourceId));
              if (r.memoryStore().isPresent()) {
                throw fixedMemoryStore(r.id());
              }
              if (r.repository().isEmpty()) {
                throw new ApiException.InvalidRequest(
                    "resource "
                        + r.id()
                        + " is a "
                        + r.type()
                        + " resource; only github_repository resources have an"
                        + " authorization_token to update");
              }
              return ResourceStore.replaceSecret(
                      tx,
                      sessionId,
                      resourceId,
                      secrets.seal(resourceId, authorizationToken),
                      Timestamps.later(r.updatedAt()))
                  .orElseThrow(() -> notFound(resourceId));
            });
    reconciler.reconcile(sessionId);
    return updated;
  }

  /** A deleted resource, and whether its blob may have lost its last reference with it. */
  private record Removed(Resource resource, boolean blobMayBeUnused) {}

  public Resource delete(String workspaceId, String sessionId, String resourceId) {
    Database.Ordered<Removed> ordered =
        db.writeOrdered(
            tx -> {
              Optional<Resource> gone =
                  ResourceStore.delete(tx, workspaceId, sessionId, resourceId);
              if (gone.isPresent() && gone.get().memoryStore().isPresent()) {
                throw fixedMemoryStore(resourceId); // rolls the delete back
              }
              int slots = gone.filter(r -> Resource.FILE.equals(r.type())).isPresent() ? 1 : 0;
              if (gone.isEmpty()
                  || !SessionStore.releaseFileSlots(
                      tx, workspaceId, sessionId, slots, Timestamps.now())) {
                // Say why, in the order the rules go: the session, then the resource. Throwing
                // rolls back the delete above.
                SessionService.writable(tx, workspaceId, sessionId, READ_ONLY);
                throw notFound(resourceId);
              }
              if (slots == 0) {
                return new Removed(gone.get(), false);
              }
              FileStore.deleteFile(tx, gone.get().fileId());
              // With one writer at a time (SQLite), no other delete commits between this check and
              // the commit, so a reference seen here is still there after it. Writers that run at
              // once (PostgreSQL) could each see the other's, so there only a check after the
              // commit is sure.
              return new Removed(
                  gone.get(),
                  db.isShared() || !FileStore.isBlobReferenced(tx, gone.get().sha256()));
            });
    Resource deleted = ordered.value().resource();
    metrics.resourceDeleted(deleted.type());
    if (!deleted.isFile()) {
      reconciler.reconcile(sessionId);
      return deleted;
    }
    reconciler.reconcilePath(
        sessionId,
        new Reconciler.Change(deleted.mountPath(), Optional.empty(), ordered.sequence()));
    if (ordered.value().blobMayBeUnused()) {
      files.collect(List.of(deleted.sha256()));
    }
    return deleted;
  }

  private void requireSession(String workspaceId, String sessionId) {
    if (sessions.find(workspaceId, sessionId).isEmpty()) {
      throw SessionService.notFound(sessionId);
    }
  }

  private static ApiException conflict(String path, Resource existing) {
    String relation =
        existing.mountPath().equals(path)
            ? "is already used by"
            : path.startsWith(existing.mountPath() + "/")
                ? "lies inside the mount of"
                : "would contain the mount of";
    return new ApiException.Conflict(
        "mount_path '"
            + path
            + "' "
            + relation
            + " resource "
            + existing.id()
            + " at '"
            + existing.mountPath()
            + "'");
  }

  /** Memory stores are attached for the session's whole life. */
  static ApiException fixedMemoryStore(String resourceId) {
    return new ApiException.InvalidRequest(
        "resource "
            + resourceId
            + " is a memory_store resource; memory stores are attached when a session is created"
            + " and cannot be changed or removed afterwards");
  }

  static ApiException notFound(String resourceId) {
    return new ApiException.NotFound("resource '" + resourceId + "' not found");
  }
}
