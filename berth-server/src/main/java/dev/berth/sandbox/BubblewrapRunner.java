package dev.berth.sandbox;

import dev.berth.config.BerthConfig;
import dev.berth.error.OutOfDescriptors;
import dev.berth.sandbox.LocalSandboxHost.CommandDirs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands inside a session's sandbox with bubblewrap ({@code bwrap}).
 *
 * <p>Design note. What the sandbox is (its namespaces, filesystem, limits and the user the command
 * runs as) is the command line, built by {@link BwrapCommandLine}; this class starts the process,
 * feeds and reads it, and stops it. bubblewrap's options name host paths (the session's tree, the
 * data directory), and every process in the sandbox can read bubblewrap's command line as PID 1's,
 * so the options go to it in a file of their own, opened as a descriptor ({@link #LAUNCH}).
 *
 * <p>Ending a command ends everything it started. The command is not PID 1 of its namespace;
 * bubblewrap's init is, and when the command exits, the init exits and the kernel kills whatever is
 * left in the namespace (a background child, say). To stop a command early, Berth kills the outer
 * bubblewrap process and its descendants; the init has a parent-death signal ({@code
 * --die-with-parent}), so the namespace goes with it. That signal is tied to the <em>thread</em>
 * that forked bubblewrap: it fires when that thread exits, not the process. So every command is
 * started from one long-lived platform thread ({@link #launcher}); started from a request's virtual
 * thread, a command would be killed as soon as the carrier or the request moved on. If Berth itself
 * dies, the same signal kills every command at once. A session's next launcher may be started from
 * that thread before its command is known, to wait in the session's control groups ({@link
 * WaitingLaunchers}): it is started the same way, so the same holds for it.
 *
 * <p>The request's thread waits for the exit in slices of {@link #POLL}, and between slices checks
 * the wall-time limit, the output limit and the session's disk usage; the process's pipes are
 * {@link RunningCommand}'s.
 */
public final class BubblewrapRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BubblewrapRunner.class);

  /** How often a running command's limits are checked. */
  static final Duration POLL = Duration.ofMillis(200);

  /** The exit status of a command that could not enter its session's control group. */
  static final int NO_GROUP = 125;

  /**
   * Starts bubblewrap ({@code $0}) through {@code sh}, in three steps. First {@code sh} writes its
   * own pid into each of the {@code $2} {@code cgroup.procs} files that follow (the session's
   * control groups, {@link Cgroups}), so that bubblewrap and everything the command starts are
   * counted there from the start. Then it reads one line from its stdin: the path of the command's
   * script ({@link #writeScript}), which it sources to set {@code options}, the options file, and
   * the positional parameters, the chain inside the sandbox. Last it opens the options file as
   * descriptor 3 for {@code --args} and the system-call filter ({@code $1}, {@link SyscallFilter})
   * as descriptor 4 for {@code --seccomp}, and execs bubblewrap in its own place: the same process,
   * so {@code --die-with-parent} still watches the launcher thread. {@code sh} reads its stdin one
   * byte at a time from a pipe, so what follows the line is the command's stdin, untouched.
   *
   * <p>So a launcher can be started before its command is known and wait, already in the groups
   * ({@link WaitingLaunchers}); a command that finds none waiting starts one and writes the line at
   * once. A launcher whose stdin ends before the line (Berth stopped or died) exits. {@code PWD},
   * which {@code sh} would export to bubblewrap, names Berth's working directory, so it goes.
   */
  private static final String LAUNCH =
      "unset PWD; filter=$1 groups=$2; shift 2;"
          + " while [ \"$groups\" -gt 0 ]; do"
          + " { echo $$ > \"$1\"; } 2>/dev/null"
          + " || { echo 'berth: cannot put the command in its session'\\''s control group' >&2;"
          + " exit "
          + BubblewrapRunner.NO_GROUP
          + "; };"
          + " shift; groups=$((groups - 1)); done;"
          + " IFS= read -r script || exit 0; . \"$script\";"
          + " exec \"$0\" --args 3 --seccomp 4 \"$@\" 3<\"$options\" 4<\"$filter\"";

  /** Why a command stopped before it ended by itself. */
  public enum Stop {
    NONE,
    TIMEOUT,
    OUTPUT_LIMIT,
    DISK_QUOTA,
    /** The session was deleted, or this node let it go, while the command ran. */
    SESSION_REMOVED,
    SHUTDOWN
  }

  /**
   * One command to run.
   *
   * @param sessionId whose sandbox
   * @param argv the program and its arguments
   * @param stdin bytes for its standard input; empty closes it at once
   * @param env variables added to the sandbox's fixed environment
   * @param timeout wall time before it is stopped
   * @param dirs the session's tree
   * @param diskUsage what the session's outputs, workspace and read-write memory stores hold now
   */
  public record Command(
      String sessionId,
      List<String> argv,
      Optional<byte[]> stdin,
      Map<String, String> env,
      Duration timeout,
      CommandDirs dirs,
      Supplier<DiskSpace> diskUsage) {}

  /**
   * What a command did.
   *
   * @param exitCode its exit status (128 + signal when killed)
   * @param stdout what it wrote to stdout, decoded as UTF-8
   * @param stderr what it wrote to stderr, decoded as UTF-8
   * @param truncated whether output beyond the limit was dropped
   * @param stop why it was stopped early, or {@link Stop#NONE}
   * @param launcherWaited whether it ran in a launcher that was waiting for it ({@link
   *     WaitingLaunchers}), rather than one started with it
   */
  public record Result(
      int exitCode,
      String stdout,
      String stderr,
      boolean truncated,
      Duration duration,
      Stop stop,
      boolean launcherWaited) {}

  /** bubblewrap or a program the sandbox needs cannot be run on this machine. */
  public static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * bubblewrap could not be started this time (its options file not written, the process not
   * started, the probe stopped before it ended): nothing is known about this machine, and the next
   * command tries again. Running out of descriptors is {@link OutOfDescriptors} instead.
   */
  public static final class NotStarted extends RuntimeException {
    NotStarted(String message) {
      super(message, null, false, false);
    }
  }

  private final BerthConfig.Exec config;
  private final Optional<String> missing;
  private volatile Optional<String> unavailable; // null until the first probe
  private final String bwrap;
  private final boolean root;
  private final Path etc;
  private final Path launch;
  private final Path filter;
  private final BwrapCommandLine commandLine;
  private final Cgroups cgroups;
  private final ExecutorService launcher =
      Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().name("berth-exec-launcher").daemon().unstarted(r));
  private final WaitingLaunchers launchers;
  private final Map<String, Set<RunningCommand>> running = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param config the binary and the limits
   * @param dataDir Berth's data directory; the sandbox's generated {@code /etc} files live in
   *     {@code <dataDir>/sandbox-etc}, and bubblewrap's options for each running command in {@code
   *     <dataDir>/sandbox-launch}, outside every sandbox
   */
  public BubblewrapRunner(BerthConfig.Exec config, Path dataDir) {
    this(config, dataDir, WaitingLaunchers.IDLE, WaitingLaunchers.GIVE_WAY);
  }

  /**
   * @param idle how long a launcher started ahead waits for its session's next command
   * @param giveWay how long one must have waited before it gives way to another session's
   */
  BubblewrapRunner(BerthConfig.Exec config, Path dataDir, Duration idle, Duration giveWay) {
    this.config = config;
    this.root = isRoot();
    this.etc = dataDir.resolve("sandbox-etc");
    this.launch = dataDir.resolve("sandbox-launch");
    this.filter = launch.resolve("filter.bpf");
    Optional<Path> found = findExecutable(config.bwrap());
    this.bwrap = found.map(Path::toString).orElse(config.bwrap());
    this.cgroups = Cgroups.detect(dataDir, config, root);
    this.commandLine = new BwrapCommandLine(root, etc, config, cgroups.capsProcesses());
    this.launchers =
        new WaitingLaunchers(config.waitingLaunchers(), idle, giveWay, cgroups, this::spawn);
    Optional<byte[]> program = SyscallFilter.forThisMachine();
    this.missing =
        found.isEmpty()
            ? Optional.of(missing(config.bwrap()))
            : missingHelper()
                .or(() -> program.isEmpty() ? Optional.of(noFilter()) : Optional.empty());
    missing.ifPresent(reason -> log.warn("commands cannot run in sandboxes: {}", reason));
    if (missing.isEmpty()) {
      writeEtc(root ? BwrapCommandLine.NOBODY : BwrapCommandLine.USERNS_ID);
      emptyLaunch(program.orElseThrow());
    }
  }

  /**
   * Why commands cannot run here, if they cannot: a program is missing, or (found by running {@code
   * true} in an empty sandbox the first time this is asked) bubblewrap cannot make its namespaces
   * here, as in a container that forbids them.
   *
   * <p>Only a verdict that stays true is kept: a program missing, or bubblewrap run and refused its
   * namespaces. A probe that could not run bubblewrap at all (no descriptor left, the options file
   * not written, the process not started) says nothing about this machine, so it is thrown ({@link
   * OutOfDescriptors} when descriptors ran out, else {@link NotStarted}) and the next command
   * probes again.
   */
  public Optional<String> unavailable() {
    if (missing.isPresent()) {
      return missing;
    }
    Optional<String> known = unavailable;
    if (known == null) {
      synchronized (this) {
        if (unavailable == null) {
          unavailable = probe();
          unavailable.ifPresent(reason -> log.warn("commands cannot run in sandboxes: {}", reason));
        }
        known = unavailable;
      }
    }
    return known;
  }

  private Optional<String> probe() {
    Path dir = etc.resolve("probe");
    var dirs =
        new CommandDirs(
            dir.resolve("uploads"), dir.resolve("outputs"), dir.resolve("workspace"), List.of());
    try {
      for (Path p : List.of(dirs.uploads(), dirs.outputs(), dirs.workspace())) {
        Files.createDirectories(p);
      }
    } catch (IOException e) {
      throw launchFailure("cannot prepare the sandbox probe in " + dir, e);
    }
    Result r =
        start(
            false,
            new Command(
                "probe",
                List.of("true"),
                Optional.empty(),
                Map.of(),
                Duration.ofSeconds(10),
                dirs,
                () -> new DiskSpace(0, false)));
    if (r.exitCode() == 0) {
      return Optional.empty();
    }
    String reason =
        "bubblewrap cannot make a sandbox here (exit " + r.exitCode() + "): " + r.stderr().strip();
    if (r.stop() != Stop.NONE || OutOfDescriptors.describedIn(r.stderr())) {
      // stopped (a shutdown, the time limit) or short of descriptors: nothing known yet
      throw new NotStarted(reason);
    }
    return Optional.of(reason);
  }

  /**
   * A command could not be started for {@code e}: {@link OutOfDescriptors} when descriptors ran
   * out, else {@link NotStarted}.
   */
  private static RuntimeException launchFailure(String what, Throwable e) {
    return OutOfDescriptors.orElse(what, e, () -> new NotStarted(what + ": " + e.getMessage()));
  }

  /** The uid and gid that must own outputs and workspace, when commands run as another user. */
  public OptionalInt owner() {
    return root ? OptionalInt.of(BwrapCommandLine.NOBODY) : OptionalInt.empty();
  }

  /** Runs one command to its end or its limit. */
  public Result run(Command command) {
    unavailable()
        .ifPresent(
            reason -> {
              throw new Unavailable(reason);
            });
    return start(true, command);
  }

  /**
   * @param grouped whether the command runs in its session's control groups (the probe, which
   *     belongs to no session, does not)
   */
  private Result start(boolean grouped, Command command) {
    if (closed) {
      return new Result(-1, "", "", false, Duration.ZERO, Stop.SHUTDOWN, false);
    }
    BwrapCommandLine.Line line = commandLine.of(command);
    if (!grouped) {
      return start(command, line, Optional.empty(), List.of());
    }
    String sessionId = command.sessionId();
    Optional<WaitingLaunchers.Launcher> ahead = launchers.take(sessionId);
    try {
      // a launcher started ahead entered the groups already; the command inherits that use
      List<Path> groups = ahead.isPresent() ? ahead.get().groups() : cgroups.enter(sessionId);
      try {
        return start(command, line, ahead, groups);
      } finally {
        cgroups.leave(sessionId);
      }
    } finally {
      ahead.ifPresent(WaitingLaunchers.Launcher::abandon);
      launchers.finished(sessionId);
    }
  }

  private Result start(
      Command command,
      BwrapCommandLine.Line line,
      Optional<WaitingLaunchers.Launcher> ahead,
      List<Path> groups) {
    Path options = writeOptions(line.options());
    try {
      Path script = writeScript(options, line.chain());
      try {
        return start(command, script, ahead, groups);
      } finally {
        delete(script);
      }
    } finally {
      delete(options);
    }
  }

  private Result start(
      Command command, Path script, Optional<WaitingLaunchers.Launcher> ahead, List<Path> groups) {
    DiskSpace usageAtStart = command.diskUsage().get();
    long started = System.nanoTime();
    Optional<Process> waiting = ahead.flatMap(WaitingLaunchers.Launcher::ready);
    Process process;
    if (waiting.isPresent()) {
      process = waiting.get();
    } else {
      try {
        process = spawn(groups).get();
      } catch (ExecutionException e) {
        throw launchFailure("cannot start " + bwrap, Objects.requireNonNullElse(e.getCause(), e));
      } catch (RejectedExecutionException e) { // closed since the check above
        return new Result(-1, "", "", false, Duration.ZERO, Stop.SHUTDOWN, false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting a command", e);
      }
    }
    go(process, script);
    var run = new RunningCommand(process, config.maxOutputBytes());
    running.computeIfAbsent(command.sessionId(), s -> ConcurrentHashMap.newKeySet()).add(run);
    try {
      if (closed) { // close() ran between the check above and the registration
        run.stop(Stop.SHUTDOWN);
      }
      run.feed(command.stdin());
      long deadline = started + command.timeout().toNanos();
      // once stopped, the slices stay whole: the kill takes effect within one
      while (!waitFor(process, run.stop == Stop.NONE ? until(deadline) : POLL.toNanos())) {
        if (System.nanoTime() >= deadline) {
          run.stop(Stop.TIMEOUT);
        } else if (overQuota(command, usageAtStart)) {
          run.stop(Stop.DISK_QUOTA);
        }
      }
      Duration duration = Duration.ofNanos(System.nanoTime() - started);
      if (run.stop == Stop.NONE && overQuota(command, usageAtStart)) {
        run.stop(Stop.DISK_QUOTA); // a file that hit the size limit ended the command
      }
      run.drain();
      return new Result(
          process.exitValue(),
          new String(run.stdout.bytes(), StandardCharsets.UTF_8),
          new String(run.stderr.bytes(), StandardCharsets.UTF_8),
          run.stdout.overflowed() || run.stderr.overflowed(),
          duration,
          run.stop,
          waiting.isPresent());
    } finally {
      if (process.isAlive()) {
        run.kill(); // the request's thread was interrupted, or something above failed
      }
      running.computeIfPresent(
          command.sessionId(),
          (s, set) -> {
            set.remove(run);
            return set.isEmpty() ? null : set;
          });
    }
  }

  /** How many launchers wait for their session's next command now. */
  public int waitingLaunchers() {
    return launchers.count();
  }

  /** The launcher waiting for the session's next command, if one waits (for tests). */
  Optional<ProcessHandle> waitingLauncher(String sessionId) {
    return launchers.waitingFor(sessionId);
  }

  /**
   * Stops every command running in the session (it is being deleted or moving away); its control
   * groups go once they have ended.
   */
  public void stopAll(String sessionId) {
    launchers.release(sessionId);
    for (RunningCommand run : running.getOrDefault(sessionId, Set.of())) {
      run.stop(Stop.SESSION_REMOVED);
    }
    cgroups.release(sessionId);
  }

  /** Stops every running command and the launcher. */
  @Override
  public void close() {
    closed = true;
    for (var set : running.values()) {
      for (RunningCommand run : set) {
        run.stop(Stop.SHUTDOWN);
      }
    }
    launchers.close();
    launcher.shutdown();
    cgroups.close();
  }

  private static long until(long deadline) {
    return Math.min(POLL.toNanos(), deadline - System.nanoTime());
  }

  private boolean overQuota(Command command, DiskSpace usageAtStart) {
    DiskSpace usage;
    try {
      usage = command.diskUsage().get();
    } catch (UncheckedIOException | OutOfDescriptors e) {
      log.warn("cannot measure the disk usage of session {}", command.sessionId(), e);
      return false;
    }
    // A session already over (say, after the quota was lowered) may still run commands that
    // free space; only growth beyond the quota stops one.
    return usage.full() && usage.usedBytes() > usageAtStart.usedBytes();
  }

  private static boolean waitFor(Process process, long nanos) {
    try {
      return process.waitFor(Math.max(nanos, 0), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while a command ran", e);
    }
  }

  /** bubblewrap's options, NUL-separated for {@code --args}, in a file only Berth can read. */
  private Path writeOptions(List<String> options) {
    var bytes = new ByteArrayOutputStream();
    for (String option : options) {
      bytes.writeBytes(option.getBytes(StandardCharsets.UTF_8));
      bytes.write(0);
    }
    return writeLaunchFile("options-", "", bytes.toByteArray(), "bubblewrap's options");
  }

  /**
   * The script a launcher sources ({@link #LAUNCH}): the options file, and the chain as positional
   * parameters, each word single-quoted. Written as UTF-8, so a word reaches the command as the
   * request gave it whatever this JVM's locale.
   */
  private Path writeScript(Path options, List<String> chain) {
    var text = new StringBuilder("options=").append(quoted(options.toString())).append("\nset --");
    chain.forEach(word -> text.append(' ').append(quoted(word)));
    text.append('\n');
    return writeLaunchFile(
        "command-", ".sh", text.toString().getBytes(StandardCharsets.UTF_8), "a command's script");
  }

  /**
   * A new file of {@code bytes} in the options directory, only Berth can read; {@code what} it is.
   */
  private Path writeLaunchFile(String prefix, String suffix, byte[] bytes, String what) {
    try {
      Path file = Files.createTempFile(launch, prefix, suffix);
      Files.write(file, bytes);
      return file;
    } catch (IOException e) {
      throw launchFailure("cannot write " + what + " in " + launch, e);
    }
  }

  /** {@code word} as one word to {@code sh}, whatever it holds (never NUL: requests cannot). */
  static String quoted(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }

  /**
   * Starts a launcher ({@link #LAUNCH}) that enters {@code groups} and waits for its command, from
   * the launcher thread.
   */
  private Future<Process> spawn(List<Path> groups) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "/bin/sh",
                "-c",
                LAUNCH,
                bwrap,
                filter.toString(),
                Integer.toString(groups.size())));
    groups.forEach(group -> argv.add(group.toString()));
    var builder = new ProcessBuilder(argv);
    builder.environment().clear();
    return launcher.submit(builder::start);
  }

  /**
   * Tells the launcher its command. A launcher already gone (it could not enter the groups, or was
   * killed) is not an error here: its exit status and stderr say why.
   */
  private static void go(Process process, Path script) {
    try {
      OutputStream in = process.getOutputStream();
      in.write((script + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    } catch (IOException e) {
      log.debug("a launcher exited before its command was given: {}", e.getMessage());
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("cannot remove {}", file, e);
    }
  }

  /**
   * Creates the directory of the options files, private to Berth, without any left by a crash, and
   * writes the system-call filter in it.
   */
  private void emptyLaunch(byte[] program) {
    try {
      Files.createDirectories(launch);
      Files.setPosixFilePermissions(launch, PosixFilePermissions.fromString("rwx------"));
      try (Stream<Path> left = Files.list(launch)) {
        for (Path file : left.toList()) {
          Files.deleteIfExists(file);
        }
      }
      Files.write(filter, program);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + launch, e);
    }
  }

  /** The minimal {@code /etc} files: two accounts and two groups, root and the sandbox user. */
  private void writeEtc(int id) {
    try {
      Files.createDirectories(etc);
      write(
          "passwd",
          "root:x:0:0:root:/root:/bin/sh\nsandbox:x:%d:%d:sandbox:/workspace:/bin/sh\n",
          id);
      write("group", "root:x:0:\nsandbox:x:%d:\n", id);
      write("hosts", "127.0.0.1 localhost\n::1 localhost\n127.0.1.1 sandbox\n", id);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the sandbox's /etc files in " + etc, e);
    }
  }

  private void write(String name, String format, int id) throws IOException {
    String content = String.format(Locale.ROOT, format, id, id);
    Path file = etc.resolve(name);
    if (Files.exists(file) && Files.readString(file).equals(content)) {
      return;
    }
    Path temp = etc.resolve(name + ".tmp");
    Files.writeString(temp, content, StandardCharsets.UTF_8);
    Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private Optional<String> missingHelper() {
    for (String helper : commandLine.helpers()) {
      if (!Files.isExecutable(Path.of(helper))) {
        return Optional.of(
            helper
                + " is missing; commands in sandboxes need coreutils and util-linux"
                + " (apt-get install coreutils util-linux)");
      }
    }
    return Optional.empty();
  }

  private static String noFilter() {
    return "the sandbox's system-call filter is built for x86_64 and aarch64 only, not for "
        + System.getProperty("os.arch");
  }

  private static String missing(String bwrap) {
    return "bubblewrap ('"
        + bwrap
        + "') was not found; install it to run commands in sessions (Debian and Ubuntu:"
        + " apt-get install bubblewrap) or point --exec-bwrap at it";
  }

  /** A name looked up on the PATH, or a path; empty when nothing executable is there. */
  static Optional<Path> findExecutable(String name) {
    if (name.contains("/")) {
      Path path = Path.of(name).toAbsolutePath();
      return Files.isRegularFile(path) && Files.isExecutable(path)
          ? Optional.of(path)
          : Optional.empty();
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : path.split(":", -1)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toAbsolutePath());
      }
    }
    return Optional.empty();
  }

  /** Whether Berth runs as root: the owner of {@code /proc/self} is the effective uid. */
  static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
