package dev.berth.fuzz;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Every route Berth serves, each with a well-formed request the fuzzer starts from: the hosted
 * API's files, sessions, session resources, agents, environments and memory stores, and Berth's own
 * command endpoint. Path parameters are named as in the route classes and filled from {@link
 * Targets}.
 */
final class FuzzRoutes {
  private FuzzRoutes() {}

  enum Body {
    NONE,
    JSON,
    MULTIPART
  }

  /**
   * @param method the route's method
   * @param path the path with {@code {param}} placeholders
   * @param body what kind of body it takes
   * @param json the well-formed JSON body for {@link Body#JSON} routes
   * @param query the query parameters a list route takes, each with a well-formed value
   */
  record Route(
      String method,
      String path,
      Body body,
      Function<Targets, String> json,
      Function<Targets, Map<String, String>> query) {

    String name() {
      return method + " " + path;
    }
  }

  /** The ids of live objects the requests point at, in the caller's workspace and another. */
  record Targets(
      String fileId,
      String sessionId,
      String resourceId,
      String agentId,
      String environmentId,
      String outputFileId,
      String memoryStoreId,
      String memoryId,
      String memoryVersionId,
      String otherWorkspaceFileId,
      String otherWorkspaceSessionId,
      String cursor) {

    /** The id for a path parameter. */
    String id(String param) {
      return switch (param) {
        case "file_id" -> fileId;
        case "session_id" -> sessionId;
        case "resource_id" -> resourceId;
        case "agent_id" -> agentId;
        case "environment_id" -> environmentId;
        case "memory_store_id" -> memoryStoreId;
        case "memory_id" -> memoryId;
        case "memory_version_id" -> memoryVersionId;
        default -> throw new IllegalArgumentException(param);
      };
    }
  }

  private static Route get(String path) {
    return new Route("GET", path, Body.NONE, t -> "", t -> Map.of());
  }

  private static Route list(String path, Function<Targets, Map<String, String>> query) {
    return new Route("GET", path, Body.NONE, t -> "", query);
  }

  private static Route post(String path, Function<Targets, String> json) {
    return new Route("POST", path, Body.JSON, json, t -> Map.of());
  }

  private static Route bare(String method, String path) {
    return new Route(method, path, Body.NONE, t -> "", t -> Map.of());
  }

