package dev.berth.api;

import dev.berth.model.FileRecord;

/** {@code BetaFileMetadata} (spec §6.0). */
public record FileJson(
    String id,
    String type,
    String filename,
    String mimeType,
    long sizeBytes,
    String createdAt,
    boolean downloadable,
    String expiresAt,
    Scope scope) {

  /** The session a session-scoped file belongs to. */
  public record Scope(String type, String id) {}

  public static FileJson from(FileRecord f) {
    return new FileJson(
        f.id(),
        "file",
        f.filename(),
        f.mimeType(),
        f.sizeBytes(),
        f.createdAt(),
        f.downloadable(),
        f.expiresAt().orElse(null),
        f.scopeSessionId().map(s -> new Scope("session", s)).orElse(null));
  }
}
