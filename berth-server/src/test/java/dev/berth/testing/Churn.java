package dev.berth.testing;

import static dev.berth.testing.Fixtures.fileResource;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A stream of adds and deletes on one session, from one client, recording what the server
 * acknowledged, for tests that break the server or its database in the middle: it adds a resource
 * at a new path each time and deletes the oldest once more than 40 are live. It stops when asked,
 * or when the server stops answering at all.
 */
public final class Churn {
  private final Map<String, String> ackedAdds = new ConcurrentHashMap<>(); // id → mount path
  private final Set<String> ackedDeletes = ConcurrentHashMap.newKeySet();
  private final Set<String> unsureDeletes = ConcurrentHashMap.newKeySet(); // sent, not acknowledged
  private final Queue<Http.Response> failures = new ConcurrentLinkedQueue<>();
  private final AtomicLong lastAdd = new AtomicLong();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Thread writer;

  private Churn(Http http, String sessionId, String fileId) {
    String base = "/v1/sessions/" + sessionId + "/resources";
    writer = Thread.ofVirtual().start(() -> run(http, base, fileId));
  }

  public static Churn start(Http http, String sessionId, String fileId) {
    return new Churn(http, sessionId, fileId);
  }

  private void run(Http http, String base, String fileId) {
    List<String> live = new ArrayList<>();
    try {
      for (int i = 0; !stop.get(); i++) {
        var r = http.post(base, fileResource(fileId, "/w/" + (i % 90) + "/f" + i));
        if (r.status() == 200) {
          String id = r.json().get("id").asText();
          ackedAdds.put(id, r.json().get("mount_path").asText());
          live.add(id);
          lastAdd.set(System.nanoTime());
        } else {
          failures.add(r);
        }
        if (live.size() > 40) {
          String victim = live.get(0);
          unsureDeletes.add(victim);
          var d = http.delete(base + "/" + victim);
          // a 404 answers a retry of a delete whose failure hid its commit
          if (d.status() == 200 || d.status() == 404) {
            ackedDeletes.add(victim);
            unsureDeletes.remove(victim);
            live.remove(0);
          } else {
            failures.add(d);
          }
        }
      }
    } catch (UncheckedIOException | IllegalStateException gone) {
      // the server died under the client
    }
  }

  /** Stops and waits for the request under way. */
  public void stop() throws InterruptedException {
    stop.set(true);
    writer.join(10_000);
  }

  /**
   * Waits up to {@code timeout} until {@code condition} holds of what the churn has seen so far;
   * fails the test, naming {@code what}, if it does not.
   */
  public void await(String what, Predicate<Churn> condition, Duration timeout)
      throws InterruptedException {
    Await.until(what, timeout, () -> condition.test(this));
  }

  public int acknowledgedAdds() {
    return ackedAdds.size();
  }

  public int acknowledgedDeletes() {
    return ackedDeletes.size();
  }

  /** When the last add was acknowledged ({@link System#nanoTime}). */
  public long lastAcknowledgedAdd() {
    return lastAdd.get();
  }

  /** Every answer other than success. */
  public List<Http.Response> failures() {
    return List.copyOf(failures);
  }

  /**
   * The session's resources as the server lists them (id → mount path) hold every acknowledged add
   * not deleted since, and none of the acknowledged deletes; a delete without an answer may have
   * happened or not.
   */
  public Map<String, String> assertNothingAcknowledgedIsLost(Http http, String sessionId) {
    Map<String, String> records = new HashMap<>();
    for (var page : Fixtures.pages(http, "/v1/sessions/" + sessionId + "/resources?limit=100")) {
      assertThat(page.status()).isEqualTo(200);
      page.json()
          .get("data")
          .forEach(d -> records.put(d.get("id").asText(), d.get("mount_path").asText()));
    }
    for (var acked : ackedAdds.entrySet()) {
      if (!ackedDeletes.contains(acked.getKey()) && !unsureDeletes.contains(acked.getKey())) {
        assertThat(records).containsEntry(acked.getKey(), acked.getValue());
      }
    }
    assertThat(ackedDeletes)
        .as("acknowledged deletes still listed")
        .noneMatch(records::containsKey);
    return records;
  }
}
