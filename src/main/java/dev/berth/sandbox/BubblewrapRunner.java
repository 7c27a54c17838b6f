package dev.berth.sandbox;

import dev.berth.config.BerthConfig;
import dev.berth.sandbox.LocalSandboxHost.CommandDirs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands inside a session's sandbox with bubblewrap ({@code bwrap}).
 *
 * <p>Design note. The sandbox is a new mount, PID, network, IPC, UTS (and, where possible, cgroup)
 * namespace whose root is an empty tmpfs made read-only once built. The host's {@code /usr} (and
 * the {@code /bin}, {@code /lib}… links or directories beside it) and the few {@code /etc} files
 * the dynamic loader needs are bound read-only; {@code /etc/passwd}, {@code /etc/group} and {@code
 * /etc/hosts} are Berth's own minimal files. The session's tree gives three binds: uploads
 * read-only at {@code /mnt/session/uploads} (so a write, chmod, rename or unlink there fails with
 * EROFS whatever the file modes say), outputs and {@code /workspace} writable. Binding the uploads
 * directory, which Berth never replaces while the session lives, is what lets a running command see
 * resources added or deleted after it started.
 *
 * <p>Inside, a chain of small programs execs into the command: {@code timeout -s KILL} (a backstop
 * that ends everything a little after the limit even if Berth is gone), {@code prlimit --fsize} (no
 * single file beyond the disk quota), then, when Berth runs as root, {@code setpriv} dropping to
 * uid and gid 65534 with no groups, no capabilities (bounding set included) and no new privileges,
 * and last {@code env} applying the request's variables. They come after the drop on purpose: a
 * variable such as {@code LD_PRELOAD} must never reach a program that still holds root. When Berth
 * is not root, bubblewrap makes a user namespace instead and the command runs as uid 1000 there.
 *
 * <p>Ending a command ends everything it started. The command is not PID 1 of its namespace;
 * bubblewrap's init is, and when the command exits, the init exits and the kernel kills whatever is
 * left in the namespace (a background child, say). To stop a command early, Berth kills the outer
 * bubblewrap process and its descendants; the init has a parent-death signal ({@code
 * --die-with-parent}), so the namespace goes with it. That signal is tied to the <em>thread</em>
 * that forked bubblewrap: it fires when that thread exits, not the process. So every command is
 * started from one long-lived platform thread ({@link #launcher}); started from a request's virtual
 * thread, a command would be killed as soon as the carrier or the request moved on. If Berth itself
 * dies, the same signal kills every command at once.
 *
 * <p>stdout and stderr are read on threads of their own and stdin written on a third, so no pipe
 * can fill and block the other side. The request's thread waits for the exit in slices of {@link
 * #POLL}, and between slices checks the wall-time limit, the output limit and the session's disk
 * usage.
 */
public final class BubblewrapRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BubblewrapRunner.class);

  /** How often a running command's limits are checked. */
  static final Duration POLL = Duration.ofMillis(200);

  /** How long after its limit the in-sandbox {@code timeout} kills a command Berth lost. */
  private static final Duration BACKSTOP_GRACE = Duration.ofSeconds(5);

  /** The unprivileged user commands run as when Berth is root. */
  private static final int NOBODY = 65534;

  /** The user (in its own user namespace) commands run as when Berth is not root. */
  private static final int USERNS_ID = 1000;

  private static final long TMP_BYTES = 64L * 1024 * 1024;
  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final List<String> HELPERS =
      List.of("/usr/bin/timeout", "/usr/bin/prlimit", "/usr/bin/env");
  private static final String SETPRIV = "/usr/bin/setpriv";

  /** Host files the dynamic loader and common tools need, bound read-only when present. */
  private static final List<String> HOST_ETC =
      List.of(
          "/etc/ld.so.cache",
          "/etc/ld.so.conf",
          "/etc/ld.so.conf.d",
          "/etc/alternatives",
          "/etc/nsswitch.conf",
          "/etc/localtime");

  /** Top-level host entries that hold programs and libraries: links or directories. */
  private static final List<String> HOST_SYSTEM =
      List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");

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
   * @param diskUsage bytes the session's outputs and workspace hold now
   */
  public record Command(
      String sessionId,
      List<String> argv,
      Optional<byte[]> stdin,
      Map<String, String> env,
      Duration timeout,
      CommandDirs dirs,
      LongSupplier diskUsage) {}

  /**
   * What a command did.
   *
   * @param exitCode its exit status (128 + signal when killed)
   * @param stdout what it wrote to stdout, decoded as UTF-8
   * @param stderr what it wrote to stderr, decoded as UTF-8
   * @param truncated whether output beyond the limit was dropped
   * @param stop why it was stopped early, or {@link Stop#NONE}
   */
  public record Result(
      int exitCode,
      String stdout,
      String stderr,
      boolean truncated,
      Duration duration,
      Stop stop) {}

  /** bubblewrap or a program the sandbox needs cannot be run on this machine. */
  public static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message, null, false, false);
    }
  }

  private final BerthConfig.Exec config;
  private final Optional<String> missing;
  private volatile Optional<String> unavailable; // null until the first probe
  private final String bwrap;
  private final boolean root;
  private final Path etc;
  private final ExecutorService launcher =
      Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().name("berth-exec-launcher").daemon().unstarted(r));
  private final Map<String, Set<Running>> running = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param config the binary and the limits
   * @param dataDir Berth's data directory; the sandbox's generated {@code /etc} files live in
   *     {@code <dataDir>/sandbox-etc}, outside every sandbox
   */
  public BubblewrapRunner(BerthConfig.Exec config, Path dataDir) {
    this.config = config;
    this.root = isRoot();
    this.etc = dataDir.resolve("sandbox-etc");
    Optional<Path> found = findExecutable(config.bwrap());
    this.bwrap = found.map(Path::toString).orElse(config.bwrap());
    this.missing = found.isEmpty() ? Optional.of(missing(config.bwrap())) : missingHelper();
    missing.ifPresent(reason -> log.warn("commands cannot run in sandboxes: {}", reason));
    if (missing.isEmpty()) {
      writeEtc(root ? NOBODY : USERNS_ID);
    }
  }

  /**
   * Why commands cannot run here, if they cannot: a program is missing, or (found by running {@code
   * true} in an empty sandbox the first time this is asked) bubblewrap cannot make its namespaces
   * here, as in a container that forbids them.
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
    try {
      Path dir = etc.resolve("probe");
      var dirs =
          new CommandDirs(dir.resolve("uploads"), dir.resolve("outputs"), dir.resolve("workspace"));
      for (Path p : List.of(dirs.uploads(), dirs.outputs(), dirs.workspace())) {
        Files.createDirectories(p);
      }
      Result r =
          start(
              new Command(
                  "probe",
                  List.of("true"),
                  Optional.empty(),
                  Map.of(),
                  Duration.ofSeconds(10),
                  dirs,
                  () -> 0));
      if (r.exitCode() == 0) {
        return Optional.empty();
      }
      return Optional.of(
          "bubblewrap cannot make a sandbox here (exit "
              + r.exitCode()
              + "): "
              + r.stderr().strip());
    } catch (IOException | Unavailable e) {
      return Optional.of("bubblewrap cannot make a sandbox here: " + e.getMessage());
    }
  }

  /** The uid and gid that must own outputs and workspace, when commands run as another user. */
  public OptionalInt owner() {
    return root ? OptionalInt.of(NOBODY) : OptionalInt.empty();
  }

  /** Runs one command to its end or its limit. */
  public Result run(Command command) {
    unavailable()
        .ifPresent(
            reason -> {
              throw new Unavailable(reason);
            });
    return start(command);
  }

  private Result start(Command command) {
    if (closed) {
      return new Result(-1, "", "", false, Duration.ZERO, Stop.SHUTDOWN);
    }
    long usageAtStart = command.diskUsage().getAsLong();
    var builder = new ProcessBuilder(commandLine(command));
    builder.environment().clear();
    long started = System.nanoTime();
    Process process;
    try {
      process = launcher.submit(builder::start).get();
    } catch (ExecutionException e) {
      throw new Unavailable("cannot start " + bwrap + ": " + e.getCause().getMessage());
    } catch (RejectedExecutionException e) { // closed since the check above
      return new Result(-1, "", "", false, Duration.ZERO, Stop.SHUTDOWN);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting a command", e);
    }
    var run = new Running(process, config.maxOutputBytes());
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
          run.stop);
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

  /** Stops every command running in the session (it is being deleted or moving away). */
  public void stopAll(String sessionId) {
    for (Running run : running.getOrDefault(sessionId, Set.of())) {
      run.stop(Stop.SESSION_REMOVED);
    }
  }

  /** Stops every running command and the launcher. */
  @Override
  public void close() {
    closed = true;
    for (var set : running.values()) {
      for (Running run : set) {
        run.stop(Stop.SHUTDOWN);
      }
    }
    launcher.shutdown();
  }

  private static long until(long deadline) {
    return Math.min(POLL.toNanos(), deadline - System.nanoTime());
  }

  private boolean overQuota(Command command, long usageAtStart) {
    long usage;
    try {
      usage = command.diskUsage().getAsLong();
    } catch (UncheckedIOException e) {
      log.warn("cannot measure the disk usage of session {}", command.sessionId(), e);
      return false;
    }
    // A session already over (say, after the quota was lowered) may still run commands that
    // free space; only growth beyond the quota stops one.
    return usage > config.diskQuotaBytes() && usage > usageAtStart;
  }

  private static boolean waitFor(Process process, long nanos) {
    try {
      return process.waitFor(Math.max(nanos, 0), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while a command ran", e);
    }
  }

  /** The whole command line: bubblewrap's options, then the chain that execs the command. */
  List<String> commandLine(Command command) {
    List<String> args = new ArrayList<>(List.of(bwrap));
    args.addAll(
        List.of(
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--hostname",
            "sandbox",
            "--die-with-parent",
            "--new-session",
            "--clearenv"));
    if (!root) {
      args.addAll(
          List.of(
              "--unshare-user",
              "--uid",
              Integer.toString(USERNS_ID),
              "--gid",
              Integer.toString(USERNS_ID)));
    }
    args.addAll(List.of("--tmpfs", "/"));
    for (String entry : HOST_SYSTEM) {
      Path path = Path.of(entry);
      if (Files.isSymbolicLink(path)) {
        try {
          args.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), entry));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the link " + entry, e);
        }
      } else if (Files.isDirectory(path)) {
        args.addAll(List.of("--ro-bind", entry, entry));
      }
    }
    args.addAll(List.of("--perms", "0755", "--dir", "/etc"));
    for (String entry : HOST_ETC) {
      args.addAll(List.of("--ro-bind-try", entry, entry));
    }
    for (String name : List.of("passwd", "group", "hosts")) {
      args.addAll(List.of("--ro-bind", etc.resolve(name).toString(), "/etc/" + name));
    }
    args.addAll(
        List.of(
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            Long.toString(TMP_BYTES),
            "--tmpfs",
            "/tmp",
            "--perms",
            "0755",
            "--dir",
            "/mnt",
            "--perms",
            "0755",
            "--dir",
            "/mnt/session",
            "--ro-bind",
            command.dirs().uploads().toString(),
            "/mnt/session/uploads",
            "--bind",
            command.dirs().outputs().toString(),
            "/mnt/session/outputs",
            "--bind",
            command.dirs().workspace().toString(),
            "/workspace",
            "--remount-ro",
            "/",
            "--chdir",
            "/workspace",
            "--setenv",
            "PATH",
            PATH,
            "--setenv",
            "HOME",
            "/workspace",
            "--setenv",
            "LANG",
            "C.UTF-8",
            "--setenv",
            "TMPDIR",
            "/tmp",
            "--setenv",
            "USER",
            "sandbox",
            "--",
            "/usr/bin/timeout",
            "-s",
            "KILL",
            String.format(
                Locale.ROOT, "%.3fs", command.timeout().plus(BACKSTOP_GRACE).toMillis() / 1000.0),
            "/usr/bin/prlimit",
            "--fsize=" + (config.diskQuotaBytes() + 1)));
    if (root) {
      // Every command runs as the same unprivileged user, whose processes the kernel counts
      // together: the cap keeps a fork bomb from taking the host's (and Berth's) process table.
      // Under a user namespace the count would be of Berth's own user, threads included, so the
      // cap is only set here.
      args.add("--nproc=" + config.maxProcesses());
    }
    args.add("--");
    if (root) {
      args.addAll(
          List.of(
              SETPRIV,
              "--reuid",
              Integer.toString(NOBODY),
              "--regid",
              Integer.toString(NOBODY),
              "--clear-groups",
              "--inh-caps=-all",
              "--bounding-set=-all",
              "--no-new-privs",
              "--"));
    }
    args.addAll(List.of("/usr/bin/env", "--"));
    command.env().forEach((name, value) -> args.add(name + "=" + value));
    args.addAll(command.argv());
    return args;
  }

  /** One started command: its process, its output so far and why it was stopped. */
  private static final class Running {
    final Process process;
    final Capture stdout;
    final Capture stderr;
    final List<Thread> threads = new ArrayList<>();
    volatile Stop stop = Stop.NONE;

    Running(Process process, long maxOutputBytes) {
      this.process = process;
      this.stdout = new Capture(maxOutputBytes);
      this.stderr = new Capture(maxOutputBytes);
      threads.add(read(process.getInputStream(), stdout));
      threads.add(read(process.getErrorStream(), stderr));
    }

    private Thread read(InputStream in, Capture into) {
      return Thread.ofVirtual()
          .name("berth-exec-output")
          .start(
              () -> {
                try (in) {
                  byte[] buffer = new byte[16 * 1024];
                  int n;
                  while ((n = in.read(buffer)) >= 0) {
                    if (!into.add(buffer, n)) {
                      stop(Stop.OUTPUT_LIMIT);
                    }
                  }
                } catch (IOException e) {
                  // the process is gone and the pipe with it
                }
              });
    }

    void feed(Optional<byte[]> stdin) {
      OutputStream out = process.getOutputStream();
      if (stdin.isEmpty()) {
        closeQuietly(out);
        return;
      }
      threads.add(
          Thread.ofVirtual()
              .name("berth-exec-input")
              .start(
                  () -> {
                    try (out) {
                      out.write(stdin.get());
                    } catch (IOException e) {
                      // the command exited or closed its stdin without reading everything
                    }
                  }));
    }

    /** Records the first reason and kills the sandbox; later reasons change nothing. */
    synchronized void stop(Stop reason) {
      if (stop == Stop.NONE) {
        stop = reason;
      }
      kill();
    }

    /** SIGKILL to bubblewrap and everything below it; the namespace's init takes the rest. */
    void kill() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }

    /** Waits (briefly) for the readers and the writer to finish with the closed pipes. */
    void drain() {
      for (Thread t : threads) {
        try {
          if (!t.join(Duration.ofSeconds(2))) {
            log.warn("output of a sandboxed command still open 2 s after it ended");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** The first {@code max} bytes of a stream; remembers whether more came. */
  private static final class Capture {
    private final long max;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean overflowed;

    Capture(long max) {
      this.max = max;
    }

    /** Keeps what fits; false once the stream has gone past the limit. */
    synchronized boolean add(byte[] buffer, int n) {
      int room = (int) Math.min(n, max - bytes.size());
      bytes.write(buffer, 0, Math.max(room, 0));
      overflowed |= room < n;
      return !overflowed;
    }

    synchronized boolean overflowed() {
      return overflowed;
    }

    synchronized byte[] bytes() {
      return bytes.toByteArray();
    }
  }

  private static void closeQuietly(OutputStream out) {
    try {
      out.close();
    } catch (IOException e) {
      // nothing to tell: the command does not read its stdin
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
    List<String> needed = new ArrayList<>(HELPERS);
    if (root) {
      needed.add(SETPRIV);
    }
    for (String helper : needed) {
      if (!Files.isExecutable(Path.of(helper))) {
        return Optional.of(
            helper
                + " is missing; commands in sandboxes need coreutils and util-linux"
                + " (apt-get install coreutils util-linux)");
      }
    }
    return Optional.empty();
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
  private static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
