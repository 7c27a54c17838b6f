package dev.berth.store;

import dev.berth.model.StagedBlob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * File bytes, addressed by their SHA-256 (DESIGN principle 2): {@link LocalBlobStore} under the
 * data directory, or {@link S3BlobStore} in a bucket several nodes share.
 *
 * <p>An upload is staged first: streamed to a private temporary file on local disk while it is
 * hashed, so its digest is known before anything is published and memory use does not depend on its
 * size. Publishing makes the staged bytes the blob of that digest; a published blob never changes.
 * Callers serialise publishing and deleting one digest ({@link Database#exclusively}), so a blob is
 * never deleted between an upload publishing it and its file record being written.
 */
public interface BlobStore extends AutoCloseable {
  /**
   * Streams {@code in} to a temporary file while hashing it.
   *
   * @throws dev.berth.error.ApiException.TooLarge once more than {@code maxBytes} arrive (nothing
   *     is kept)
   * @throws IOException when reading {@code in} fails (the client's side)
   * @throws java.io.UncheckedIOException when this server cannot keep the bytes (its disk full,
   *     say; {@link dev.berth.error.OutOfDescriptors} when descriptors ran out)
   */
  StagedBlob stage(InputStream in, long maxBytes) throws IOException;

  /** Publishes staged bytes under their digest; a digest already stored keeps its bytes. */
  void publish(StagedBlob staged);

  /** Drops staged bytes that will not be published. */
  void discard(StagedBlob staged);

  /** Reads a published blob. */
  InputStream open(String sha256) throws IOException;

  /**
   * A read-only file on this node's disk holding the blob, for sandboxes to link to: the blob
   * itself, or a copy kept in a local cache.
   */
  Path localPath(String sha256);

  /**
   * The blob's file on this node's disk if there is one now, without fetching it: a download sends
   * it straight from the page cache, and without one streams {@link #open}.
   */
  Optional<Path> localCopy(String sha256);

  /** Deletes a blob, and any copy of it this node keeps; nothing happens if there is none. */
  void delete(String sha256);

  /**
   * Every stored digest, copies this node keeps included, for sweeping blobs no record points at.
   */
  List<String> digests();

  /**
   * Checks that a new blob could be stored now, cheaply: a small file made and removed where blobs
   * are staged and kept, and for a bucket one request that it exists and answers. Throws when not;
   * the message says which part failed, without paths or credentials, and the cause says why.
   */
  void checkWritable();

  @Override
  void close();
}
