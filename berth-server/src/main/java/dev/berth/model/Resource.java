package dev.berth.model;

import java.util.Optional;

/**
 * A resource of a session, mounted at {@code mountPath}: a file (the session's copy {@code fileId},
 * sharing the blob {@code sha256}), a GitHub repository ({@code repository}, whose token is kept
 * apart and never part of this record), or a memory store ({@code memoryStore}, mounted under
 * {@value MemoryMount#ROOT}).
 */
public record Resource(
    String id,
    String sessionId,
    String type,
    String fileId,
    String sha256,
    String mountPath,
    Optional<Repository> repository,
    Optional<MemoryMount> memoryStore,
    String createdAt,
    String updatedAt) {

  public static final String FILE = "file";
  public static final String GITHUB_REPOSITORY = "github_repository";
  public static final String MEMORY_STORE = "memory_store";

  /** A file resource. */
  public static Resource file(
      String id,
      String sessionId,
      String fileId,
      String sha256,
      String mountPath,
      String createdAt,
      String updatedAt) {
    return new Resource(
        id,
        sessionId,
        FILE,
        fileId,
        sha256,
        mountPath,
        Optional.empty(),
        Optional.empty(),
        createdAt,
        updatedAt);
  }

  /** A repository resource. */
  public static Resource repository(
      String id, String sessionId, Repository repository, String mountPath, String now) {
    return new Resource(
        id,
        sessionId,
        GITHUB_REPOSITORY,
        null,
        null,
        mountPath,
        Optional.of(repository),
        Optional.empty(),
        now,
        now);
  }

  /** A memory store resource. */
  public static Resource memoryStore(
      String id, String sessionId, MemoryMount store, String mountPath, String now) {
    return new Resource(
        id,
        sessionId,
        MEMORY_STORE,
        null,
        null,
        mountPath,
        Optional.empty(),
        Optional.of(store),
        now,
        now);
  }

  public boolean isFile() {
    return FILE.equals(type);
  }

  /** This resource as updated at {@code now}. */
  public Resource touched(String now) {
    return new Resource(
        id, sessionId, type, fileId, sha256, mountPath, repository, memoryStore, createdAt, now);
  }
}
