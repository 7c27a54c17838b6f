package dev.berth.model;

import java.util.Optional;

/**
 * A file's metadata. Its bytes are the blob {@code sha256}; session-scoped copies share the blob of
 * the file they were made from.
 */
public record FileRecord(
    String id,
    String workspaceId,
    String filename,
    String mimeType,
    long sizeBytes,
    String sha256,
    boolean downloadable,
    Optional<String> scopeSessionId,
    Optional<String> sourceFileId,
    String createdAt,
    Optional<String> expiresAt) {

  public boolean isExpired(String now) {
    return expiresAt.map(e -> e.compareTo(now) <= 0).orElse(false);
  }
}
