package dev.berth.fuzz;

import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.TestServer;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a server holds, as its API lists it: the ids of every file, session, agent and environment
 * in each workspace, and of every resource and session-scoped file of the sessions named; beside
 * them the digests of the stored blobs. Two censuses taken around a rejected request must be equal
 * (blobs may only go: a deleted file's blob is collected a moment after its delete was answered).
 *
 * @param records list → ids, such as {@code alpha /v1/files → {file_…}}
 * @param blobs the blob store's digests
 */
record Census(Map<String, Set<String>> records, Set<String> blobs) {

  static Census take(TestServer server, List<String> sessions) throws IOException {
    Map<String, Set<String>> records = new TreeMap<>();
    for (String key : List.of(TestServer.KEY, TestServer.OTHER_KEY)) {
      Http http = server.http(key);
      String workspace = key.equals(TestServer.KEY) ? "alpha " : "beta ";
      for (String list :
          List.of(
              "/v1/files?limit=100",
              "/v1/sessions?limit=100&include_archived=true",
              "/v1/agents?limit=100&include_archived=true",
              "/v1/environments?limit=100&include_archived=true")) {
        records.put(workspace + list, ids(http, list));
      }
    }
    Http http = server.http();
    for (String session : sessions) {
      String resources = "/v1/sessions/" + session + "/resources?limit=100";
      records.put(resources, ids(http, resources));
      String scoped = "/v1/files?limit=100&scope_id=" + session;
      records.put(scoped, ids(http, scoped));
    }
    return new Census(records, new TreeSet<>(server.blobs().digests()));
  }

  private static Set<String> ids(Http http, String list) {
    Set<String> ids = new TreeSet<>();
    for (var page : Fixtures.pages(http, list)) {
      if (page.status() != 200) {
        throw new IllegalStateException(list + " answered " + page.status() + ": " + page.json());
      }
      page.json().get("data").forEach(item -> ids.add(item.get("id").asText()));
    }
    return ids;
  }

  /** What {@code after} holds that this census did not, or records it lost; empty if none. */
  String differences(Census after) {
    var out = new StringBuilder();
    records.forEach(
        (list, ids) -> {
          Set<String> now = after.records.getOrDefault(list, Set.of());
          if (!now.equals(ids)) {
            out.append(list).append(": before ").append(ids).append(", after ").append(now);
            out.append('\n');
          }
        });
    Set<String> newBlobs = new TreeSet<>(after.blobs);
    newBlobs.removeAll(blobs);
    if (!newBlobs.isEmpty()) {
      out.append("new blobs: ").append(newBlobs).append('\n');
    }
    return out.toString();
  }
}
