package dev.berth.model;

import java.util.Optional;

/**
 * One version of an agent. {@code updatedAt} is when this version was made, or, for the latest
 * version, when the agent last changed (an update or its archiving).
 */
public record AgentRecord(
    String id,
    String workspaceId,
    int version,
    AgentDefinition definition,
    Optional<String> archivedAt,
    String createdAt,
    String updatedAt) {

  public boolean archived() {
    return archivedAt.isPresent();
  }
}
