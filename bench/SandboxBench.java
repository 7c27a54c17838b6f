// Time per operation of LocalSandboxHost, the cost behind POST and DELETE
// /v1/sessions/{id}/resources: one session, one blob, one mount path one directory below uploads.
//
//   reconcile pair: reconcile to {the mount}, then reconcile to {} (what adding and then deleting
//                   a resource does to the sandbox)
//   mount+unmount:  mount the path, then unmount it
//
// Run from the repository root with Java 21 or newer:
//
//   mvn -q -B -DskipTests package && java -cp berth-server/target/berth.jar bench/SandboxBench.java
//
// Prints the mean over 5000 pairs for each of five rounds; the first round includes warm-up. The
// tree lives in a temporary directory (so on the temporary directory's filesystem), removed at the
// end. Count syscalls by running it under strace -f -c.

import dev.berth.sandbox.LocalSandboxHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

// Run from source as a single-file program (bench/*.sh), which lives in the unnamed package.
@SuppressWarnings("DefaultPackage")
public class SandboxBench {
  static final String SESSION = "sesn_bench";
  static final String MOUNT = "/mnt/session/uploads/b/f1";
  static final int ROUNDS = 5;
  static final int PAIRS = 5000;

  public static void main(String[] args) throws Exception {
    Path dataDir = Files.createTempDirectory("sandbox-bench");
    String sha256 = "ab".repeat(32);
    Path blob = Files.writeString(dataDir.resolve("blob"), "x");
    try (var host = new LocalSandboxHost(dataDir, s -> blob)) {
      host.reconcile(SESSION, Map.of());
      for (int round = 0; round < ROUNDS; round++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < PAIRS; i++) {
          host.reconcile(SESSION, Map.of(MOUNT, sha256));
          host.reconcile(SESSION, Map.of());
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < PAIRS; i++) {
          host.mount(SESSION, MOUNT, sha256);
          host.unmount(SESSION, MOUNT);
        }
        long t2 = System.nanoTime();
        System.out.printf(
            "reconcile pair %.1f us; mount+unmount %.1f us%n",
            (t1 - t0) / 1e3 / PAIRS, (t2 - t1) / 1e3 / PAIRS);
      }
      host.destroy(SESSION);
    } finally {
      try (var stale = Files.walk(dataDir)) {
        stale.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
      }
    }
  }
}
