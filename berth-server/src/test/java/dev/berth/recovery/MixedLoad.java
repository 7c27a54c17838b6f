package dev.berth.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import dev.berth.testing.Churn;
import dev.berth.testing.Commands;
import dev.berth.testing.Http;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Load on one session from three clients at once, recording what the server acknowledged: resource
 * adds and deletes ({@link Churn}); uploads of distinct random bytes, each fourth one followed by a
 * delete of an earlier upload; and commands, each writing {@code /mnt/session/outputs/o<n>.txt} and
 * {@code /workspace/w<n>.txt} with the text {@code n}, each third one also removing the output of
 * two commands before. Each client stops when asked, or when the server stops answering.
 */
final class MixedLoad {
  private final Churn churn;
  private final Map<String, byte[]> uploads = new ConcurrentHashMap<>(); // acknowledged, live
  private final Set<String> deletedUploads = ConcurrentHashMap.newKeySet();
  private final Set<Integer> outputs = ConcurrentHashMap.newKeySet(); // acknowledged, not removed
  private final Set<Integer> workspaceFiles = ConcurrentHashMap.newKeySet();
  private final Set<Integer> removedOutputs = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> clients;

  private MixedLoad(Http http, String session, String file, Random random) {
    churn = Churn.start(http, session, file);
    long uploadSeed = random.nextLong();
    clients =
        List.of(
            Thread.ofVirtual().start(() -> until(() -> uploadAll(http, new Random(uploadSeed)))),
            Thread.ofVirtual().start(() -> until(() -> runAll(http, session))));
  }

  static MixedLoad start(Http http, String session, String file, Random random) {
    return new MixedLoad(http, session, file, random);
  }

  private static void until(Runnable client) {
    try {
      client.run();
    } catch (UncheckedIOException | IllegalStateException gone) {
      // the server died under the client
    }
  }

  private void uploadAll(Http http, Random random) {
    String previous = null;
    for (int i = 0; !stop.get(); i++) {
      byte[] bytes = new byte[1 + random.nextInt(64 * 1024)];
      random.nextBytes(bytes);
      var r = http.upload("u" + i + ".bin", "application/octet-stream", bytes);
      if (r.status() == 200) {
        uploads.put(r.json().get("id").asText(), bytes);
        if (i % 4 == 3 && previous != null) {
          // until it is answered, the delete may have happened or not: in neither set
          byte[] kept = uploads.remove(previous);
          var d = http.delete("/v1/files/" + previous);
          if (d.status() == 200) {
            deletedUploads.add(previous);
          } else {
            uploads.put(previous, kept);
          }
        }
        previous = r.json().get("id").asText();
      }
    }
  }

  private void runAll(Http http, String session) {
    for (int n = 0; !stop.get(); n++) {
      String script =
          "echo "
              + n
              + " > /mnt/session/outputs/o"
              + n
              + ".txt && echo "
              + n
              + " > /workspace/w"
              + n
              + ".txt";
      boolean removes = n % 3 == 2;
      if (removes) {
        script += " && rm -f /mnt/session/outputs/o" + (n - 2) + ".txt";
      }
      if (removes) {
        outputs.remove(n - 2); // until the command is answered, it may be there or not
      }
      var r = Commands.exec(http, session, "sh", "-c", script);
      if (r.status() == 200 && r.json().get("exit_code").asInt() == 0) {
        outputs.add(n);
        workspaceFiles.add(n);
        if (removes) {
          removedOutputs.add(n - 2);
        }
      }
    }
  }

  /** Acknowledged operations of every kind so far. */
  int acknowledged() {
    return churn.acknowledgedAdds()
        + churn.acknowledgedDeletes()
        + uploads.size()
        + deletedUploads.size()
        + workspaceFiles.size();
  }

  /** Waits until {@code count} operations were acknowledged. */
  void awaitAcknowledged(int count) throws InterruptedException {
    Await.until(
        count + " operations acknowledged", Duration.ofSeconds(60), () -> acknowledged() >= count);
  }

  /** Stops every client and waits for the requests under way. */
  void stop() throws InterruptedException {
    stop.set(true);
    churn.stop();
    for (Thread client : clients) {
      client.join(10_000);
    }
    assertThat(clients).noneMatch(Thread::isAlive);
  }

  Churn churn() {
    return churn;
  }

  /** File id → bytes of every acknowledged upload not deleted since. */
  Map<String, byte[]> uploads() {
    return Map.copyOf(uploads);
  }

  /** The ids of acknowledged upload deletes. */
  Set<String> deletedUploads() {
    return Set.copyOf(deletedUploads);
  }

  /** The numbers of the commands whose output file must be there. */
  Set<Integer> outputs() {
    return Set.copyOf(outputs);
  }

  /** The numbers of the outputs an acknowledged command removed. */
  Set<Integer> removedOutputs() {
    return Set.copyOf(removedOutputs);
  }

  /** The numbers of the commands whose workspace file must be there. */
  Set<Integer> workspaceFiles() {
    return Set.copyOf(workspaceFiles);
  }
}
