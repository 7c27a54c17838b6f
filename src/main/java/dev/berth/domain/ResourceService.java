package dev.berth.domain;

import dev.berth.error.ApiException;
import dev.berth.model.MountPaths;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import dev.berth.model.Resource;
import dev.berth.store.Database;
import dev.berth.store.FileStore;
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
  private final int maxFilesPerSession;

  public ResourceService(
      Database db,
      ResourceStore resources,
      SessionStore sessions,
      FileService files,
      Reconciler reconciler,
      int maxFilesPerSession) {
    this.db = db;
    this.resources = resources;
    this.sessions = sessions;
    this.files = files;
    this.reconciler = reconciler;
    this.maxFilesPerSession = maxFilesPerSession;
  }

  /** A request to mount a file: {@code {"type":"file","file_id","mount_path"?}}. */
  public record FileParams(String fileId, Optional<String> mountPath) {}

  private static final String READ_ONLY = "its resources can no longer be changed";

  public Resource add(String workspaceId, String sessionId, FileParams params) {
    String mountPath = MountPaths.effective(params.mountPath(), params.fileId());
    Database.Ordered<Resource> added =
        db.writeOrdered(
            tx ->
                addFile(tx, workspaceId, sessionId, params.fileId(), mountPath, Timestamps.now()));
    reconciler.reconcilePath(
        sessionId,
        new Reconciler.Change(mountPath, Optional.of(added.value().sha256()), added.sequence()));
    return added.value();
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
        new Resource(
            Ids.resource(), sessionId, Resource.FILE, copyId, sha256.get(), mountPath, now, now);
    if (!ResourceStore.insert(tx, workspaceId, resource)) {
      throw ResourceStore.overlapping(tx, sessionId, mountPath)
          .map(existing -> conflict(mountPath, existing))
          .orElseGet(
              () ->
                  new ApiException.Conflict(
                      "mount_path '" + mountPath + "' is already used in session " + sessionId));
    }
    return resource;
  }

  public Page<Resource> list(String workspaceId, String sessionId, PageRequest page) {
    requireSession(workspaceId, sessionId);
    return resources.list(sessionId, page);
  }

  public Resource retrieve(String workspaceId, String sessionId, String resourceId) {
    requireSession(workspaceId, sessionId);
    return resources.find(sessionId, resourceId).orElseThrow(() -> notFound(resourceId));
  }

  /** Token rotation: only {@code github_repository} resources have a token (spec §2.4). */
  public Resource update(
      String workspaceId, String sessionId, String resourceId, String authorizationToken) {
    if (authorizationToken.isEmpty()) {
      throw new ApiException.InvalidRequest("authorization_token must not be empty");
    }
    return db.write(
        tx -> {
          SessionService.writable(tx, workspaceId, sessionId, READ_ONLY);
          Resource r =
              ResourceStore.find(tx, sessionId, resourceId).orElseThrow(() -> notFound(resourceId));
          throw new ApiException.InvalidRequest(
              "resource "
                  + r.id()
                  + " is a "
                  + r.type()
                  + " resource; only github_repository resources have an authorization_token"
                  + " to update");
        });
  }

  /** A deleted resource, and whether its blob may have lost its last reference with it. */
  private record Removed(Resource resource, boolean blobMayBeUnused) {}

  public Resource delete(String workspaceId, String sessionId, String resourceId) {
    Database.Ordered<Removed> ordered =
        db.writeOrdered(
            tx -> {
              Optional<Resource> gone =
                  ResourceStore.delete(tx, workspaceId, sessionId, resourceId);
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

  static ApiException notFound(String resourceId) {
    return new ApiException.NotFound("resource '" + resourceId + "' not found");
  }
}
