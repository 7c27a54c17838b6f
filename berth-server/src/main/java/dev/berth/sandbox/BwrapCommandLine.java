package dev.berth.sandbox;

import dev.berth.config.BerthConfig;
import dev.berth.sandbox.LocalSandboxHost.CommandDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The command line that runs one command in a sandbox: bubblewrap's options, then the chain of
 * programs that execs the command ({@link Line}). Built in parts, one per thing the sandbox decides
 * (its namespaces, filesystem and environment, the command's limits and its identity), so each can
 * be read and checked on its own; {@link BubblewrapRunner} starts and watches the process.
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
 */
final class BwrapCommandLine {
  /** The unprivileged user commands run as when Berth is root. */
  static final int NOBODY = 65534;

  /** The user (in its own user namespace) commands run as when Berth is not root. */
  static final int USERNS_ID = 1000;

  /** How long after its limit the in-sandbox {@code timeout} kills a command Berth lost. */
  private static final Duration BACKSTOP_GRACE = Duration.ofSeconds(5);

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

  private final boolean root;
  private final Path etc;
  private final BerthConfig.Exec config;
  private final boolean groupsCapProcesses;
  private final List<String> hostSystem;

  /**
   * @param root whether Berth runs as root, and so drops to {@link #NOBODY} rather than making a
   *     user namespace
   * @param etc the directory of the sandbox's own {@code passwd}, {@code group} and {@code hosts}
   * @param config the limits
   * @param groupsCapProcesses whether each session's control group caps its processes ({@link
   *     Cgroups}), so that no cap shared by every session's commands is set
   */
  BwrapCommandLine(boolean root, Path etc, BerthConfig.Exec config, boolean groupsCapProcesses) {
    this.root = root;
    this.etc = etc;
    this.config = config;
    this.groupsCapProcesses = groupsCapProcesses;
    this.hostSystem = hostSystem();
  }

  /**
   * The options that put {@link #HOST_SYSTEM} in the sandbox as the host has them: a link as the
   * same link, a directory bound read-only, nothing for what is missing. Read once, as the host's
   * layout does not change under a running server, so a command costs no {@code lstat} of them.
   */
  private static List<String> hostSystem() {
    List<String> args = new ArrayList<>();
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
    return List.copyOf(args);
  }

  /** The programs the chain runs inside the sandbox, each of which must be there. */
  List<String> helpers() {
    List<String> needed = new ArrayList<>(HELPERS);
    if (root) {
      needed.add(SETPRIV);
    }
    return needed;
  }

  /**
   * The sandbox for one command, in two parts.
   *
   * @param options bubblewrap's options, which name host paths (the session's tree, the {@code
   *     /etc} files); handed to it through a file, never on its command line
   * @param chain {@code --}, then the chain that execs the command, all of it paths and words of
   *     the sandbox's own
   */
  record Line(List<String> options, List<String> chain) {}

  /** Both parts of the sandbox for {@code command}. */
  Line of(BubblewrapRunner.Command command) {
    List<String> options = new ArrayList<>(namespaces());
    options.addAll(filesystem(command.dirs()));
    options.addAll(environment());
    List<String> chain = new ArrayList<>(List.of("--"));
    chain.addAll(limits(command.timeout()));
    chain.addAll(identity());
    chain.addAll(List.of("/usr/bin/env", "--"));
    command.env().forEach((name, value) -> chain.add(name + "=" + value));
    chain.addAll(command.argv());
    return new Line(options, chain);
  }

  /**
   * Nothing shared with Berth: new namespaces, a session of its own, death with Berth's launcher
   * thread, an empty environment and, when Berth is not root, a user namespace in which the command
   * is {@link #USERNS_ID}.
   */
  List<String> namespaces() {
    List<String> args =
        new ArrayList<>(
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
    return args;
  }

  /**
   * A read-only root holding the host's programs and libraries, Berth's {@code /etc} files, a small
   * {@code /tmp} and {@code /dev/shm} of the command's own (world-writable and sticky, as on any
   * host, since the command is not their owner), and the session's tree; the command starts in
   * {@code /workspace}.
   */
  List<String> filesystem(CommandDirs dirs) {
    List<String> args = new ArrayList<>(List.of("--tmpfs", "/"));
    args.addAll(hostSystem);
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
            "--perms",
            "1777",
            "--size",
            Long.toString(TMP_BYTES),
            "--tmpfs",
            "/tmp",
            "--perms",
            "1777",
            "--size",
            Long.toString(TMP_BYTES),
            "--tmpfs",
            "/dev/shm",
            "--perms",
            "0755",
            "--dir",
            "/mnt",
            "--perms",
            "0755",
            "--dir",
            "/mnt/session",
            "--ro-bind",
            dirs.uploads().toString(),
            "/mnt/session/uploads",
            "--bind",
            dirs.outputs().toString(),
            "/mnt/session/outputs",
            "--bind",
            dirs.workspace().toString(),
            "/workspace"));
    // The directories above a bind outside /workspace are made in the read-only root, readable
    // by all as any other there; bubblewrap would make them for the bind, but only for root.
    java.util.Set<String> made = new java.util.HashSet<>(List.of("/", "/mnt", "/mnt/session"));
    for (LocalSandboxHost.Bind b :
        dirs.binds().stream()
            .sorted(java.util.Comparator.comparing(LocalSandboxHost.Bind::target))
            .toList()) {
      if (!b.target().startsWith("/workspace/")) {
        for (int i = b.target().indexOf('/', 1); i > 0; i = b.target().indexOf('/', i + 1)) {
          String above = b.target().substring(0, i);
          if (made.add(above)) {
            args.addAll(List.of("--perms", "0755", "--dir", above));
          }
        }
      }
      args.addAll(
          List.of(b.readOnly() ? "--ro-bind" : "--bind", b.source().toString(), b.target()));
    }
    args.addAll(List.of("--remount-ro", "/", "--chdir", "/workspace"));
    return args;
  }

  /** The sandbox's fixed variables; the request's are applied last, by {@code env}. */
  List<String> environment() {
    return List.of(
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
        "sandbox");
  }

  /**
   * The start of the chain: the backstop {@code timeout}, then {@code prlimit} capping one file's
   * size at the disk quota and, when Berth is root and no control group caps a session's processes,
   * the processes of all commands together.
   */
  List<String> limits(Duration timeout) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "/usr/bin/timeout",
                "-s",
                "KILL",
                String.format(
                    Locale.ROOT, "%.3fs", timeout.plus(BACKSTOP_GRACE).toMillis() / 1000.0),
                "/usr/bin/prlimit",
                "--fsize=" + (config.diskQuotaBytes() + 1)));
    if (root && !groupsCapProcesses) {
      // Every command runs as the same unprivileged user, whose processes the kernel counts
      // together: the cap keeps a fork bomb from taking the host's (and Berth's) process table.
      // Under a user namespace the count would be of Berth's own user, threads included, so the
      // cap is only set here. Where each session's group caps its own processes, this shared
      // count is left unlimited: capped, it would let one session's fork bomb stop every other
      // session's commands, and the groups already bound the total (sessions running commands at
      // once, times each one's cap).
      args.add("--nproc=" + config.maxProcesses());
    }
    args.add("--");
    return args;
  }

  /**
   * When Berth is root, {@code setpriv} dropping to {@link #NOBODY}, after the limits and before
   * {@code env} applies the request's variables; nothing otherwise, as the user namespace made in
   * {@link #namespaces} already runs the command as {@link #USERNS_ID}.
   */
  List<String> identity() {
    if (!root) {
      return List.of();
    }
    return List.of(
        SETPRIV,
        "--reuid",
        Integer.toString(NOBODY),
        "--regid",
        Integer.toString(NOBODY),
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--");
  }
}
