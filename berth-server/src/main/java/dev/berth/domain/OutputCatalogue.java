package dev.berth.domain;

import dev.berth.error.ApiException;
import dev.berth.model.FileRecord;
import dev.berth.model.StagedBlob;
import dev.berth.sandbox.LocalSandboxHost;
import dev.berth.sandbox.OutputFile;
import dev.berth.sandbox.OutputListing;
import dev.berth.sandbox.OutputRestorer;
import dev.berth.store.BlobStore;
import dev.berth.store.Database;
import dev.berth.store.FileStore;
import dev.berth.store.OutputStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Catalogues what an agent writes under its session's {@code /mnt/session/outputs} as
 * session-scoped, downloadable files (spec §6, Q10, Q30), listed by {@code GET
 * /v1/files?scope_id=<session>}.
 *
 * <p>Design note. Outputs run the other way round from mounts: the sandbox is the truth and the
 * records follow it. {@link #refresh} brings one session's records in line with its outputs
 * directory: each regular file gets a file record whose id stays with its path while the file
 * exists; a file whose bytes changed keeps its id and gets the new bytes; a file that is gone loses
 * its record. Bytes are copied into the blob store (content-addressed, so equal outputs share a
 * blob, and on S3 every node can serve them), so a download always matches the record and survives
 * later changes to the file. {@code session_outputs} remembers each path's size, mtime and inode,
 * so an unchanged file is neither read nor hashed again: a refresh with nothing to do costs one
 * query and an lstat per entry.
 *
 * <p>Only the node holding the session scans it; other nodes serve what the records say. Refreshes
 * of one session take turns on this node, and {@code UNIQUE (session_id, path)} stops two nodes
 * from cataloguing one path twice. Every write checks that what it replaces is still what was read,
 * so a refresh that lost a race changes nothing and the next one catches up.
 *
 * <p>The records also outlive the tree. When this node builds a session's outputs directory afresh
 * (it took the session over from a node that died, or found the tree missing at start-up), the
 * sandbox host puts each output that still backs a file record back from its blob ({@link
 * #wanted}), inside the new directory before it appears, so no refresh can see it empty and drop
 * the records; then {@link #restored} records the new stat, so the next refresh finds them
 * unchanged and keeps their ids without reading them. Dismissed outputs stay gone.
 *
 * <p>A refresh never fails its caller: a listing that sees an error it cannot place leaves the
 * catalogue as it was, and a file that cannot be read now is tried again next time.
 */
public final class OutputCatalogue implements OutputRestorer {
  private static final Logger log = LoggerFactory.getLogger(OutputCatalogue.class);
  private static final int STRIPES = 64;

  private final Database db;
  private final OutputStore store;
  private final BlobStore blobs;
  private final BlobReferences references;
  private final LocalSandboxHost host;
  private final SessionPlacement placement;
  private final int maxOutputs;
  private final long maxBytes;
  private final long maxTotalBytes;
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
  private final Consumer<String> beforeScan;

  /**
   * @param maxOutputs most files catalogued per session; beyond it, the first ones in path order
   * @param maxBytes larger files are not catalogued (the upload limit)
   * @param maxTotalBytes the most bytes a session's catalogued outputs hold together (the disk
   *     quota): a sparse file holds far fewer bytes on disk than the blob its copy would make, so a
   *     file that would take the total past it, in path order, is left out
   * @param beforeScan told a session's id before its outputs directory is scanned: the sandbox is
   *     to be reconciled since start first ({@link Reconciler#requireReconciled}), so a scan never
   *     reads a tree a crash left behind
   */
  public OutputCatalogue(
      Database db,
      OutputStore store,
      BlobStore blobs,
      BlobReferences references,
      LocalSandboxHost host,
      SessionPlacement placement,
      int maxOutputs,
      long maxBytes,
      long maxTotalBytes,
      Consumer<String> beforeScan) {
    this.beforeScan = beforeScan;
    this.db = db;
    this.store = store;
    this.blobs = blobs;
    this.references = references;
    this.host = host;
    this.placement = placement;
    this.maxOutputs = maxOutputs;
    this.maxBytes = maxBytes;
    this.maxTotalBytes = maxTotalBytes;
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  /**
   * The outputs that back a file record, if this node holds the session (only the holder builds).
   */
  @Override
  public List<Wanted> wanted(String sessionId) {
    if (!placement.holds(sessionId)) {
      return List.of();
    }
    return store.kept(sessionId).stream()
        .map(k -> new Wanted(k.path(), k.sha256(), k.mtimeNanos(), k.fileId()))
        .toList();
  }

  /**
   * Records the stat of outputs put back on disk, in turn with this session's refreshes, so the
   * next refresh sees them unchanged (and one dismissed meanwhile stays dismissed). A path whose
   * record changed otherwise is left to the refresh.
   */
  @Override
  public void restored(String sessionId, List<Restored> restored) {
    ReentrantLock lock = locks[Math.floorMod(sessionId.hashCode(), STRIPES)];
    lock.lock();
    try {
      db.write(
          c -> {
            for (Restored r : restored) {
              OutputFile file = r.file();
              OutputStore.restat(
                  c,
                  sessionId,
                  r.wanted().fileId(),
                  file.path(),
                  file.size(),
                  file.mtimeNanos(),
                  file.inode());
            }
            return null;
          });
      log.info("restored {} outputs of session {} from the catalogue", restored.size(), sessionId);
    } catch (RuntimeException e) {
      log.warn(
          "outputs of session {} restored but not re-recorded; next refresh re-reads them",
          sessionId,
          e);
    } finally {
      lock.unlock();
    }
  }

  /** {@link #refresh} for a caller of {@code workspaceId}: nothing if the session is not theirs. */
  void refreshFor(String workspaceId, String sessionId) {
    if (store.workspaceOf(sessionId).filter(workspaceId::equals).isPresent()) {
      refresh(sessionId);
    }
  }

  /**
   * Brings the session's output records in line with its outputs directory, if this node holds the
   * session; idempotent, and cheap when nothing changed. Never throws: failures are logged and the
   * next refresh tries again.
   */
  public void refresh(String sessionId) {
    if (!placement.holds(sessionId)) {
      return;
    }
    // before this session's turn: reconciling may restore outputs, which takes that turn too
    beforeScan.accept(sessionId);
    ReentrantLock lock = locks[Math.floorMod(sessionId.hashCode(), STRIPES)];
    lock.lock();
    try {
      Optional<String> workspace = store.workspaceOf(sessionId);
      if (workspace.isEmpty()) {
        return;
      }
      Optional<OutputListing> listing = host.listOutputs(sessionId, maxOutputs);
      if (listing.isEmpty()) {
        return; // no tree on this node: nothing is known, so nothing is removed
      }
      apply(workspace.get(), sessionId, listing.get());
    } catch (RuntimeException e) {
      log.warn("cannot refresh the outputs of session {}; will retry", sessionId, e);
    } finally {
      lock.unlock();
    }
  }

  private void apply(String workspaceId, String sessionId, OutputListing listing) {
    Map<String, OutputStore.Row> known = store.rows(sessionId);
    List<String> released = new ArrayList<>();
    int changed = 0;
    long total = 0;
    for (OutputFile file : listing.files()) {
      if (file.size() > maxBytes || file.size() > maxTotalBytes - total) {
        continue; // left out, so a record it had goes below
      }
      total += file.size();
      OutputStore.Row row = known.remove(file.path());
      if (row != null && matches(row, file)) {
        continue;
      }
      changed++;
      try {
        catalogue(workspaceId, sessionId, file, Optional.ofNullable(row), released);
      } catch (ApiException.TooLarge e) {
        log.info("output {} of session {} outgrew {} bytes", file.path(), sessionId, maxBytes);
      } catch (RuntimeException e) {
        log.warn("cannot catalogue output {} of session {}", file.path(), sessionId, e);
      }
    }
    if (!known.isEmpty()) {
      changed += known.size();
      released.addAll(
          db.write(
              c -> {
                List<String> blobsOfRemoved = new ArrayList<>();
                for (OutputStore.Row gone : known.values()) {
                  // the file first, as a delete through the Files API takes them
                  if (gone.fileId().isPresent()) {
                    FileStore.lock(c, gone.fileId().get());
                  }
                  Optional<String> fileId = OutputStore.delete(c, sessionId, gone.path());
                  if (fileId.isPresent()) {
                    FileStore.deleteReturningBlob(c, fileId.get()).ifPresent(blobsOfRemoved::add);
                  }
                }
                return blobsOfRemoved;
              }));
    }
    references.collect(released.stream().distinct().toList());
    if (changed > 0 && listing.truncated()) {
      log.warn(
          "session {} has more outputs than are catalogued (at most {} files, first in path order)",
          sessionId,
          maxOutputs);
    }
  }

  private static boolean matches(OutputStore.Row row, OutputFile file) {
    return row.sizeBytes() == file.size()
        && row.mtimeNanos() == file.mtimeNanos()
        && row.inode().equals(file.inode());
  }

  /**
   * Copies one new or changed file into the blob store and records it. {@code row} is what the
   * catalogue held for its path: none (a new file, a new id), a file record (the same id, new
   * bytes) or a dismissed path (a new id, since the agent changed it after it was deleted).
   */
  private void catalogue(
      String workspaceId,
      String sessionId,
      OutputFile file,
      Optional<OutputStore.Row> row,
      List<String> released) {
    Optional<StagedBlob> read =
        host.readOutput(sessionId, file, in -> blobs.stage(in, maxBytes), blobs::discard);
    if (read.isEmpty()) {
      return; // changed or gone while looked at; the next refresh sees what became of it
    }
    StagedBlob staged = read.get();
    String mime = FileService.mimeType(Optional.empty(), file.name());
    Optional<String> keeps = row.flatMap(OutputStore.Row::fileId);
    String fileId = keeps.orElseGet(Ids::file);
    var next =
        new OutputStore.Row(
            file.path(), Optional.of(fileId), file.size(), file.mtimeNanos(), file.inode());
    boolean recorded =
        references.publish(
            staged,
            () ->
                db.write(
                    c -> {
                      if (!OutputStore.sessionExists(c, sessionId)) {
                        return false;
                      }
                      if (keeps.isPresent()) {
                        // the file first, as a delete through the Files API takes them
                        FileStore.lock(c, fileId);
                        if (!OutputStore.replace(c, sessionId, keeps, next)) {
                          return false;
                        }
                        FileStore.replaceContent(c, fileId, mime, staged.size(), staged.sha256())
                            .ifPresent(released::add);
                        return true;
                      }
                      // the file record first: the row refers to it
                      FileStore.insert(
                          c,
                          new FileRecord(
                              fileId,
                              workspaceId,
                              file.name(),
                              mime,
                              staged.size(),
                              staged.sha256(),
                              true,
                              Optional.of(sessionId),
                              Optional.empty(),
                              Timestamps.now(),
                              Optional.empty()));
                      boolean placed =
                          row.isEmpty()
                              ? OutputStore.insert(c, sessionId, next)
                              : OutputStore.replace(c, sessionId, Optional.empty(), next);
                      if (!placed) {
                        FileStore.deleteFile(c, fileId);
                      }
                      return placed;
                    }));
    if (!recorded) {
      released.add(staged.sha256()); // published for nothing
    }
  }
}
