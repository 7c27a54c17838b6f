package dev.berth.sandbox;

import static dev.berth.sandbox.NoFollow.lstat;
import static dev.berth.sandbox.NoFollow.name;
import static dev.berth.sandbox.NoFollow.names;
import static dev.berth.sandbox.NoFollow.open;
import static dev.berth.sandbox.NoFollow.openTrusted;
import static dev.berth.sandbox.NoFollow.own;
import static dev.berth.sandbox.NoFollow.removeFileOrTree;
import static dev.berth.sandbox.NoFollow.removeTree;

import dev.berth.config.BerthConfig;
import dev.berth.error.OutOfDescriptors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each session's sandbox on local disk: {@code <dataDir>/sandboxes/<session_id>/} stands for the
 * container's root filesystem, and file resources appear under its {@code /mnt/session/uploads}.
 *
 * <p>Design note. Two promises shape the sandbox classes. A mount costs the same for 1 KiB and 1
 * GiB: it is a hard link to the blob ({@link BlobLinks}). No symlink inside a sandbox is ever
 * followed: every walk goes one directory at a time with {@code O_NOFOLLOW} ({@link NoFollow}), and
 * new entries are built in {@link Staging}, which no sandbox can reach, then renamed into place.
 * Only Berth manages the uploads subtree, so anything there that is not what the records ask for
 * ({@link MountPlan}; a stray file, a link where a directory belongs) is removed; {@code mnt} and
 * {@code session} are made real directories on the way down; {@code outputs} and {@code workspace}
 * belong to the agent and are only created when missing ({@link OutputsDirectory}).
 *
 * <p>This class holds the operations and the order of their steps. The two performance caches,
 * directories kept open ({@link KeptSessions}) and emptied directories kept for reuse ({@link
 * SpareDirectories}), are classes of their own, reached only with a session's held lock ({@link
 * SessionLocks.Held}), so nothing of one session can be handed to another.
 *
 * <p>Operations on one session are serialised by a striped lock ({@link SessionLocks}), so
 * different sessions rarely wait for each other. Nothing is fsynced: after a crash the reconciler
 * rebuilds the tree from the records (principle 1). A failure for want of descriptors is thrown as
 * {@link OutOfDescriptors}, so callers can tell it from a broken tree and try again later.
 */
