package dev.berth.model;

/**
 * A file resource of a session: the session's copy of a file ({@code fileId}, sharing the blob
 * {@code sha256}) mounted at {@code mountPath}.
 */
public record Resource(
    String id,
    String sessionId,
    String type,
    String fileId,
    String sha256,
    String mountPath,
    String createdAt,
    String updatedAt) {

  public static final String FILE = "file";
}
