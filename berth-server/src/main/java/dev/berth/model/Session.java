package dev.berth.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A session as stored; {@code agent} is the resolved agent copied at creation. */
public record Session(
    String id,
    String workspaceId,
    String agentId,
    int agentVersion,
    ObjectNode agent,
    String environmentId,
    Optional<String> title,
    Map<String, String> metadata,
    List<String> vaultIds,
    Optional<JsonNode> budget,
    String status,
    Optional<String> archivedAt,
    String createdAt,
    String updatedAt) {

  public boolean isArchived() {
    return archivedAt.isPresent();
  }

  /** This session with the fields an update may change replaced. */
  public Session patched(
      ObjectNode agent,
      Optional<String> title,
      Map<String, String> metadata,
      Optional<JsonNode> budget) {
    return new Session(
        id,
        workspaceId,
        agentId,
        agentVersion,
        agent,
        environmentId,
        title,
        metadata,
        vaultIds,
        budget,
        status,
        archivedAt,
        createdAt,
        updatedAt);
  }

  /** This session as changed at {@code now}, archived then if {@code archive}. */
  public Session touched(String now, boolean archive) {
    return new Session(
        id,
        workspaceId,
        agentId,
        agentVersion,
        agent,
        environmentId,
        title,
        metadata,
        vaultIds,
        budget,
        status,
        archive ? Optional.of(now) : archivedAt,
        createdAt,
        now);
  }
}