public final class LocalSandboxHost implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalSandboxHost.class);
  private static final int STRIPES = 256;

  /**
   * Sessions whose top directories stay open between operations, unless told otherwise; each holds
   * eight descriptors, so this keeps at most 2048 open. Fewer than the sessions changing at once
   * means reopening their four directories on nearly every change: 16 was a tenth of a mount's cost
   * at 64 busy sessions.
   */
  static final int KEPT_SESSIONS = 256;

  /** Emptied directories kept in staging for reuse, of all sessions ({@link SpareDirectories}). */
  static final int SPARE_DIRECTORIES = 256;

  private final Path sandboxes;
  private final SecureDirectoryStream<Path> sandboxesDir; // open for the host's life
  private final Staging staging;
  private final BlobLinks links;
  private final OutputsDirectory outputsDirectory;
  private final SessionLocks locks = new SessionLocks(STRIPES);
  private final KeptSessions kept;
  private final SpareDirectories spares;
  private final OutputScanner outputs = new OutputScanner();
  private final SessionVolumes volumes;
  private final SessionRepositories repositories;
  private final long quotaBytes;

  /**
   * A host whose disk quota is the default, enforced by the walk ({@link DiskUsage}).
   *
   * @param dataDir Berth's data directory; sandboxes live in {@code <dataDir>/sandboxes}
   * @param blobs where the blob with a given SHA-256 lives
   */
  public LocalSandboxHost(Path dataDir, Function<String, Path> blobs) {
    this(dataDir, blobs, KEPT_SESSIONS);
  }

  /**
   * A host whose disk quota is the default, enforced by the walk ({@link DiskUsage}).
   *
   * @param keptSessions how many sessions' top directories stay open between operations, eight
   *     descriptors each (sized from the process's descriptor limit)
   */
  public LocalSandboxHost(Path dataDir, Function<String, Path> blobs, int keptSessions) {
    this(dataDir, blobs, BerthConfig.Exec.defaults(BerthConfig.DiskMechanism.WALK), keptSessions);
  }

  /**
   * @param dataDir Berth's data directory; sandboxes live in {@code <dataDir>/sandboxes}, session
   *     volumes in {@code <dataDir>/volumes} ({@link SessionVolumes})
   * @param blobs where the blob with a given SHA-256 lives
   * @param limits the disk quota, the inode limit and how they are enforced
   * @param keptSessions how many sessions' top directories stay open between operations, eight
   *     descriptors each (sized from the process's descriptor limit)
   * @throws IllegalStateException if volumes are asked for and cannot be made here
   */
  public LocalSandboxHost(
      Path dataDir, Function<String, Path> blobs, BerthConfig.Exec limits, int keptSessions) {
    this.sandboxes = dataDir.resolve("sandboxes");
    this.quotaBytes = limits.diskQuotaBytes();
    Path cache = sandboxes.resolve(".cache");
    try {
      staging = Staging.open(sandboxes.resolve(".staging"));
      try {
        Files.createDirectories(cache);
        sandboxesDir = openTrusted(sandboxes);
      } catch (IOException | RuntimeException e) {
        staging.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare sandbox directory " + sandboxes, e);
    }
    Path volumesDir = dataDir.resolve("volumes");
    boolean loop = SessionVolumes.choose(limits, volumesDir, BubblewrapRunner.isRoot()).loop();
    volumes =
        new SessionVolumes(
            volumesDir, sandboxes, loop, limits.diskQuotaBytes(), limits.maxInodes());
    repositories = new SessionRepositories(sandboxes, volumes);
    links = new BlobLinks(blobs, cache, staging);
    outputsDirectory = new OutputsDirectory(staging, blobs);
    kept = new KeptSessions(sandboxesDir, keptSessions);
    spares = new SpareDirectories(staging, SPARE_DIRECTORIES);
  }

  /**
   * From now on, an outputs directory this host has to create comes with the outputs {@code
   * restorer} recorded for the session, owned by {@code owner} when given (the uid and gid commands
   * run as, so they can change them). Set once at start, before any sandbox is built; the catalogue
   * that restores needs this host first.
   */
  public void restoreOutputsWith(OutputRestorer restorer, OptionalInt owner) {
    outputsDirectory.restoreWith(restorer, owner);
  }

  /** Closes the directories the host keeps open; it must not be used afterwards. */
  @Override
  public void close() {
    try (volumes;
        outputs;
        sandboxesDir;
        staging) {
      kept.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close sandbox directory " + sandboxes, e);
    }
  }

  /** Where the session's tree lives (it may not exist yet). */
  public Path root(String sessionId) {
    return sandboxes.resolve(new SessionId(sessionId).value());
  }

  /**
   * Makes the session's uploads hold exactly {@code desired} (mount path to SHA-256): missing
   * mounts are added, wrong ones replaced, anything else under uploads removed. Mounts that are
   * already right are not touched. Creates the tree if it does not exist.
   *
   * @throws IllegalArgumentException if a mount path is invalid or one lies inside another
   */
  public void reconcile(String sessionId, Map<String, String> desired) {
    MountPlan.Folder plan = MountPlan.of(desired);
    locked(
        sessionId,
        "reconcile",
        tree ->
            kept.withTop(
                tree,
                true,
                top -> {
                  writableDirectories(sessionId, tree, top);
                  try (var uploads = open(top.uploads(), Path.of("."))) { // to list it
                    sync(tree, uploads, plan);
                  }
                }));
  }

  /** Mounts one blob at {@code mountPath}, replacing whatever is there. */
  public void mount(String sessionId, String mountPath, String sha256) {
    List<String> segments = MountPlan.segments(mountPath);
    MountPlan.checkSha256(sha256);
    locked(
        sessionId,
        "mount " + mountPath + " in",
        tree ->
            kept.withTop(
                tree,
                true,
                top -> {
                  writableDirectories(sessionId, tree, top);
                  try (var dirs = new NoFollow.OpenDirs()) {
                    var dir = top.uploads();
                    Path here = TopDirectories.uploadsOf(root(sessionId));
                    String last = segments.getLast();
                    for (int i = 0; i < segments.size() - 1; i++) {
                      String segment = segments.get(i);
                      List<String> rest = segments.subList(i, segments.size() - 1);
                      SessionTree.StagedFill link =
                          deepest -> links.linkAt(deepest.resolve(name(last)), sha256);
                      here = here.resolve(name(segment));
                      // The rest of the path is new when its first name is free: built in staging,
                      // the link in it, and moved in whole. Asked by path first, which tells a free
                      // name without throwing (NoFollow.missing); where the move finds something
                      // there after all (a link to nothing), the name is looked up as below.
                      if (NoFollow.missing(here)) {
                        try {
                          tree.newDirectories(dir, rest, link);
                          return;
                        } catch (FileSystemException taken) {
                          // what is there is looked up and replaced below
                        }
                      }
                      // Opened straight away, as an unmount does: the open itself checks that a
                      // directory, not a link, is there, and a lookup first would only repeat it.
                      // Only where it fails is the name looked up, and anything but a directory
                      // replaced by the new ones.
                      try {
                        dir = dirs.add(NoFollow.openKeyed(dir, name(segment)));
                      } catch (FileSystemException notOpened) {
                        var attrs = lstat(dir, name(segment));
                        if (attrs.isPresent() && attrs.get().isDirectory()) {
                          throw notOpened; // a directory that would not open
                        }
                        if (attrs.isPresent()) {
                          dir.deleteFile(name(segment));
                        }
                        tree.newDirectories(dir, rest, link);
                        return;
                      }
                    }
                    links.replace(dir, last, sha256);
                  }
                }));
  }

  /**
   * Removes the mount at {@code mountPath}, then the directories above it that are left empty, up
   * to but excluding uploads. Does nothing if it is not there; never creates the tree.
   *
   * @return false if something other than a directory stands where a directory above the mount
   *     should be: the path is clear, but the tree holds something no mount made there, and only a
   *     whole {@link #reconcile} knows whether anything else needs it gone
   */
  public boolean unmount(String sessionId, String mountPath) {
    List<String> segments = MountPlan.segments(mountPath);
    List<String> names = segments.subList(0, segments.size() - 1);
    boolean[] clean = {true};
    locked(
        sessionId,
        "unmount " + mountPath + " from",
        tree ->
            kept.withTop(
                tree,
                false,
                top -> {
                  try (var dirs = new NoFollow.OpenDirs()) {
                    var dir = top.uploads();
                    for (String name : names) {
                      // opened straight away: the open itself checks that a directory, not a
                      // link, is there, and a lookup first would only repeat it
                      try {
                        dir = dirs.add(NoFollow.openKeyed(dir, name(name)));
                      } catch (NotDirectoryException e) {
                        clean[0] = false;
                        return;
                      } catch (NoSuchFileException e) { // nothing there, or a link to nothing
                        clean[0] = lstat(dir, name(name)).isEmpty();
                        return;
                      }
                    }
                    removeFileOrTree(dir, name(segments.getLast()));
                    for (int i = dirs.size() - 1; i >= 0; i--) {
                      var parent = i == 0 ? top.uploads() : dirs.get(i - 1);
                      if (!tree.removeIfEmpty(
                          parent, dirs.get(i), dirs.key(i), name(names.get(i)))) {
                        break;
                      }
                    }
                  }
                }));
    return clean[0];
  }

  /**
   * Where a command's sandbox finds the session's tree: uploads (bound read-only), outputs and
   * workspace (bound writable). Binding the uploads directory itself, not the files in it, is what
   * makes mounts live for a running command; this class never replaces or renames uploads or the
   * directories above it while the session lives (only {@link #destroy} removes them).
   */
  public record CommandDirs(Path uploads, Path outputs, Path workspace, List<Bind> binds) {
    public CommandDirs {
      binds = List.copyOf(binds);
    }

    /** These directories, and {@code more} bound too. */
    public CommandDirs with(List<Bind> more) {
      List<Bind> all = new java.util.ArrayList<>(binds);
      all.addAll(more);
      return new CommandDirs(uploads, outputs, workspace, all);
    }
  }

  /**
   * A host directory bound at {@code target} in a command's sandbox: writable, or read-only (writes
   * fail with EROFS whatever the file modes say).
   */
  public record Bind(Path source, String target, boolean readOnly) {
    /** A writable bind. */
    public Bind(Path source, String target) {
      this(source, target, false);
    }
  }

  /**
   * Readies the session's tree for a command: outputs and workspace exist and, when {@code owner}
   * is given, belong to that uid and gid (the unprivileged user commands run as), changed without
   * following a link. Empty when the session has no tree here.
   */
  public Optional<CommandDirs> prepareForCommands(String sessionId, OptionalInt owner) {
    var out = new AtomicReference<CommandDirs>();
    locked(
        sessionId,
        "prepare for commands",
        tree ->
            kept.withTop(
                tree,
                false,
                top -> {
                  if (volumes.loop()) {
                    attachVolume(sessionId, tree, top);
                  } else {
                    outputsDirectory.createIfMissing(sessionId, top.session());
                    tree.createIfMissing(top.tree(), "workspace");
                  }
                  if (owner.isPresent()) {
                    own(top.session(), "outputs", owner.getAsInt());
                    own(top.tree(), "workspace", owner.getAsInt());
                  }
                  Path root = sandboxes.resolve(sessionId);
                  out.set(
                      new CommandDirs(
                          root.resolve("mnt/session/uploads"),
                          root.resolve("mnt/session/outputs"),
                          root.resolve("workspace"),
                          List.of()));
                }));
    return Optional.ofNullable(out.get());
  }

  /**
   * Whether checkouts can overlay the node's cached trees here: each session has a volume (so Berth
   * runs as root) and the kernel has overlayfs.
   */
  public boolean overlaysCheckouts() {
    if (!volumes.loop()) {
      return false;
    }
    try {
      if (!Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n")) {
        return false;
      }
      return SessionRepositories.probe(sandboxes.resolve(".staging"));
    } catch (IOException e) {
      log.info("checkouts are copies: overlays cannot be mounted here ({})", e.getMessage());
      return false;
    }
  }

  /** A repository step run with the session's lock held and its volume (if any) attached. */
  private interface RepositoryStep<T> {
    T run() throws IOException;
  }

  /** Runs {@code step} for a session this node has a tree of; empty when it has none. */
  private <T> Optional<T> withRepositories(String sessionId, String what, RepositoryStep<T> step) {
    return withRepositories(sessionId, what, true, step);
  }

  /**
   * {@link #withRepositories(String, String, RepositoryStep)}; with {@code make} false, a volume is
   * mounted only if the session already has one (none is made).
   */
  private <T> Optional<T> withRepositories(
      String sessionId, String what, boolean make, RepositoryStep<T> step) {
    var out = new AtomicReference<T>();
    locked(
        sessionId,
        what,
        tree ->
            kept.withTop(
                tree,
                false,
                top -> {
                  if (volumes.loop() && (make || volumes.exists(sessionId))) {
                    attachVolume(sessionId, tree, top);
                  }
                  out.set(step.run());
                }));
    return Optional.ofNullable(out.get());
  }

  /**
   * An empty directory, owned by {@code owner} where given, for a copy checkout of the resource, on
   * the session's volume where it has one; empty if the session has no tree here (it is gone).
   */
  public Optional<Path> newCopyCheckout(String sessionId, String resourceId, OptionalInt owner) {
    return withRepositories(
        sessionId,
        "prepare a checkout in",
        () -> repositories.newCopy(sessionId, checkoutId(resourceId), owner));
  }

  /** The copy checkout made in {@link #newCopyCheckout} is complete. */
  public void copyCheckoutDone(String sessionId, String resourceId) {
    withRepositories(
        sessionId,
        "finish a checkout in",
        () -> {
          repositories.copied(sessionId, checkoutId(resourceId));
          return true;
        });
  }

  /**
   * Mounts the cached tree {@code lower} as the resource's checkout, {@code bytes} of the quota set
   * aside for it.
   *
   * @return false if the session has no tree here (it is gone)
   * @throws java.io.UncheckedIOException if the volume cannot set {@code bytes} aside, or mounting
   *     fails
   */
  public boolean overlayCheckout(
      String sessionId, String resourceId, Path lower, long bytes, OptionalInt owner) {
    return withRepositories(
            sessionId,
            "mount a checkout in",
            () -> {
              repositories.overlay(sessionId, checkoutId(resourceId), lower, bytes, owner);
              return true;
            })
        .isPresent();
  }

  /** What a command binds for the resource's checkout, when it is ready. */
  public Optional<Path> checkoutSource(String sessionId, String resourceId) {
    return withRepositories(
            sessionId,
            "find a checkout in",
            () -> repositories.source(sessionId, checkoutId(resourceId)))
        .flatMap(p -> p);
  }

  /** Removes the resource's checkout from the session, if it has one. */
  public void removeCheckout(String sessionId, String resourceId) {
    withRepositories(
        sessionId,
        "remove a checkout from",
        () -> {
          repositories.remove(sessionId, checkoutId(resourceId));
          return true;
        });
  }

  /** The resources with a checkout, ready or not, in the session's tree here. */
  public Set<String> checkoutsOnDisk(String sessionId) {
    return withRepositories(
            sessionId, "list the checkouts of", false, () -> repositories.onDisk(sessionId))
        .orElse(Set.of());
  }

  /**
   * Before a command binds a checkout at {@code /workspace/NAME}: whatever is there that is not a
   * directory (a file or link the agent made) is removed, without following it, so the bind finds a
   * directory or makes one.
   */
  public void clearWorkspaceEntry(String sessionId, String name) {
    locked(
        sessionId,
        "clear the workspace of",
        tree ->
            kept.withTop(
                tree,
                false,
                top -> {
                  try (var workspace = open(top.tree(), name("workspace"))) {
                    var attrs = lstat(workspace, name(name));
                    if (attrs.isPresent() && !attrs.get().isDirectory()) {
                      removeTree(workspace, name(name));
                    }
                  }
                }));
  }

  private static String checkoutId(String resourceId) {
    if (!resourceId.matches("[A-Za-z0-9_]{1,64}")) {
      throw new IllegalArgumentException("not a resource id: '" + resourceId + "'");
    }
    return resourceId;
  }

  /**
   * What the session's outputs, workspace and read-write memory stores hold against the quota: its
   * volume's used space, or, where it has none, the bytes of the regular files under them, never
   * following a link ({@link DiskUsage}). Takes no lock: commands change these directories while
   * they run, and the answer is a snapshot anyway.
   */
  public DiskSpace usage(String sessionId) {
    var id = new SessionId(sessionId);
    var onVolume = volumes.space(id.value());
    if (onVolume.isPresent()) {
      return onVolume.get();
    }
    try {
      long bytes = DiskUsage.of(sandboxesDir, id.value());
      return new DiskSpace(bytes, bytes > quotaBytes);
    } catch (IOException e) {
      throw OutOfDescriptors.orUnchecked("cannot measure sandbox " + sessionId, e);
    }
  }

  /**
   * Whether the session holds more than its quota, which only the walk lets happen: a volume never
   * holds more than its size.
   */
  public boolean overQuota(String sessionId) {
    return !volumes.attached(new SessionId(sessionId).value()) && usage(sessionId).full();
  }

  /** How many emptied directories are kept as spares now (for tests). */
  int spareDirectories() {
    return spares.size();
  }

  /**
   * Removes the session's whole tree, never following a symlink in it, and its volume, once nothing
   * is mounted in the tree any more.
   */
  public void destroy(String sessionId) {
    locked(
        sessionId,
        "destroy",
        tree -> {
          kept.drop(tree.session());
          volumes.detach(tree.session().id().value());
          removeTree(sandboxesDir, name(sessionId));
          spares.drop(tree.session());
        });
  }

  /**
   * The regular files the agent wrote under the session's {@code /mnt/session/outputs}, at most
   * {@code limit} of them; empty if this node has no tree for the session or no outputs directory
   * in it. Never follows a link ({@link OutputScanner}).
   */
  public Optional<OutputListing> listOutputs(String sessionId, int limit) {
    var id = new SessionId(sessionId);
    remountVolume(id.value());
    try {
      return outputs.list(sandboxesDir, id.value(), limit);
    } catch (IOException e) {
      throw OutOfDescriptors.orUnchecked("cannot list the outputs of sandbox " + sessionId, e);
    }
  }

  /**
   * Reads a listed output file with {@code reader}, if it is still the file listed. Empty, and what
   * the reader made handed to {@code discard}, if it changed before or while it was read.
   */
  public <T> Optional<T> readOutput(
      String sessionId, OutputFile file, OutputFile.Reader<T> reader, Consumer<T> discard) {
    var id = new SessionId(sessionId);
    remountVolume(id.value());
    try {
      return outputs.read(sandboxesDir, id.value(), file, reader, discard);
    } catch (IOException e) {
      throw OutOfDescriptors.orUnchecked(
          "cannot read output " + file.path() + " of sandbox " + sessionId, e);
    }
  }

  /**
   * A memory store resource's directory in a session's tree ({@link SessionMemories}): a writable
   * one counts against the session's disk quota (on its volume, where it has one), a read-only one,
   * which only Berth writes, does not.
   */
  public record MemoryPlace(String sessionId, String resourceId, boolean writable) {
    public MemoryPlace {
      checkoutId(resourceId); // one plain name
    }
  }

  /**
   * A memory store's directory in the session's tree as a command binds it ({@code source}), the
   * files written into it this time as lstat saw them once in place, and the paths that could not
   * be written for want of room on the session's volume (nothing is left at those).
   */
  public record MemoryDirectory(
      Path source, Map<String, OutputFile> written, Set<String> unwritten) {}

  /**
   * Brings a memory store's directory in the session's tree in line with its records: made if
   * missing, everything but the regular files at the paths in {@code keep} (relative, segments
   * joined by {@code /}) removed, then each of {@code writes} put at its path, all owned by {@code
   * owner} where given (the user commands run as) and never through a link ({@link
   * SessionMemories}). A writable store's directory is on the session's volume where volumes are
   * made, and is attached first. Empty when this node has no tree for the session.
   */
  public Optional<MemoryDirectory> updateMemory(
      MemoryPlace place, Set<String> keep, Map<String, byte[]> writes, OptionalInt owner) {
    String sessionId = place.sessionId();
    var out = new AtomicReference<MemoryDirectory>();
    locked(
        sessionId,
        "update a memory directory in",
        tree ->
            kept.withTop(
                tree,
                false,
                top -> {
                  if (place.writable() && volumes.loop()) {
                    attachVolume(sessionId, tree, top);
                    // through the volume's own mount: a rename between two mounts fails (EXDEV)
                    Path volume = volumes.root(sessionId);
                    try (var onVolume =
                            Staging.open(volume.resolve(SessionMemories.VOLUME_STAGING));
                        var root = openTrusted(volume)) {
                      out.set(
                          updateMemory(tree.madeIn(onVolume), root, place, keep, writes, owner));
                    }
                  } else {
                    out.set(updateMemory(tree, top.tree(), place, keep, writes, owner));
                  }
                }));
    return Optional.ofNullable(out.get());
  }

  /**
   * {@link #updateMemory(MemoryPlace, Set, Map, OptionalInt)} in {@code root}: the session's tree,
   * or its volume's root for a writable store where it has one.
   */
  private MemoryDirectory updateMemory(
      SessionTree tree,
      SecureDirectoryStream<Path> root,
      MemoryPlace place,
      Set<String> keep,
      Map<String, byte[]> writes,
      OptionalInt owner)
      throws IOException {
    try (var dir = SessionMemories.ensure(tree, root, place, owner)) {
      SessionMemories.prune(dir, "", keep);
      Map<String, OutputFile> written = new java.util.LinkedHashMap<>();
      Set<String> unwritten = new java.util.HashSet<>();
      for (var w : writes.entrySet()) {
        try {
          written.put(
              w.getKey(), SessionMemories.write(tree, dir, w.getKey(), w.getValue(), owner));
        } catch (IOException e) {
          if (!DiskSpace.ranOut(e)) {
            throw e;
          }
          unwritten.add(w.getKey());
        }
      }
      Path source = sandboxes.resolve(place.sessionId());
      for (String n : SessionMemories.names(place)) {
        source = source.resolve(n);
      }
      return new MemoryDirectory(source, written, unwritten);
    }
  }

  /**
   * The regular files in a memory store's directory in the session's tree, at most {@code limit};
   * empty if there is none here. Never follows a link ({@link OutputScanner}).
   */
  public Optional<OutputListing> listMemory(MemoryPlace place, int limit) {
    try {
      return outputs.list(sandboxesDir, memoryNames(place), limit);
    } catch (IOException e) {
      throw OutOfDescriptors.orUnchecked(
          "cannot list a memory directory of " + place.sessionId(), e);
    }
  }

  /**
   * Reads a file {@link #listMemory} listed, if it is still that file (see {@link #readOutput}).
   */
  public <T> Optional<T> readMemory(
      MemoryPlace place, OutputFile file, OutputFile.Reader<T> reader, Consumer<T> discard) {
    try {
      return outputs.read(sandboxesDir, memoryNames(place), file, reader, discard);
    } catch (IOException e) {
      throw OutOfDescriptors.orUnchecked(
          "cannot read memory " + file.path() + " of sandbox " + place.sessionId(), e);
    }
  }

  /**
   * The names from the sandboxes down to a memory store's directory, a writable one's volume
   * mounted again first where it was (as for outputs).
   */
  private List<String> memoryNames(MemoryPlace place) {
    var id = new SessionId(place.sessionId());
    if (place.writable()) {
      remountVolume(id.value());
    }
    List<String> names = new java.util.ArrayList<>();
    names.add(id.value());
    names.addAll(SessionMemories.names(place));
    return names;
  }

  /** The sessions that have a tree or a volume on disk. */
  public Set<String> sessionsOnDisk() {
    try (var root = Files.newDirectoryStream(sandboxes)) {
      var sessions = new TreeSet<String>(volumes.sessionsWithVolumes());
      for (Path entry : root) {
        String name = entry.getFileName().toString();
        if (SessionId.isValid(name)) {
          sessions.add(name);
        }
      }
      return Collections.unmodifiableSet(sessions);
    } catch (IOException e) {
      throw OutOfDescriptors.orUnchecked("cannot list sandboxes in " + sandboxes, e);
    }
  }

  /**
   * Outputs and workspace exist, for a change to the uploads: plain directories, cheap to make,
   * unless outputs have to be put back where a volume is made (or already exists, unmounted) for
   * the session: then on its volume, so they count against its quota.
   */
  private void writableDirectories(String sessionId, SessionTree tree, TopDirectories top)
      throws IOException {
    if (lstat(top.session(), name("outputs")).isEmpty()) {
      boolean detached = volumes.detached(sessionId);
      if (detached && volumes.exists(sessionId)) {
        attachVolume(sessionId, tree, top);
        return;
      }
      var wanted = outputsDirectory.wanted(sessionId);
      if (detached && !wanted.isEmpty()) {
        attachVolume(sessionId, tree, top);
        return;
      }
      outputsDirectory.create(sessionId, top.session(), wanted);
    }
    tree.createIfMissing(top.tree(), "workspace");
  }

  /**
   * Puts the session's outputs, workspace and read-write memory stores on its volume, made or
   * mounted as needed ({@link SessionVolumes}). A volume made now takes in what the plain
   * directories held (a tree from before volumes); where the tree has no outputs, the catalogued
   * ones are put back on the volume. The plain directories stay, empty, as the places the volume's
   * are bound onto.
   */
  private void attachVolume(String sessionId, SessionTree tree, TopDirectories top)
      throws IOException {
    if (volumes.attached(sessionId)) {
      return;
    }
    var volume = volumes.mount(sessionId);
    boolean plainOutputs = lstat(top.session(), name("outputs")).isPresent();
    try (var root = openTrusted(volume.root())) {
      for (String dir :
          List.of("workspace", SessionMemories.WRITABLE, SessionMemories.VOLUME_STAGING)) {
        if (lstat(root, name(dir)).isEmpty()) {
          newVolumeDirectory(volume.root().resolve(dir));
        }
      }
      if (lstat(root, name("outputs")).isEmpty()) {
        if (plainOutputs) {
          newVolumeDirectory(volume.root().resolve("outputs"));
        } else {
          outputsDirectory.createIfMissing(sessionId, root, volume.root().resolve(".staging"));
        }
      }
    }
    tree.createIfMissing(top.session(), "outputs");
    tree.createIfMissing(top.tree(), "workspace");
    tree.createIfMissing(top.tree(), SessionMemories.WRITABLE);
    if (volume.fresh()) {
      Path root = root(sessionId);
      moveIntoVolume(top.session(), "outputs", root.resolve("mnt/session/outputs"), volume);
      moveIntoVolume(top.tree(), "workspace", root.resolve("workspace"), volume);
    }
    // copies of the records, written again on the volume from them
    try (var plain = open(top.tree(), name(SessionMemories.WRITABLE))) {
      for (Path entry : names(plain)) {
        removeTree(plain, entry);
      }
    }
    volumes.bind(sessionId);
  }

  private static void newVolumeDirectory(Path dir) throws IOException {
    Files.createDirectory(dir);
    Files.setPosixFilePermissions(dir, Staging.DIRECTORY_MODE);
  }

  /**
   * Copies what the plain directory {@code name} holds onto the new volume (links as links, modes,
   * owners and times kept), then empties it. What does not fit the quota is left out, and said so.
   */
  private static void moveIntoVolume(
      SecureDirectoryStream<Path> parent, String name, Path plain, SessionVolumes.Mounted volume)
      throws IOException {
    try (var dir = open(parent, name(name))) {
      List<Path> entries = names(dir);
      if (entries.isEmpty()) {
        return;
      }
      try {
        SessionVolumes.copyInto(plain, volume.root().resolve(name));
      } catch (IOException e) {
        log.warn("{} did not all fit on its session's volume: {}", plain, e.getMessage());
      }
      for (Path entry : entries) {
        removeTree(dir, entry);
      }
    }
  }

  /**
   * After a reboot a session's image outlives its mounts: it is mounted again before its outputs
   * are read, as the empty directory it is bound onto would read as every output gone.
   */
  private void remountVolume(String sessionId) {
    if (volumes.detached(sessionId) && volumes.exists(sessionId)) {
      locked(
          sessionId,
          "mount the volume of",
          tree -> kept.withTop(tree, false, top -> attachVolume(sessionId, tree, top)));
    }
  }

  /** Makes {@code dir} hold exactly what {@code want} asks for, removing anything else. */
  private void sync(SessionTree tree, SecureDirectoryStream<Path> dir, MountPlan.Folder want)
      throws IOException {
    for (Path name : names(dir)) {
      if (!want.children().containsKey(name.toString())) {
        removeTree(dir, name);
      }
    }
    for (var entry : want.children().entrySet()) {
      switch (entry.getValue()) {
        case MountPlan.Mount m -> links.place(dir, entry.getKey(), m.sha256());
        case MountPlan.Folder f -> {
          try (var sub = tree.ensureDirectory(dir, entry.getKey())) {
            sync(tree, sub, f);
          }
        }
      }
    }
  }

  private interface TreeAction {
    void run(SessionTree tree) throws IOException;
  }

  /** Runs {@code action} on the session's tree while holding the session's lock. */
  private void locked(String sessionId, String what, TreeAction action) {
    var id = new SessionId(sessionId);
    try (var session = locks.lock(id)) {
      action.run(new SessionTree(session, staging, spares));
    } catch (IOException e) {
      throw OutOfDescriptors.orUnchecked("cannot " + what + " sandbox " + sessionId, e);
    }
  }
}
