package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.cli.ServeCommand;
import dev.berth.config.BerthConfig;
import dev.berth.sandbox.BubblewrapRunner.Command;
import dev.berth.sandbox.BubblewrapRunner.Result;
import dev.berth.sandbox.LocalSandboxHost.CommandDirs;
import dev.berth.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A launcher started ahead waits in a session's control groups for its next command, runs it as any
 * launcher would, and goes when its session, the server or the time it may wait does.
 */
class WaitingLaunchersTest {
  static final Duration LONG = Duration.ofHours(1);

  @TempDir Path dataDir;

  @BeforeEach
  void bubblewrapRunsHere() {
    try (var runner = runner(1, LONG, LONG)) {
      assumeTrue(runner.unavailable().isEmpty(), "bubblewrap cannot make sandboxes here");
    }
  }

  BubblewrapRunner runner(int waiting, Duration idle, Duration giveWay) {
    BerthConfig.Exec config =
        ServeCommand.config(
                List.of(
                    "--exec-waiting-launchers",
                    Integer.toString(waiting),
                    "--session-disk-mechanism",
                    "walk"),
                Map.of())
            .exec();
    return new BubblewrapRunner(config, dataDir, idle, giveWay);
  }

  Command command(String session, List<String> argv, byte[] stdin) {
    Path tree = dataDir.resolve("trees").resolve(session);
    var dirs =
        new CommandDirs(
            tree.resolve("uploads"), tree.resolve("outputs"), tree.resolve("workspace"), List.of());
    try {
      for (Path dir : List.of(dirs.uploads(), dirs.outputs(), dirs.workspace())) {
        Files.createDirectories(dir);
      }
      // commands leave marks in the workspace, whichever user they run as
      Files.setPosixFilePermissions(
          dirs.workspace(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Command(
        session,
        argv,
        stdin.length == 0 ? Optional.empty() : Optional.of(stdin),
        Map.of(),
        Duration.ofSeconds(20),
        dirs,
        () -> new DiskSpace(0, false));
  }

  Command command(String session, String... argv) {
    return command(session, List.of(argv), new byte[0]);
  }

  static void assertRan(Result r) {
    assertThat(r.exitCode()).as("exit status; stderr: %s", r.stderr()).isZero();
  }

  ProcessHandle waiting(BubblewrapRunner runner, String session) {
    return runner
        .waitingLauncher(session)
        .orElseThrow(() -> new AssertionError("no launcher waits for " + session));
  }

  @Test
  void theNextCommandRunsInTheLauncherThatWaitedInTheSessionsGroups() throws Exception {
    try (var runner = runner(4, LONG, LONG)) {
      assertThat(runner.waitingLauncher("s1")).as("before any command").isEmpty();
      assertRan(runner.run(command("s1", "true")));
      ProcessHandle launcher = waiting(runner, "s1");
      assertThat(isBwrap(launcher)).as("bubblewrap before its command").isFalse();
      awaitInGroups(launcher, "s1");
      Path workspace = dataDir.resolve("trees/s1/workspace");

      var next =
          inThread(
              () ->
                  runner.run(
                      command(
                          "s1", "sh", "-c", "while [ ! -e /workspace/go ]; do sleep 0.01; done")));
      Await.until(
          "the waiting launcher became the command's bubblewrap",
          Duration.ofSeconds(10),
          () -> launcher.info().command().filter(c -> c.endsWith("/bwrap")).isPresent());
      assertThat(runner.waitingLauncher("s1")).as("while the session runs a command").isEmpty();
      Files.createFile(workspace.resolve("go"));
      assertRan(next.get(20, TimeUnit.SECONDS));

      assertThat(launcher.isAlive()).as("the launcher ended with its command").isFalse();
      assertThat(waiting(runner, "s1").pid()).as("a new one waits").isNotEqualTo(launcher.pid());
    }
  }

  @Test
  void argumentsAndStdinReachTheCommandExactlyWhetherItsLauncherWaitedOrNot() {
    List<String> words =
        List.of(
            "it's",
            "\"quoted\"",
            "$(echo substituted)",
            "`echo substituted`",
            "$HOME",
            "two\nlines",
            "back\\slash",
            "  spaced  ",
            "",
            "*",
            "-n",
            "--",
            "héllo ✓");
    List<String> argv = new ArrayList<>(List.of("sh", "-c", "printf '[%s]' \"$@\"; cat", "sh"));
    argv.addAll(words);
    // a first line that names a file, as the launcher's own line does, then bytes that are no text
    byte[] stdin = "/etc/passwd\nsecond line\n\u0001\u00ff".getBytes(StandardCharsets.UTF_8);
    var expected = new StringBuilder();
    words.forEach(w -> expected.append('[').append(w).append(']'));
    expected.append(new String(stdin, StandardCharsets.UTF_8));
    try (var runner = runner(4, LONG, LONG)) {
      Result cold = runner.run(command("s1", argv, stdin));
      assertThat(runner.waitingLauncher("s1")).isPresent();
      Result ahead = runner.run(command("s1", argv, stdin));

      for (Result r : List.of(cold, ahead)) {
        assertRan(r);
        assertThat(r.stdout()).isEqualTo(expected.toString());
      }
    }
  }

  @Test
  void stoppingTheSessionsCommandsStopsItsWaitingLauncherAndRemovesItsGroups() throws Exception {
    try (var runner = runner(4, LONG, LONG)) {
      assertRan(runner.run(command("s1", "true")));
      ProcessHandle launcher = waiting(runner, "s1");
      awaitInGroups(launcher, "s1");
      List<String> groups = groupsOf(launcher);

      runner.stopAll("s1");

      assertThat(launcher.isAlive()).isFalse();
      assertThat(runner.waitingLauncher("s1")).isEmpty();
      assertThat(groups).as("the session's groups").noneMatch(g -> Files.exists(Path.of(g)));
    }
  }

  @Test
  void noLauncherStartsForASessionStoppedWhileItsCommandRan() throws Exception {
    try (var runner = runner(4, LONG, LONG)) {
      var running =
          inThread(
              () -> runner.run(command("s1", "sh", "-c", "touch /workspace/started; sleep 20")));
      Path started = dataDir.resolve("trees/s1/workspace/started");
      Await.until("the command runs", Duration.ofSeconds(10), () -> Files.exists(started));

      runner.stopAll("s1");

      assertThat(running.get(20, TimeUnit.SECONDS).stop())
          .isEqualTo(BubblewrapRunner.Stop.SESSION_REMOVED);
      assertThat(runner.waitingLauncher("s1")).isEmpty();
      assertRan(runner.run(command("s1", "true")));
      assertThat(runner.waitingLauncher("s1")).as("after its next command").isPresent();
    }
  }

  @Test
  void aLauncherUnusedForTheIdleTimeIsStopped() throws Exception {
    try (var runner = runner(4, Duration.ofMillis(200), LONG)) {
      assertRan(runner.run(command("s1", "true")));
      ProcessHandle launcher = waiting(runner, "s1");

      launcher.onExit().get(10, TimeUnit.SECONDS);

      assertThat(runner.waitingLauncher("s1")).isEmpty();
      assertRan(runner.run(command("s1", "true")));
    }
  }

  @Test
  void withEveryLauncherTakenOneThatHasNotWaitedLongEnoughKeepsItsPlace() {
    try (var runner = runner(1, LONG, LONG)) {
      assertRan(runner.run(command("s1", "true")));
      ProcessHandle first = waiting(runner, "s1");

      assertRan(runner.run(command("s2", "true")));

      assertThat(runner.waitingLauncher("s2")).isEmpty();
      assertThat(waiting(runner, "s1")).isEqualTo(first);
      assertThat(first.isAlive()).isTrue();
    }
  }

  @Test
  void withEveryLauncherTakenOneThatHasWaitedLongEnoughGivesWay() throws Exception {
    try (var runner = runner(1, LONG, Duration.ZERO)) {
      assertRan(runner.run(command("s1", "true")));
      ProcessHandle first = waiting(runner, "s1");

      assertRan(runner.run(command("s2", "true")));

      assertThat(runner.waitingLauncher("s2")).isPresent();
      assertThat(runner.waitingLauncher("s1")).isEmpty();
      first.onExit().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void commandsSideBySideLeaveOneLauncherOnceTheLastHasEnded() throws Exception {
    try (var runner = runner(4, LONG, LONG)) {
      Path workspace = dataDir.resolve("trees/s1/workspace");
      String[] waitForGo = {
        "sh", "-c", "touch /workspace/1; while [ ! -e /workspace/go ]; do sleep 0.01; done"
      };
      String[] waitForDone = {
        "sh", "-c", "touch /workspace/2; while [ ! -e /workspace/done ]; do sleep 0.01; done"
      };
      var first = inThread(() -> runner.run(command("s1", waitForGo)));
      var second = inThread(() -> runner.run(command("s1", waitForDone)));
      Await.until(
          "both commands run",
          Duration.ofSeconds(10),
          () -> {
            if (first.isDone() || second.isDone()) {
              throw new AssertionError(
                  "a command ended early: " + first.getNow(null) + " " + second.getNow(null));
            }
            return Files.exists(workspace.resolve("1")) && Files.exists(workspace.resolve("2"));
          });

      Files.createFile(workspace.resolve("go"));
      assertRan(first.get(20, TimeUnit.SECONDS));
      assertThat(runner.waitingLauncher("s1")).as("while the second still runs").isEmpty();

      Files.createFile(workspace.resolve("done"));
      assertRan(second.get(20, TimeUnit.SECONDS));
      assertThat(runner.waitingLauncher("s1")).as("once both have ended").isPresent();
    }
  }

  @Test
  void aWaitingLauncherKilledFromOutsideIsReplacedByOneTheCommandStarts() throws Exception {
    try (var runner = runner(4, LONG, LONG)) {
      assertRan(runner.run(command("s1", "true")));
      ProcessHandle launcher = waiting(runner, "s1");
      launcher.destroyForcibly();
      launcher.onExit().get(10, TimeUnit.SECONDS);

      Result r = runner.run(command("s1", "echo", "ran"));

      assertRan(r);
      assertThat(r.stdout()).isEqualTo("ran\n");
    }
  }

  @Test
  void aLauncherTakenByACommandThatFailedBeforeStartingIsStopped() throws Exception {
    try (var runner = runner(4, LONG, LONG)) {
      assertRan(runner.run(command("s1", "true")));
      ProcessHandle launcher = waiting(runner, "s1");
      Command failing = command("s1", "true");
      Command unmeasurable =
          new Command(
              failing.sessionId(),
              failing.argv(),
              failing.stdin(),
              failing.env(),
              failing.timeout(),
              failing.dirs(),
              () -> {
                throw new UncheckedIOException(new IOException("disk usage unknown"));
              });

      assertThatThrownBy(() -> runner.run(unmeasurable)).hasMessageContaining("disk usage unknown");

      launcher.onExit().get(10, TimeUnit.SECONDS);
      assertThat(waiting(runner, "s1").pid()).isNotEqualTo(launcher.pid());
    }
  }

  @Test
  void closingTheRunnerStopsEveryWaitingLauncher() {
    var runner = runner(4, LONG, LONG);
    assertRan(runner.run(command("s1", "true")));
    assertRan(runner.run(command("s2", "true")));
    List<ProcessHandle> launchers = List.of(waiting(runner, "s1"), waiting(runner, "s2"));

    runner.close();

    assertThat(launchers).noneMatch(ProcessHandle::isAlive);
  }

  @Test
  void noLauncherWaitsWhenNoneMay() {
    try (var runner = runner(0, LONG, LONG)) {
      assertRan(runner.run(command("s1", "true")));
      assertRan(runner.run(command("s1", "true")));

      assertThat(runner.waitingLauncher("s1")).isEmpty();
      // every launcher names the system-call filter in this data directory
      assertThat(ProcessHandle.current().descendants())
          .as("processes of this runner left running")
          .noneMatch(
              p ->
                  p.info().arguments().stream()
                      .flatMap(java.util.Arrays::stream)
                      .anyMatch(a -> a.startsWith(dataDir.toString())));
    }
  }

  /** {@code work} on a thread of its own: the common pool may have only one on this machine. */
  static <T> CompletableFuture<T> inThread(java.util.function.Supplier<T> work) {
    var result = new CompletableFuture<T>();
    Thread.ofPlatform()
        .start(
            () -> {
              try {
                result.complete(work.get());
              } catch (RuntimeException | AssertionError e) {
                result.completeExceptionally(e);
              }
            });
    return result;
  }

  /** Waits until the launcher has entered its session's groups, where there are groups. */
  static void awaitInGroups(ProcessHandle launcher, String session) throws InterruptedException {
    if (BubblewrapRunner.isRoot()) {
      Await.until(
          "the launcher is in the session's group of each of pids, memory and cpu",
          Duration.ofSeconds(10),
          () -> groupsOf(launcher).stream().filter(g -> g.endsWith("/" + session)).count() >= 3);
    }
  }

  static boolean isBwrap(ProcessHandle p) {
    return p.info().command().filter(c -> c.endsWith("/bwrap")).isPresent();
  }

  /** The directories of the groups the process is in, below Berth's (none without them). */
  static List<String> groupsOf(ProcessHandle p) {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/" + p.pid() + "/cgroup"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> dirs = new ArrayList<>();
    for (String line : lines) {
      String[] parts = line.split(":", 3);
      if (parts[2].contains("/berth-")) {
        String hierarchy = parts[1].isEmpty() ? "" : parts[1].split(",", -1)[0];
        dirs.add("/sys/fs/cgroup/" + hierarchy + parts[2]);
      }
    }
    return dirs;
  }
}
