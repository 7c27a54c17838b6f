package dev.berth.model;

import java.util.Optional;

/**
 * One immutable entry of a memory's history: what a create, modify or delete left the memory as,
 * and who did it. Only redaction changes it afterwards, erasing {@code path} and the content (its
 * text, digest and size) and recording who redacted it.
 *
 * @param seq the store's change marker this version set: versions of one store have increasing
 *     numbers in the order they were written (see {@link MemorySnapshot#revision})
 * @param content the text as of this version, when loaded; never for a deletion or once redacted
 */
public record MemoryVersion(
    String id,
    String storeId,
    String memoryId,
    long seq,
    MemoryOperation operation,
    Optional<String> path,
    Optional<String> content,
    Optional<String> contentSha256,
    Optional<Long> contentSizeBytes,
    Actor createdBy,
    String createdAt,
    Optional<String> redactedAt,
    Optional<Actor> redactedBy) {

  public boolean redacted() {
    return redactedAt.isPresent();
  }

  /** The same version without its text. */
  public MemoryVersion withoutContent() {
    return new MemoryVersion(
        id,
        storeId,
        memoryId,
        seq,
        operation,
        path,
        Optional.empty(),
        contentSha256,
        contentSizeBytes,
        createdBy,
        createdAt,
        redactedAt,
        redactedBy);
  }
}