  static final List<Route> ALL =
      List.of(
          new Route("POST", "/v1/files", Body.MULTIPART, t -> "", t -> Map.of()),
          list(
              "/v1/files",
              t -> Map.of("limit", "5", "scope_id", t.sessionId(), "after_id", t.fileId())),
          get("/v1/files/{file_id}"),
          get("/v1/files/{file_id}/content"),
          bare("DELETE", "/v1/files/{file_id}"),
          post(
              "/v1/sessions",
              t ->
                  "{\"agent\":\""
                      + t.agentId()
                      + "\",\"environment_id\":\""
                      + t.environmentId()
                      + "\",\"title\":\"fuzz\",\"metadata\":{\"k\":\"v\"},\"resources\":"
                      + "[{\"type\":\"file\",\"file_id\":\""
                      + t.fileId()
                      + "\",\"mount_path\":\"/fuzz/a.txt\"}]}"),
          list(
              "/v1/sessions",
              t ->
                  Map.of(
                      "limit",
                      "2",
                      "page",
                      t.cursor(),
                      "agent_id",
                      t.agentId(),
                      "include_archived",
                      "true",
                      "created_at[gte]",
                      "2020-01-01T00:00:00Z")),
          get("/v1/sessions/{session_id}"),
          post("/v1/sessions/{session_id}", t -> "{\"title\":\"t\",\"metadata\":{\"k\":null}}"),
          bare("POST", "/v1/sessions/{session_id}/archive"),
          bare("DELETE", "/v1/sessions/{session_id}"),
          post(
              "/v1/sessions/{session_id}/resources",
              t ->
                  "{\"type\":\"file\",\"file_id\":\""
                      + t.fileId()
                      + "\",\"mount_path\":\"/fuzz/b.txt\"}"),
          list("/v1/sessions/{session_id}/resources", t -> Map.of("limit", "5")),
          get("/v1/sessions/{session_id}/resources/{resource_id}"),
          post(
              "/v1/sessions/{session_id}/resources/{resource_id}",
              t -> "{\"authorization_token\":\"ghp_x\"}"),
          bare("DELETE", "/v1/sessions/{session_id}/resources/{resource_id}"),
          post(
              "/v1/agents",
              t ->
                  "{\"name\":\"fuzz\",\"model\":\"claude-sonnet-4-6\",\"system\":\"s\","
                      + "\"tools\":[{\"type\":\"agent_toolset_20260401\"}],\"metadata\":{}}"),
          list(
              "/v1/agents",
              t -> Map.of("limit", "2", "include_archived", "false", "created_at[lte]", "2999")),
          get("/v1/agents/{agent_id}"),
          post("/v1/agents/{agent_id}", t -> "{\"version\":1,\"description\":\"d\"}"),
          list("/v1/agents/{agent_id}/versions", t -> Map.of("limit", "3")),
          bare("POST", "/v1/agents/{agent_id}/archive"),
          post(
              "/v1/environments",
              t ->
                  "{\"name\":\"fuzz\",\"config\":{\"type\":\"cloud\",\"networking\":"
                      + "{\"type\":\"unrestricted\"}},\"metadata\":{\"a\":\"b\"}}"),
          list("/v1/environments", t -> Map.of("limit", "2", "include_archived", "true")),
          get("/v1/environments/{environment_id}"),
          post("/v1/environments/{environment_id}", t -> "{\"description\":\"d\"}"),
          bare("POST", "/v1/environments/{environment_id}/archive"),
          bare("DELETE", "/v1/environments/{environment_id}"),
          post(
              "/v1/memory_stores",
              t -> "{\"name\":\"fuzz\",\"description\":\"d\",\"metadata\":{\"k\":\"v\"}}"),
          list(
              "/v1/memory_stores",
              t -> Map.of("limit", "2", "include_archived", "true", "created_at[gte]", "2020")),
          get("/v1/memory_stores/{memory_store_id}"),
          post("/v1/memory_stores/{memory_store_id}", t -> "{\"metadata\":{\"k\":null}}"),
          bare("POST", "/v1/memory_stores/{memory_store_id}/archive"),
          bare("DELETE", "/v1/memory_stores/{memory_store_id}"),
          post(
              "/v1/memory_stores/{memory_store_id}/memories",
              t -> "{\"path\":\"/fuzz/a.md\",\"content\":\"fuzz\"}"),
          list(
              "/v1/memory_stores/{memory_store_id}/memories",
              t -> Map.of("limit", "5", "path_prefix", "/t/", "depth", "1", "view", "full")),
          get("/v1/memory_stores/{memory_store_id}/memories/{memory_id}"),
          post(
              "/v1/memory_stores/{memory_store_id}/memories/{memory_id}",
              t ->
                  "{\"content\":\"fuzz\",\"path\":\"/t/moved.md\",\"precondition\":"
                      + "{\"type\":\"content_sha256\",\"content_sha256\":\""
                      + "0".repeat(64)
                      + "\"}}"),
          bare("DELETE", "/v1/memory_stores/{memory_store_id}/memories/{memory_id}"),
          list(
              "/v1/memory_stores/{memory_store_id}/memory_versions",
              t ->
                  Map.of(
                      "limit",
                      "2",
                      "memory_id",
                      t.memoryId(),
                      "operation",
                      "created",
                      "view",
                      "basic")),
          get("/v1/memory_stores/{memory_store_id}/memory_versions/{memory_version_id}"),
          bare(
              "POST",
              "/v1/memory_stores/{memory_store_id}/memory_versions/{memory_version_id}/redact"),
          post(
              "/berth/v1/sessions/{session_id}/exec",
              t ->
                  "{\"command\":[\"sh\",\"-c\",\"echo fuzz > /mnt/session/outputs/fuzz.txt\"],"
                      + "\"stdin\":\"\",\"timeout_ms\":5000,\"env\":{\"A\":\"1\"}}"));
}
