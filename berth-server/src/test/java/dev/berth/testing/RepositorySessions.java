package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * Sessions with {@code github_repository} resources, made over HTTP, and their checkouts' states as
 * {@code GET /berth/v1/sessions/{id}/sandbox} reports them.
 */
public final class RepositorySessions {
  private RepositorySessions() {}

  /** A resource item for {@code https://github.com/acme/NAME}; {@code extra} is more fields. */
  public static String repository(String name, String extra) {
    return "{\"type\":\"github_repository\",\"url\":\"https://github.com/acme/"
        + name
        + "\""
        + (extra.isEmpty() ? "" : "," + extra)
        + "}";
  }

  /** {@link #repository} read with {@code token}. */
  public static String privateRepository(String name, String token) {
    return repository(name, "\"authorization_token\":\"" + token + "\"");
  }

  /** Creates a session with {@code resources} (JSON array items); the whole answer. */
  public static JsonNode create(Http http, String... resources) {
    var r = Fixtures.createSession(http, resources);
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    return r.json();
  }

  /** The sandbox endpoint's entry for {@code resource}: its {@code state} and {@code reason}. */
  public static JsonNode state(Http http, String session, String resource) {
    var r = http.get("/berth/v1/sessions/" + session + "/sandbox");
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    for (JsonNode entry : r.json().get("resources")) {
      if (entry.get("id").asText().equals(resource)) {
        return entry;
      }
    }
    throw new AssertionError(resource + " is not in the sandbox of " + session);
  }

  /**
   * Waits until the node {@code http} talks to holds the session (another node's sandbox endpoint
   * answers 421), as after a takeover or a restart.
   */
  public static void awaitHeld(Http http, String session) throws InterruptedException {
    Await.until(
        "the node holds " + session,
        Duration.ofSeconds(30),
        () -> http.get("/berth/v1/sessions/" + session + "/sandbox").status() == 200);
  }

  /** Waits until the checkout of {@code resource} is no longer pending; its entry then. */
  public static JsonNode awaitSettled(Http http, String session, String resource)
      throws InterruptedException {
    Await.until(
        "the checkout of " + resource + " settles",
        Duration.ofSeconds(60),
        () -> !state(http, session, resource).get("state").asText().equals("pending"));
    return state(http, session, resource);
  }
}
