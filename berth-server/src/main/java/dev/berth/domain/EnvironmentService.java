package dev.berth.domain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.error.ApiException;
import dev.berth.model.EnvironmentConfig;
import dev.berth.model.EnvironmentRecord;
import dev.berth.model.JsonFields;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import dev.berth.store.EnvironmentStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The Environments API's rules (spec §5). */
public final class EnvironmentService {
  static final String INVALID_METADATA = "invalid_metadata";
  private static final List<String> SCOPES = List.of("organization", "account");

  private final EnvironmentStore environments;

  public EnvironmentService(EnvironmentStore environments) {
    this.environments = environments;
  }

  /** The body of a create; {@code config} is the raw {@code config} value, if one was sent. */
  public record CreateParams(
      String name,
      Optional<JsonNode> config,
      Optional<String> description,
      Map<String, String> metadata,
      Optional<String> scope) {}

  /**
   * The body of an update (spec §5.4). An empty {@code name} or {@code config} keeps the stored
   * value; {@code metadata} maps a key to its new value, or to empty to delete it.
   */
  public record UpdateParams(
      Optional<String> name,
      Patch<String> description,
      Optional<JsonNode> config,
      Map<String, Optional<String>> metadata,
      Optional<String> scope) {}

  public EnvironmentRecord create(String workspaceId, CreateParams params) {
    String now = Timestamps.now();
    var env =
        new EnvironmentRecord(
            Ids.environment(),
            workspaceId,
            name(params.name()),
            params.description(),
            params
                .config()
                .map(c -> EnvironmentConfig.parse(c, "config"))
                .orElse(EnvironmentConfig.DEFAULT),
            Metadata.validate(params.metadata(), INVALID_METADATA),
            scope(params.scope().orElse("organization")),
            Optional.empty(),
            now,
            now);
    environments.insert(env);
    return env;
  }

  public EnvironmentRecord retrieve(String workspaceId, String environmentId) {
    return environments.find(workspaceId, environmentId).orElseThrow(() -> notFound(environmentId));
  }

  public Page<EnvironmentRecord> list(
      String workspaceId, boolean includeArchived, PageRequest page) {
    return environments.list(workspaceId, includeArchived, page);
  }

  public EnvironmentRecord update(String workspaceId, String environmentId, UpdateParams params) {
    return environments
        .update(workspaceId, environmentId, current -> apply(current, params, Timestamps.now()))
        .orElseThrow(() -> notFound(environmentId));
  }

  /** The environment after an update; {@code current} itself when nothing changes. */
  static EnvironmentRecord apply(EnvironmentRecord current, UpdateParams params, String now) {
    if (current.archived()) {
      throw new ApiException.InvalidRequest(
          "environment '" + current.id() + "' is archived and cannot be updated",
          "environment_archived");
    }
    Map<String, Optional<String>> metadataPatch = new LinkedHashMap<>();
    // An empty string deletes a key, like null (spec §1.12, environments only).
    params.metadata().forEach((k, v) -> metadataPatch.put(k, v.filter(s -> !s.isEmpty())));
    var next =
        new EnvironmentRecord(
            current.id(),
            current.workspaceId(),
            params.name().map(EnvironmentService::name).orElse(current.name()),
            params.description().present()
                ? Optional.ofNullable(params.description().value())
                : current.description(),
            params
                .config()
                .map(c -> EnvironmentConfig.patch(current.config(), c, "config"))
                .orElse(current.config()),
            Metadata.patch(current.metadata(), metadataPatch, INVALID_METADATA),
            params.scope().map(EnvironmentService::scope).orElse(current.scope()),
            current.archivedAt(),
            current.createdAt(),
            current.updatedAt());
    if (next.equals(current)) {
      return current;
    }
    return new EnvironmentRecord(
        next.id(),
        next.workspaceId(),
        next.name(),
        next.description(),
        next.config(),
        next.metadata(),
        next.scope(),
        next.archivedAt(),
        next.createdAt(),
        now);
  }

  /** Archives an environment; archiving again keeps the first {@code archived_at} (Q17). */
  public EnvironmentRecord archive(String workspaceId, String environmentId) {
    String now = Timestamps.now();
    return environments
        .update(
            workspaceId,
            environmentId,
            e ->
                e.archived()
                    ? e
                    : new EnvironmentRecord(
                        e.id(),
                        e.workspaceId(),
                        e.name(),
                        e.description(),
                        e.config(),
                        e.metadata(),
                        e.scope(),
                        Optional.of(now),
                        e.createdAt(),
                        now))
        .orElseThrow(() -> notFound(environmentId));
  }

  public EnvironmentRecord delete(String workspaceId, String environmentId) {
    return environments
        .delete(workspaceId, environmentId)
        .orElseThrow(() -> notFound(environmentId));
  }

  /** Checks that a new session may use the environment: it exists here and is not archived. */
  public void requireUsable(String workspaceId, String environmentId) {
    EnvironmentRecord env = retrieve(workspaceId, environmentId);
    if (env.archived()) {
      throw new ApiException.InvalidRequest(
          "environment '" + environmentId + "' is archived", "environment_archived");
    }
  }

  static ApiException notFound(String environmentId) {
    return new ApiException.NotFound(
        "environment '" + environmentId + "' not found", "environment_not_found");
  }

  private static String name(String name) {
    if (name.isBlank()) {
      throw new ApiException.InvalidRequest("name must not be empty");
    }
    return name;
  }

  /** spec §5.1: API organisations only allow {@code organization}. */
  private static String scope(String scope) {
    JsonFields.oneOf(scope, "scope", SCOPES);
    if (!scope.equals("organization")) {
      throw new ApiException.InvalidRequest(
          "scope '" + scope + "' is not available here; use 'organization'");
    }
    return scope;
  }
}
