package dev.berth.model;

import java.util.Optional;

/**
 * A memory as it is now: the text at a path of a store. Its content is that of its current version
 * ({@code versionId}); {@code content} is loaded only when asked for, while its digest and size
 * always are. The id stays when the path changes.
 */
public record Memory(
    String id,
    String storeId,
    String path,
    String contentSha256,
    long contentSizeBytes,
    String versionId,
    String createdAt,
    String updatedAt,
    Optional<String> content)
    implements MemoryEntry {

  /** The same memory without its content. */
  public Memory withoutContent() {
    return new Memory(
        id,
        storeId,
        path,
        contentSha256,
        contentSizeBytes,
        versionId,
        createdAt,
        updatedAt,
        Optional.empty());
  }
}
