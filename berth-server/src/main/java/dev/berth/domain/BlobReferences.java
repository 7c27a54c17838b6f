package dev.berth.domain;

import dev.berth.model.StagedBlob;
import dev.berth.store.BlobStore;
import dev.berth.store.Database;
import dev.berth.store.FileStore;
import java.util.List;
import java.util.function.Supplier;

/**
 * Keeps blobs and the file records pointing at them in step (DESIGN principle 2): a blob is
 * published together with the record that points at it, and deleted once no record does. Both take
 * one lock per digest, on every node, so neither can come between the other's two steps.
 */
public final class BlobReferences {
  private final Database db;
  private final FileStore files;
  private final BlobStore blobs;

  public BlobReferences(Database db, FileStore files, BlobStore blobs) {
    this.db = db;
    this.files = files;
    this.blobs = blobs;
  }

  /** Publishes staged bytes and runs {@code record}, which writes the records pointing at them. */
  public <T> T publish(StagedBlob staged, Supplier<T> record) {
    return db.exclusively(
        lock(staged.sha256()),
        () -> {
          blobs.publish(staged);
          return record.get();
        });
  }

  /** Deletes the blobs no file record points at any more. */
  public void collect(List<String> sha256s) {
    for (String sha : sha256s) {
      db.exclusively(
          lock(sha),
          () -> {
            if (!files.isBlobReferenced(sha)) {
              blobs.delete(sha);
            }
            return null;
          });
    }
  }

  /**
   * Start-up sweep: deletes blobs that no record points at, such as the bytes of an upload whose
   * record was never committed because the server died in between.
   */
  public int collectOrphans() {
    var referenced = files.referencedBlobs();
    var orphans = blobs.digests().stream().filter(d -> !referenced.contains(d)).toList();
    collect(orphans);
    return orphans.size();
  }

  private static String lock(String sha256) {
    return "blob:" + sha256;
  }
}
