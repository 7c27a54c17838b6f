package dev.berth.api;

import dev.berth.model.Resource;

/** {@code BetaManagedAgentsFileResource} (spec §2.0). */
public record ResourceJson(
    String id, String type, String fileId, String mountPath, String createdAt, String updatedAt) {

  public static ResourceJson from(Resource r) {
    return new ResourceJson(
        r.id(), r.type(), r.fileId(), r.mountPath(), r.createdAt(), r.updatedAt());
  }
}
