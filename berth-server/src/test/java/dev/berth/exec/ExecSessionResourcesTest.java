package dev.berth.exec;

import static dev.berth.testing.Commands.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.testing.Await;
import dev.berth.testing.Commands;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each session's commands have processes, memory and CPU of their own (control groups, where the
 * host has them, as on Linux run as root): one session cannot starve another.
 */
class ExecSessionResourcesTest {
  static final int PROCESSES = 64;
  static final long MEMORY = 64L * 1024 * 1024;
  static final Path CGROUPS = Path.of("/sys/fs/cgroup");

  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--session-max-processes",
          Integer.toString(PROCESSES),
          "--session-max-memory-bytes",
          Long.toString(MEMORY));

  @BeforeEach
  void asRoot() {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "control groups are made when Berth runs as root");
  }

  @Test
  void aForkBombInOneSessionLeavesAnotherSessionsPipedEchoAnsweringWithinASecond()
      throws Exception {
    String bombed = Fixtures.session(server.http());
    Http other = server.http(TestServer.OTHER_KEY);
    String elsewhere = Fixtures.session(other);
    String beside = Fixtures.session(server.http());
    // Loops that fork for ever and keep what they started: bash retries a fork the kernel refuses,
    // so the session stays at its process cap (the first sleep keeps the command itself alive,
    // and wait needs no new process)
    var bomb =
        Commands.start(
            server.http(),
            bombed,
            Map.of(
                "command",
                List.of(
                    "bash",
                    "-c",
                    "exec 2>/dev/null; sleep 60 &"
                        + " for i in 1 2 3 4; do while :; do sleep 60 & done & done; wait"),
                "timeout_ms",
                30_000));
    try {
      // the server runs in this JVM: the bomb's processes, as the sandbox user, are below it
      Await.until(
          "the fork bomb is at its session's process cap",
          Duration.ofSeconds(20),
          () -> sandboxProcesses() >= PROCESSES - 8);

      for (int i = 0; i < 3; i++) {
        for (var target : List.of(Map.entry(other, elsewhere), Map.entry(server.http(), beside))) {
          long start = System.nanoTime();
          // through a pipe: a command that starts processes of its own, as most do
          var r = exec(target.getKey(), target.getValue(), "sh", "-c", "echo hi | cat");
          Duration took = Duration.ofNanos(System.nanoTime() - start);
          assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
          assertThat(r.json().get("exit_code").asInt()).as("%s", r.json()).isEqualTo(0);
          assertThat(r.json().get("stdout").asText()).isEqualTo("hi\n");
          assertThat(took).isLessThan(Duration.ofSeconds(1));
        }
      }
      assertThat(bomb).isNotDone();
    } finally {
      assertThat(server.http().delete("/v1/sessions/" + bombed).status()).isEqualTo(200);
      bomb.get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void aCommandPastItsSessionsMemoryIsKilledAndAnotherSessionRuns() {
    String greedy = Fixtures.session(server.http());
    String other = Fixtures.session(server.http());

    // tail keeps the last line whole, and /dev/zero has no newline: 200 MiB held in memory
    var killed = exec(server.http(), greedy, "sh", "-c", "head -c 200M /dev/zero | tail");

    assertThat(killed.status()).as("%s", killed.json()).isEqualTo(200);
    assertThat(killed.json().get("exit_code").asInt()).as("128 + SIGKILL").isEqualTo(137);
    assertThat(Commands.sh(server.http(), other, "echo fine")).isEqualTo("fine\n");
    assertThat(Commands.sh(server.http(), greedy, "head -c 20M /dev/zero | wc -c"))
        .isEqualTo("20971520\n");
  }

  @Test
  void aSessionsControlGroupsAreRemovedWhenTheSessionIsDeleted() throws Exception {
    String session = Fixtures.session(server.http());
    assertThat(Commands.sh(server.http(), session, "echo ran")).isEqualTo("ran\n");
    List<Path> groups = groupsOf(session);
    assertThat(groups).as("a group in each of pids, memory and cpu").hasSizeGreaterThanOrEqualTo(3);
    assertThat(groups).allMatch(g -> Files.exists(g.resolve("cgroup.procs")));

    assertThat(server.http().delete("/v1/sessions/" + session).status()).isEqualTo(200);

    Await.until(
        "the session's groups are removed",
        Duration.ofSeconds(5),
        () -> groups.stream().noneMatch(Files::exists));
  }

  /** Processes below this JVM that run as the sandbox's user. */
  static long sandboxProcesses() {
    return ProcessHandle.current()
        .descendants()
        .filter(p -> p.info().user().filter(u -> u.equals("nobody")).isPresent())
        .count();
  }

  /**
   * The directories of the session's control groups, in every hierarchy. Other servers on this
   * machine (tests running in other JVMs) make and remove their own groups while the tree is
   * walked, so a directory gone between its listing and its visit is skipped, not an error.
   */
  static List<Path> groupsOf(String session) {
    List<Path> found = new ArrayList<>();
    try {
      Files.walkFileTree(
          CGROUPS,
          Set.of(),
          8,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              if (dir.getFileName() != null && dir.getFileName().toString().equals(session)) {
                found.add(dir);
                return FileVisitResult.SKIP_SUBTREE;
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
              return skipIfGone(e);
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
              return e == null ? FileVisitResult.CONTINUE : skipIfGone(e);
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  private static FileVisitResult skipIfGone(IOException e) throws IOException {
    if (e instanceof NoSuchFileException) {
      return FileVisitResult.CONTINUE;
    }
    throw e;
  }
}
