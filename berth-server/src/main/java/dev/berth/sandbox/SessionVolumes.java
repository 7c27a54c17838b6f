package dev.berth.sandbox;

import dev.berth.config.BerthConfig;
import dev.berth.config.BerthConfig.DiskMechanism;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each session's own ext4 filesystem, the size of its disk quota, which holds its outputs,
 * workspace and read-write memory stores: the kernel refuses a write past the quota (and a file
 * past the inode limit), whatever the command does (deep trees, files deleted while open, sparse or
 * not).
 *
 * <p>Design note. A volume is a sparse image file, {@code <dataDir>/volumes/<session>.img}, made
 * with {@code mkfs.ext4} and loop-mounted ({@code nosuid,nodev}) at {@code volumes/<session>}; its
 * {@code outputs}, {@code workspace} and {@code memory} directories are then bound onto the tree's
 * {@code mnt/session/outputs}, {@code workspace} and {@code memory}, so every other class finds
 * them where they always were, and commands' sandboxes bind them from there. Nothing under {@code
 * volumes} is reachable from a sandbox. A volume is made when the session first needs writable
 * space (its first command, or outputs to put back), never when a session is created or a file
 * mounted, which stay as cheap as they were. The mount table is the state: mounts left by a
 * previous run, even one killed, are found in {@code /proc/self/mountinfo} and used as they are; an
 * image whose mounts are gone (after a reboot) is mounted again when needed. Before a tree is
 * removed, every mount below it is undone and checked gone, so removing it never reaches into a
 * volume. The loop device goes with the last unmount (util-linux sets autoclear).
 *
 * <p>Where a volume cannot be made (Berth not root, no loop devices, no {@code mkfs.ext4}), the
 * quota is enforced by {@link DiskUsage}'s walk instead; {@link #choose} says which, once, at
 * start-up.
 */
