package dev.berth.api;

import dev.berth.model.Actor;
import dev.berth.model.MemoryVersion;

/**
 * {@code BetaManagedAgentsMemoryVersion} (spec §7.2): {@code content} only in the {@code full}
 * view; path, content, digest and size null once redacted, the content's three for a deletion.
 */
public record MemoryVersionJson(
    String id,
    String type,
    String memoryStoreId,
    String memoryId,
    String operation,
    String path,
    String content,
    String contentSha256,
    Long contentSizeBytes,
    ActorJson createdBy,
    String createdAt,
    String redactedAt,
    ActorJson redactedBy) {

  public static MemoryVersionJson from(MemoryVersion v, boolean full) {
    return new MemoryVersionJson(
        v.id(),
        "memory_version",
        v.storeId(),
        v.memoryId(),
        v.operation().wire(),
        v.path().orElse(null),
        full ? v.content().orElse(null) : null,
        v.contentSha256().orElse(null),
        v.contentSizeBytes().orElse(null),
        ActorJson.from(v.createdBy()),
        v.createdAt(),
        v.redactedAt().orElse(null),
        v.redactedBy().map(ActorJson::from).orElse(null));
  }

  /** {@code BetaManagedAgentsActor}: {@code api_actor} or {@code session_actor}. */
  public sealed interface ActorJson permits ApiActor, SessionActor {
    static ActorJson from(Actor a) {
      return switch (a) {
        case Actor.ApiKey k -> new ApiActor("api_actor", k.id());
        case Actor.Session s -> new SessionActor("session_actor", s.id());
      };
    }
  }

  public record ApiActor(String type, String apiKeyId) implements ActorJson {}

  public record SessionActor(String type, String sessionId) implements ActorJson {}
}
