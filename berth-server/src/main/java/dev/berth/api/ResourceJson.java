package dev.berth.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.model.MemoryMount;
import dev.berth.model.Repository;
import dev.berth.model.Resource;

/**
 * A session resource on the wire: {@code BetaManagedAgentsFileResource} (spec §2.0) or {@code
 * BetaManagedAgentsGitHubRepositoryResource}, which never carries the token, or {@code
 * BetaManagedAgentsMemoryStoreResource}, which has no id or times of its own.
 */
public sealed interface ResourceJson
    permits ResourceJson.File, ResourceJson.GitHubRepository, ResourceJson.MemoryStore {

  record File(
      String id, String type, String fileId, String mountPath, String createdAt, String updatedAt)
      implements ResourceJson {}

  /** {@code checkout} is null when none was given (the default branch). */
  record GitHubRepository(
      String id,
      String type,
      String url,
      ObjectNode checkout,
      String mountPath,
      String createdAt,
      String updatedAt)
      implements ResourceJson {}

  /** {@code instructions} is null when none were given. */
  record MemoryStore(
      String type,
      String memoryStoreId,
      String access,
      String description,
      String instructions,
      String mountPath,
      String name)
      implements ResourceJson {}

  static ResourceJson from(Resource r) {
    if (r.memoryStore().isPresent()) {
      MemoryMount m = r.memoryStore().get();
      return new MemoryStore(
          r.type(),
          m.storeId(),
          m.access().wire(),
          m.description(),
          m.instructions().orElse(null),
          r.mountPath(),
          m.name());
    }
    if (r.repository().isPresent()) {
      Repository repo = r.repository().get();
      return new GitHubRepository(
          r.id(),
          r.type(),
          repo.url(),
          repo.checkout().map(Repository::toJson).orElse(null),
          r.mountPath(),
          r.createdAt(),
          r.updatedAt());
    }
    return new File(r.id(), r.type(), r.fileId(), r.mountPath(), r.createdAt(), r.updatedAt());
  }
}