final class SessionVolumes implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SessionVolumes.class);

  /** The smallest quota ext4 is made for; below it the walk enforces the quota. */
  static final long MIN_BYTES = 4L * 1024 * 1024;

  /**
   * A volume whose free space falls below this has been filled: ext4 keeps no blocks back (made
   * with {@code -m 0}), but one write that does not fit may leave a few blocks free.
   */
  static final long FULL_BELOW = 128 * 1024;

  private static final int BLOCK = 4096;
  private static final int INODE = 256;
  private static final long BLOCKS_PER_GROUP = 32768;

  /** Inode tables take at most a quarter of a volume: a quota gets one inode per KiB at most. */
  static final long BYTES_PER_INODE = 1024;

  /** ext4's reserved inodes (the root, lost+found and its own), counted in its inode total. */
  private static final long RESERVED_INODES = 11;

  private static final String MOUNT = "/usr/bin/mount";
  private static final String UMOUNT = "/usr/bin/umount";
  private static final List<String> MKFS =
      List.of("/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4", "/usr/bin/mkfs.ext4");

  /** Whether volumes are made, and why (or why not), as the start-up log line says it. */
  record Choice(boolean loop, String reason) {}

  private final Path volumes;
  private final Path sandboxes;
  private final boolean loop;
  private final long bytes;
  private final long inodes;
  private final String mkfs;

  /** The directories of a volume bound onto the same paths in the session's tree. */
  static final List<String> BOUND = List.of("mnt/session/outputs", "workspace", "memory");

  /** Sessions whose outputs, workspace and memory are bound from their volume. */
  private final Set<String> attached = ConcurrentHashMap.newKeySet();

  /**
   * Each attached volume's file store, found once: finding it reads the whole mount table, which
   * holds every session's mounts, while measuring it is one {@code statvfs} of its mount point.
   */
  private final Map<String, FileStore> stores = new ConcurrentHashMap<>();

  /**
   * @param volumes where images and their mount points live, outside every sandbox
   * @param sandboxes where the sessions' trees live
   * @param loop whether volumes are made (else only ones left by an earlier run are removed)
   * @param bytes each volume's size: the quota
   * @param inodes the files, directories and links each may hold
   */
  SessionVolumes(Path volumes, Path sandboxes, boolean loop, long bytes, long inodes) {
    this.volumes = real(volumes);
    this.sandboxes = real(sandboxes);
    this.loop = loop;
    this.bytes = bytes;
    this.inodes = Math.min(inodes, bytes / BYTES_PER_INODE);
    this.mkfs = MKFS.stream().filter(SessionVolumes::executable).findFirst().orElse("mkfs.ext4");
    if (loop) {
      Set<Path> mounted = Set.copyOf(MountTable.pointsUnder(this.sandboxes));
      for (String session : sessionsWithVolumes()) {
        Path tree = this.sandboxes.resolve(session);
        if (BOUND.stream().allMatch(d -> mounted.contains(tree.resolve(d)))) {
          attached.add(session);
        }
      }
    }
  }

  /**
   * Which mechanism enforces the quota on this machine, tried for real when it may be the loop: a
   * volume is made, mounted and removed in {@code volumes}. Logs the answer once.
   *
   * @throws IllegalStateException if the loop is asked for and cannot be had
   */
  static Choice choose(BerthConfig.Exec limits, Path volumes, boolean root) {
    Choice choice = tryLoop(limits, volumes, root);
    String size = size(limits.diskQuotaBytes());
    if (choice.loop()) {
      log.info(
          "session disk quota: loop-mounted ext4 per session ({}, {} inodes)",
          size,
          Math.min(limits.maxInodes(), limits.diskQuotaBytes() / BYTES_PER_INODE));
      return choice;
    }
    if (limits.diskMechanism() == DiskMechanism.LOOP) {
      throw new IllegalStateException(
          "--session-disk-mechanism is loop, but " + choice.reason() + " (try auto or walk)");
    }
    log.info(
        "session disk quota: polling walk ({}; deep trees, files deleted while open and inodes"
            + " are not counted), because {}",
        size,
        choice.reason());
    return choice;
  }

  private static Choice tryLoop(BerthConfig.Exec limits, Path volumes, boolean root) {
    if (limits.diskMechanism() == DiskMechanism.WALK) {
      return new Choice(false, "--session-disk-mechanism is walk");
    }
    if (!root) {
      return new Choice(false, "Berth does not run as root, which mounting needs");
    }
    if (!Files.exists(Path.of("/dev/loop-control"))) {
      return new Choice(false, "this machine has no loop devices (/dev/loop-control)");
    }
    if (MKFS.stream().noneMatch(SessionVolumes::executable)) {
      return new Choice(false, "mkfs.ext4 is missing (apt-get install e2fsprogs)");
    }
    if (!Files.isExecutable(Path.of(MOUNT)) || !Files.isExecutable(Path.of(UMOUNT))) {
      return new Choice(false, MOUNT + " or " + UMOUNT + " is missing (util-linux)");
    }
    if (limits.diskQuotaBytes() < MIN_BYTES) {
      return new Choice(
          false, "the quota is below the " + size(MIN_BYTES) + " an ext4 volume needs at least");
    }
    // the real size and inode count, so settings mkfs refuses are found now
    var probe =
        new SessionVolumes(volumes, volumes, false, limits.diskQuotaBytes(), limits.maxInodes());
    try {
      probe.tryOnce();
      return new Choice(true, "it works here");
    } catch (IOException | RuntimeException e) {
      return new Choice(false, "a loop-mounted volume could not be made: " + e.getMessage());
    }
  }

  /** Makes, mounts, unmounts and removes one small volume. */
  private void tryOnce() throws IOException {
    String name = ".probe";
    try {
      mount(name);
    } finally {
      detach(name);
    }
  }

  private static boolean executable(String path) {
    return Files.isExecutable(Path.of(path));
  }

  /** Where the session's volume is mounted, when it is. */
  Path root(String sessionId) {
    return volumes.resolve(sessionId);
  }

  /** Whether volumes are made for sessions. */
  boolean loop() {
    return loop;
  }

  /** Whether the session's outputs, workspace and memory are bound from its volume now. */
  boolean attached(String sessionId) {
    return attached.contains(sessionId);
  }

  /** Whether the session has an image, mounted or not. */
  boolean exists(String sessionId) {
    return Files.exists(image(sessionId));
  }

  /**
   * Whether volumes are made here and the session's outputs and workspace are not on its yet, so a
   * volume of its must be attached before they are written or read.
   */
  boolean detached(String sessionId) {
    return loop && !attached(sessionId);
  }

  /** A volume's mounted root, and whether it was made just now (so it is empty). */
  record Mounted(Path root, boolean fresh) {}

  /**
   * Mounts the session's volume at its private mount point, making it first if it has no image. The
   * image is made under a temporary name and renamed, so a crash never leaves half a one.
   */
  Mounted mount(String sessionId) throws IOException {
    Path image = image(sessionId);
    Path root = volumes.resolve(sessionId);
    boolean fresh = false;
    if (!Files.exists(image)) {
      Files.createDirectories(volumes);
      Path temp = volumes.resolve(sessionId + ".img.tmp");
      Files.deleteIfExists(temp);
      try (var file = new java.io.RandomAccessFile(temp.toFile(), "rw")) {
        file.setLength(bytes);
      }
      run(
          List.of(
              mkfs,
              "-q",
              "-F",
              "-m",
              "0",
              "-b",
              Integer.toString(BLOCK),
              "-I",
              Integer.toString(INODE),
              "-N",
              Long.toString(inodeCount()),
              "-E",
              "lazy_itable_init=1,lazy_journal_init=1",
              temp.toString()));
      Files.move(temp, image, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      fresh = true;
    }
    Files.createDirectories(root);
    if (!MountTable.pointsUnder(volumes).contains(root)) {
      run(List.of(MOUNT, "-o", "loop,nosuid,nodev", image.toString(), root.toString()));
    }
    return new Mounted(root, fresh);
  }

  /**
   * Binds the volume's {@code outputs}, {@code workspace} and {@code memory} onto the session's
   * tree ({@link #BOUND}). The targets are directories Berth just checked, and no sandbox can reach
   * their names (only what is in them), so their paths name them.
   */
  void bind(String sessionId) throws IOException {
    Path root = volumes.resolve(sessionId);
    Path tree = sandboxes.resolve(sessionId);
    Set<Path> mounted = Set.copyOf(MountTable.pointsUnder(tree));
    for (String dir : BOUND) {
      Path target = tree.resolve(dir);
      if (!mounted.contains(target)) {
        Path source = root.resolve(Path.of(dir).getFileName());
        run(List.of(MOUNT, "--bind", source.toString(), target.toString()));
      }
    }
    attached.add(sessionId);
  }

  /**
   * Undoes every mount of the session (its binds and its volume) and removes its image. Afterwards
   * nothing is mounted below its tree, so the tree can be removed.
   *
   * @throws IOException if a mount could not be undone: the tree must then stay
   */
  void detach(String sessionId) throws IOException {
    attached.remove(sessionId);
    stores.remove(sessionId);
    Path root = volumes.resolve(sessionId);
    Path image = image(sessionId);
    if (!Files.exists(image) && !Files.exists(root)) {
      return;
    }
    List<Path> mounts = new ArrayList<>(MountTable.pointsUnder(sandboxes.resolve(sessionId)));
    if (MountTable.pointsUnder(volumes).contains(root)) {
      mounts.add(root);
    }
    unmount(mounts);
    Files.deleteIfExists(image);
    Files.deleteIfExists(volumes.resolve(sessionId + ".img.tmp"));
    Files.deleteIfExists(root);
  }

  /**
   * Bytes the session's volume holds, and whether it is full; empty when the session's outputs and
   * workspace are not on a volume.
   */
  Optional<DiskSpace> space(String sessionId) {
    if (!attached.contains(sessionId)) {
      return Optional.empty();
    }
    try {
      FileStore store = stores.get(sessionId);
      if (store == null) {
        // measured through its mount point's path, so still right for a volume mounted again
        store = Files.getFileStore(volumes.resolve(sessionId));
        stores.put(sessionId, store);
      }
      long used = store.getTotalSpace() - store.getUnallocatedSpace();
      return Optional.of(new DiskSpace(used, store.getUsableSpace() < FULL_BELOW));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure the volume of session " + sessionId, e);
    }
  }

  /**
   * Copies what the directory {@code from} holds into {@code to}, as {@code cp -a} does: links as
   * links (none is followed), modes, owners and times kept.
   *
   * @throws IOException if not everything was copied (the volume filled up, say)
   */
  static void copyInto(Path from, Path to) throws IOException {
    run(List.of("/usr/bin/cp", "-a", "--", from + "/.", to + "/"));
  }

  /** The sessions with an image or a mount point in {@code volumes}. */
  Set<String> sessionsWithVolumes() {
    if (!Files.isDirectory(volumes)) {
      return Set.of();
    }
    var sessions = new java.util.TreeSet<String>();
    try (var entries = Files.newDirectoryStream(volumes)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        String session = name.endsWith(".img") ? name.substring(0, name.length() - 4) : name;
        if (SessionId.isValid(session)) {
          sessions.add(session);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + volumes, e);
    }
    return sessions;
  }

  /**
   * Undoes every mount of every session, so a stopped Berth leaves none behind; images stay, and
   * are mounted again when needed.
   */
  @Override
  public void close() throws IOException {
    List<Path> mounts = new ArrayList<>(MountTable.pointsUnder(sandboxes));
    mounts.addAll(MountTable.pointsUnder(volumes));
    attached.clear();
    stores.clear();
    unmount(mounts);
  }

  /**
   * Unmounts {@code mounts}, deepest first; whatever is still busy (a file open in a command being
   * stopped) is detached lazily, which takes it out of the mount table at once.
   */
  static void unmount(List<Path> mounts) throws IOException {
    if (mounts.isEmpty()) {
      return;
    }
    List<String> targets =
        mounts.stream()
            .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
            .map(Path::toString)
            .distinct()
            .toList();
    List<String> argv = new ArrayList<>(List.of(UMOUNT));
    argv.addAll(targets);
    try {
      run(argv);
    } catch (IOException busy) {
      Set<String> left = new java.util.HashSet<>();
      for (Path p : MountTable.points()) {
        left.add(p.toString());
      }
      List<String> lazy = new ArrayList<>(List.of(UMOUNT, "-l"));
      targets.stream().filter(left::contains).forEach(lazy::add);
      if (lazy.size() > 2) {
        run(lazy);
      }
    }
    for (Path p : MountTable.points()) {
      if (targets.contains(p.toString())) {
        throw new IOException(p + " is still mounted");
      }
    }
  }

  private Path image(String sessionId) {
    return volumes.resolve(sessionId + ".img");
  }

  /**
   * The inode count to make: at most {@link #inodes} for the session's own files once ext4's
   * reserved ones are taken, rounded down to fill whole inode-table blocks in every block group, as
   * mkfs would otherwise round it up.
   */
  long inodeCount() {
    long groups = Math.ceilDiv(Math.ceilDiv(bytes, BLOCK), BLOCKS_PER_GROUP);
    long unit = groups * (BLOCK / INODE);
    return Math.max(unit, (inodes + RESERVED_INODES) / unit * unit);
  }

  /** Runs a mount tool; its output is the failure's message. */
  static void run(List<String> argv) throws IOException {
    var builder = new ProcessBuilder(argv).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit;
    try {
      exit = process.waitFor();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + argv.getFirst(), e);
    }
    if (exit != 0) {
      throw new IOException(
          Path.of(argv.getFirst()).getFileName()
              + " failed (exit "
              + exit
              + "): "
              + output.strip());
    }
  }

  /**
   * A directory's path as the mount table writes it: its parent's real path (the data directory,
   * which exists) and its own name, which Berth makes.
   */
  private static Path real(Path dir) {
    Path absolute = dir.toAbsolutePath().normalize();
    try {
      return absolute.getParent().toRealPath().resolve(absolute.getFileName());
    } catch (IOException e) {
      return absolute;
    }
  }

  private static String size(long bytes) {
    if (bytes % (1L << 30) == 0) {
      return bytes / (1L << 30) + " GiB";
    }
    if (bytes % (1L << 20) == 0) {
      return bytes / (1L << 20) + " MiB";
    }
    return String.format(Locale.ROOT, "%d bytes", bytes);
  }
}
