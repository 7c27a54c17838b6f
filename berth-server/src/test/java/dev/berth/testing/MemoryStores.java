package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.json.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Memory stores made, attached to sessions and read back over HTTP. */
public final class MemoryStores {
  private MemoryStores() {}

  /** A new store named {@code name}; its id. */
  public static String create(Http http, String name) {
    var r = http.post("/v1/memory_stores", Json.write(Map.of("name", name)));
    assertThat(r.status()).as("memory store: %s", r.json()).isEqualTo(200);
    return r.json().get("id").asText();
  }

  /** A new session of {@code http}'s node with the store attached with {@code access}. */
  public static String session(Http http, String store, String access) {
    return Fixtures.session(
        http,
        "\"resources\":[{\"type\":\"memory_store\",\"memory_store_id\":\""
            + store
            + "\",\"access\":\""
            + access
            + "\"}]");
  }

  /** The store's memories as path → content. */
  public static Map<String, String> memories(Http http, String store) {
    Map<String, String> out = new TreeMap<>();
    for (var page :
        Fixtures.pages(http, "/v1/memory_stores/" + store + "/memories?limit=20&view=full")) {
      assertThat(page.status()).as("%s", page.json()).isEqualTo(200);
      page.json()
          .get("data")
          .forEach(m -> out.put(m.get("path").asText(), m.get("content").asText()));
    }
    return out;
  }

  /** Every version of the store with its content, oldest first. */
  public static List<JsonNode> versions(Http http, String store) {
    List<JsonNode> out = new ArrayList<>();
    for (var page :
        Fixtures.pages(
            http, "/v1/memory_stores/" + store + "/memory_versions?limit=100&view=full")) {
      assertThat(page.status()).as("%s", page.json()).isEqualTo(200);
      page.json().get("data").forEach(out::add);
    }
    Collections.reverse(out);
    return out;
  }
}
