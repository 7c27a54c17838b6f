package dev.berth.sandbox;

import dev.berth.config.BerthConfig;
import dev.berth.sandbox.MountTable.Mount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each session's commands in a control group of their own, so that one session's processes, memory
 * and CPU time are capped apart from every other's: a fork bomb in one session stops at its own
 * process cap, and a command past its memory is killed by the kernel's OOM killer (exit 137).
 *
 * <p>Design note. What the host offers is found once, at start ({@link #detect}), and said in one
 * log line:
 *
 * <ul>
 *   <li>{@link Kind#V2}: a cgroup2 mount where Berth's own group offers the {@code pids}, {@code
 *       memory} and {@code cpu} controllers. The kernel lets only leaf groups hold processes once
 *       their parent hands controllers down, so Berth first moves itself into {@code <own>/server},
 *       then enables the three in {@code <own>} and in {@code <own>/berth-<id>}, under which each
 *       session gets {@code <session>} ({@code pids.max}, {@code memory.max}, {@code
 *       memory.swap.max} 0 where swap is accounted, {@code cpu.weight}).
 *   <li>{@link Kind#V1}: the {@code pids}, {@code memory} and {@code cpu} hierarchies mounted
 *       separately; each session gets {@code <own group in that hierarchy>/berth-<id>/<session>} in
 *       each ({@code pids.max}, {@code memory.limit_in_bytes} and, where swap is accounted, {@code
 *       memory.memsw.limit_in_bytes}, {@code cpu.shares} = weight × 1024 / 100).
 *   <li>{@link Kind#NONE}: neither is usable (not root, or a container that hides them); commands
 *       share the one per-user process cap and nothing else is enforced per session.
 * </ul>
 *
 * <p>{@code <id>} names this data directory, so that several servers on one host, each with its
 * own, never touch each other's groups. A command enters its session's groups before bubblewrap
 * runs: the shell that starts it writes its own pid to each {@code cgroup.procs} and then execs, so
 * everything it starts is counted from its first instruction. Groups are made on a session's first
 * command and removed when the session is deleted or let go and no command of it still runs (a
 * command's processes are all gone once it ends: its PID namespace dies with it). A group the
 * kernel still finds busy is tried again at the next removal and at close; groups left by a Berth
 * that was killed are removed at start.
 */
public final class Cgroups implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Cgroups.class);
  private static final List<String> CONTROLLERS = List.of("pids", "memory", "cpu");

  /** Which kind of control groups is in use. */
  public enum Kind {
    V2,
    V1,
    NONE
  }

  private final Kind kind;
  private final String why;
  private final List<Path> parents; // <own>/berth-<id>, one per hierarchy (one under v2)
  private final BerthConfig.Exec limits;
  // all three guarded by this
  private final Map<String, Integer> users = new HashMap<>();
  private final Set<String> made = new HashSet<>();
  private final Set<String> released = new HashSet<>();

  private Cgroups(Kind kind, String why, List<Path> parents, BerthConfig.Exec limits) {
    this.kind = kind;
    this.why = why;
    this.parents = List.copyOf(parents);
    this.limits = limits;
  }

  /** What this host offers Berth, found from this process's mounts and groups. */
  public static Cgroups detect(Path dataDir, BerthConfig.Exec limits, boolean root) {
    Cgroups groups =
        detect(
            MountTable.SELF, Path.of("/proc/self/cgroup"), "berth-" + idOf(dataDir), limits, root);
    groups.removeLeftovers();
    log.info("per-session limits: {} ({})", groups.describe(), groups.why);
    return groups;
  }

  static Cgroups detect(
      Path mountinfo, Path selfCgroup, String name, BerthConfig.Exec limits, boolean root) {
    if (!root) {
      return new Cgroups(
          Kind.NONE, "Berth is not root and cannot make control groups", List.of(), limits);
    }
    List<Mount> mounts;
    List<String> memberships;
    try {
      mounts = MountTable.read(mountinfo);
      memberships = Files.readAllLines(selfCgroup);
    } catch (IOException e) {
      return new Cgroups(Kind.NONE, "cannot read " + e.getMessage(), List.of(), limits);
    }
    String notV2;
    try {
      Optional<Path> v2 = v2(mounts, memberships, name);
      if (v2.isPresent()) {
        return new Cgroups(
            Kind.V2, "cgroup2 delegates pids, memory and cpu", List.of(v2.get()), limits);
      }
      notV2 = "no cgroup2 mount";
    } catch (Unusable e) {
      notV2 = e.getMessage();
    }
    try {
      return new Cgroups(Kind.V1, notV2, v1(mounts, memberships, name), limits);
    } catch (Unusable e) {
      return new Cgroups(Kind.NONE, notV2 + "; " + e.getMessage(), List.of(), limits);
    }
  }

  /** Why a kind of control groups cannot be used here. */
  private static final class Unusable extends Exception {
    Unusable(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * {@code <own>/berth-<id>} under cgroup2, made ready for sessions; empty when none is mounted.
   */
  private static Optional<Path> v2(List<Mount> mounts, List<String> memberships, String name)
      throws Unusable {
    Optional<Mount> mount = mounts.stream().filter(Cgroups::isV2).findFirst();
    Optional<String> path = membership(memberships, "");
    if (mount.isEmpty() || path.isEmpty()) {
      return Optional.empty();
    }
    Path own = dir(mount.get(), path.get());
    Set<String> offered = words(own.resolve("cgroup.controllers"));
    if (!offered.containsAll(CONTROLLERS)) {
      throw new Unusable(
          "cgroup2 at "
              + mount.get().point()
              + " offers Berth's group "
              + (offered.isEmpty() ? "no controllers" : String.join(", ", offered))
              + ", not pids, memory and cpu");
    }
    try {
      Path home = own;
      // an earlier start in this process already moved it into <own>/server
      if (!(own.getFileName() != null
          && own.getFileName().toString().equals("server")
          && words(own.resolveSibling("cgroup.subtree_control")).containsAll(CONTROLLERS))) {
        Path server = Files.createDirectories(own.resolve("server"));
        write(server.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
        write(own.resolve("cgroup.subtree_control"), "+pids +memory +cpu");
      } else {
        home = own.getParent();
      }
      Path parent = Files.createDirectories(home.resolve(name));
      write(parent.resolve("cgroup.subtree_control"), "+pids +memory +cpu");
      return Optional.of(parent);
    } catch (IOException e) {
      throw new Unusable("cgroup2 at " + own + " cannot be delegated to sessions: " + e);
    }
  }

  /** {@code <own>/berth-<id>} in each of the pids, memory and cpu hierarchies. */
  private static List<Path> v1(List<Mount> mounts, List<String> memberships, String name)
      throws Unusable {
    Set<Path> parents = new LinkedHashSet<>(); // cpu may share a hierarchy with cpuacct
    for (String controller : CONTROLLERS) {
      Mount mount =
          mounts.stream()
              .filter(m -> isV1(m, controller))
              .findFirst()
              .orElseThrow(() -> new Unusable("no cgroup v1 hierarchy for " + controller));
      String path =
          membership(memberships, controller)
              .orElseThrow(() -> new Unusable("Berth is in no " + controller + " group"));
      parents.add(dir(mount, path).resolve(name));
    }
    for (Path parent : parents) {
      try {
        Files.createDirectories(parent);
      } catch (IOException e) {
        throw new Unusable("cannot make groups in " + parent.getParent() + ": " + e);
      }
    }
    return List.copyOf(parents);
  }

  /** This process's group in the hierarchy holding {@code controller} ({@code ""}: cgroup2). */
  private static Optional<String> membership(List<String> memberships, String controller) {
    for (String line : memberships) {
      String[] parts = line.split(":", 3);
      if (parts.length == 3
          && (controller.isEmpty()
              ? parts[0].equals("0") && parts[1].isEmpty()
              : List.of(parts[1].split(",", -1)).contains(controller))) {
        return Optional.of(parts[2]);
      }
    }
    return Optional.empty();
  }

  private static boolean isV2(Mount mount) {
    return mount.type().equals("cgroup2");
  }

  private static boolean isV1(Mount mount, String controller) {
    return mount.type().equals("cgroup") && mount.options().contains(controller);
  }

  /** The directory of the group at {@code path} (as {@code /proc/self/cgroup} names it). */
  private static Path dir(Mount mount, String path) throws Unusable {
    String rel = path;
    if (!mount.root().equals("/")) {
      if (!(path.equals(mount.root()) || path.startsWith(mount.root() + "/"))) {
        throw new Unusable(path + " is outside the part of its hierarchy at " + mount.point());
      }
      rel = path.substring(mount.root().length());
    }
    return mount.point().resolve(rel.replaceFirst("^/+", ""));
  }

  public Kind kind() {
    return kind;
  }

  /** Whether each session's processes are capped by its group (so no per-user cap is needed). */
  public boolean capsProcesses() {
    return kind != Kind.NONE;
  }

  /** The directories of the session's groups, one per hierarchy (for tests and logs). */
  public List<Path> dirs(String sessionId) {
    String name = new SessionId(sessionId).value();
    return parents.stream().map(p -> p.resolve(name)).toList();
  }

  /**
   * Before a command of the session starts: its groups exist with the limits set, and no removal
   * takes them while it runs. Returns the {@code cgroup.procs} files the command's first process
   * writes its pid to; pair with {@link #leave}.
   */
  public synchronized List<Path> enter(String sessionId) {
    List<Path> dirs = dirs(sessionId);
    released.remove(sessionId);
    users.merge(sessionId, 1, Integer::sum);
    try {
      if (made.add(sessionId)) {
        for (Path dir : dirs) {
          Files.createDirectories(dir);
          configure(dir);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      made.remove(sessionId);
      leave(sessionId);
      throw new BubblewrapRunner.Unavailable(
          "cannot make the control group of session " + sessionId + ": " + e.getMessage());
    }
    return dirs.stream().map(d -> d.resolve("cgroup.procs")).toList();
  }

  /** After a command of the session ended; removes the groups if the session was let go. */
  public synchronized void leave(String sessionId) {
    if (users.merge(sessionId, -1, Integer::sum) <= 0) {
      users.remove(sessionId);
      if (released.contains(sessionId)) {
        remove(sessionId);
      }
    }
  }

  /**
   * The session is deleted or let go: its groups are removed now, or when its last command ends.
   * Groups the kernel still found busy at an earlier removal are tried again.
   */
  public synchronized void release(String sessionId) {
    if (kind == Kind.NONE) {
      return;
    }
    released.add(sessionId);
    if (!users.containsKey(sessionId)) {
      remove(sessionId);
    }
    for (String busy : List.copyOf(released)) {
      if (!users.containsKey(busy) && !busy.equals(sessionId)) {
        remove(busy);
      }
    }
  }

  /** Removes every group of this server that no command uses, then their parents. */
  @Override
  public synchronized void close() {
    removeLeftovers();
    for (Path parent : parents) {
      try {
        Files.deleteIfExists(parent);
      } catch (IOException e) {
        log.info("control group {} is still in use: {}", parent, e.getMessage());
      }
    }
  }

  /** A session's groups, each removed if empty; one still busy stays marked for the next try. */
  private void remove(String sessionId) {
    boolean gone = true;
    for (Path dir : dirs(sessionId)) {
      try {
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        gone = false;
        log.debug("control group {} is still busy: {}", dir, e.getMessage());
      }
    }
    if (gone) {
      released.remove(sessionId);
      made.remove(sessionId);
    }
  }

  /** Groups no running command uses: left by a killed Berth at start, all at close. */
  private synchronized void removeLeftovers() {
    for (Path parent : parents) {
      try (Stream<Path> children = Files.list(parent)) {
        for (Path child : children.filter(Files::isDirectory).toList()) {
          String session = child.getFileName().toString();
          if (!users.containsKey(session)) {
            try {
              Files.deleteIfExists(child);
              made.remove(session);
              released.remove(session);
            } catch (FileSystemException e) {
              log.info("control group {} is still in use: {}", child, e.getMessage());
            }
          }
        }
      } catch (NoSuchFileException e) {
        // never made, or removed by hand
      } catch (IOException e) {
        log.warn("cannot list control groups in {}", parent, e);
      }
    }
  }

  /** Sets the session's limits in one of its groups. */
  private void configure(Path dir) throws IOException {
    if (kind == Kind.V2) {
      write(dir.resolve("pids.max"), Integer.toString(limits.maxProcesses()));
      write(dir.resolve("memory.max"), Long.toString(limits.maxMemoryBytes()));
      if (Files.exists(dir.resolve("memory.swap.max"))) {
        write(dir.resolve("memory.swap.max"), "0");
      }
      write(dir.resolve("cpu.weight"), Integer.toString(limits.cpuWeight()));
      return;
    }
    if (Files.exists(dir.resolve("pids.max"))) {
      write(dir.resolve("pids.max"), Integer.toString(limits.maxProcesses()));
    }
    if (Files.exists(dir.resolve("memory.limit_in_bytes"))) {
      memoryV1(dir, Long.toString(limits.maxMemoryBytes()));
    }
    if (Files.exists(dir.resolve("cpu.shares"))) {
      write(dir.resolve("cpu.shares"), Long.toString(shares(limits.cpuWeight())));
    }
  }

  /**
   * Memory and memory plus swap, to the same value so that no swap is used. The kernel keeps the
   * first at most the second: raising a group left with lower limits goes second-first.
   */
  private static void memoryV1(Path dir, String bytes) throws IOException {
    Path memsw = dir.resolve("memory.memsw.limit_in_bytes");
    Path memory = dir.resolve("memory.limit_in_bytes");
    if (!Files.exists(memsw)) {
      write(memory, bytes);
      return;
    }
    try {
      write(memory, bytes);
    } catch (IOException e) { // above the swap limit left by an earlier run
      write(memsw, bytes);
      write(memory, bytes);
      return;
    }
    write(memsw, bytes);
  }

  /** cgroup v1's {@code cpu.shares} for a cgroup2 weight: 100 is the default 1024. */
  static long shares(int weight) {
    return Math.max(2, (long) weight * 1024 / 100);
  }

  private String describe() {
    return switch (kind) {
      case V2 -> "cgroup v2, each session in a group under " + parents.getFirst();
      case V1 ->
          "cgroup v1, each session in a group of the pids, memory and cpu hierarchies under "
              + parents;
      case NONE ->
          "no control groups: a session's processes, memory and CPU are not capped apart from"
              + " other sessions'";
    };
  }

  private static void write(Path file, String value) throws IOException {
    Files.writeString(file, value, StandardCharsets.US_ASCII);
  }

  private static Set<String> words(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
      return text.isEmpty() ? Set.of() : new LinkedHashSet<>(List.of(text.split("\\s+")));
    } catch (IOException e) {
      return Set.of();
    }
  }

  /** A short name for the data directory, the same across restarts. */
  private static String idOf(Path dataDir) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  dataDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
