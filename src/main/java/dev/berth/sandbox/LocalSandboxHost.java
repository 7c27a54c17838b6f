package dev.berth.sandbox;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Each session's sandbox on local disk: {@code <dataDir>/sandboxes/<session_id>/} stands for the
 * container's root filesystem, and file resources appear under its {@code /mnt/session/uploads}.
 *
 * <p>Design note. Two promises shape this class.
 *
 * <p>A mount costs the same for 1 KiB and 1 GiB (DESIGN principle 2). It is a hard link to the
 * immutable, read-only blob, so it shares the blob's inode and bytes. Where linking fails (the blob
 * lives on another filesystem) the blob is copied once into {@code sandboxes/.cache}, read-only,
 * and mounts link to that copy. "Already mounted" is therefore an inode comparison ({@code
 * fileKey()}), and a reconcile with nothing to do costs a few stats.
 *
 * <p>No symlink inside a sandbox is ever followed (principle 4). Whatever runs in the sandbox can
 * write its tree, so any name below the session directory may have been swapped for a link to
 * somewhere else, and a path handed to the kernel whole would follow it. So this class never does
 * that: each directory is opened relative to its parent with {@code O_NOFOLLOW} through {@link
 * SecureDirectoryStream} (openat), entries are removed with unlinkat, and new entries are built in
 * {@code sandboxes/.staging}, which no sandbox can reach, then renamed into place with renameat.
 * renameat replaces a planted link instead of writing through it, and unlinkat removes a link, not
 * its target. Only Berth manages the uploads subtree, so anything there that is not what the
 * records ask for (a stray file, a link where a directory belongs) is removed; {@code mnt} and
 * {@code session} are made real directories on the way down; {@code outputs} and {@code workspace}
 * belong to the agent and are only created when missing.
 *
 * <p>Opening a directory this way costs several syscalls, so the host keeps {@code sandboxes} and
 * {@code .staging} (Berth's own, outside every sandbox) open for its life, and keeps the session,
 * {@code mnt}, {@code session} and uploads directories of recently used sessions open between
 * operations. Before kept directories are used, each name on the way down is lstat-ed again and
 * must still be a directory with the same inode as the one held open (an open directory's inode
 * cannot be reused), so they are exactly what a fresh walk would open; otherwise they are closed
 * and the walk is done afresh. Listings always come from a freshly opened directory (a kept uploads
 * is reopened as {@code "."} to be listed).
 *
 * <p>Operations on one session are serialised by a striped lock, so different sessions rarely wait
 * for each other. Nothing is fsynced: after a crash the reconciler rebuilds the tree from the
 * records (principle 1).
 */
public final class LocalSandboxHost implements AutoCloseable {
  private static final String UPLOADS = "/mnt/session/uploads";

  private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));
  private static final Set<PosixFilePermission> READ_ONLY =
      PosixFilePermissions.fromString("r--r--r--");
  private static final Set<PosixFilePermission> RESTORED_FILE =
      PosixFilePermissions.fromString("rw-r--r--");
  private static final int STRIPES = 256;

  /**
   * Sessions whose top directories stay open between operations; each holds eight descriptors, so
   * this keeps at most 2048 open. Fewer than the sessions changing at once means reopening their
   * four directories on nearly every change: 16 was a tenth of a mount's cost at 64 busy sessions.
   */
  static final int KEPT_SESSIONS = 256;

  /** Emptied directories kept in staging for reuse ({@link #removeIfEmpty}). */
  static final int SPARE_DIRECTORIES = 256;

  private final Path sandboxes;
  private final Path staging;
  private final Path cache;
  private final Function<String, Path> blobs;
  private final SecureDirectoryStream<Path> sandboxesDir; // open for the host's life
  private final SecureDirectoryStream<Path> stagingDir;
  private final KeptSessions kept = new KeptSessions();
  private final SpareDirectories spares = new SpareDirectories();
  private final OutputScanner outputs = new OutputScanner();
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
  private volatile OutputRestorer restorer = OutputRestorer.NONE;
  private volatile OptionalInt restoredOwner = OptionalInt.empty();

  /**
   * @param dataDir Berth's data directory; sandboxes live in {@code <dataDir>/sandboxes}
   * @param blobs where the blob with a given SHA-256 lives
   */
  public LocalSandboxHost(Path dataDir, Function<String, Path> blobs) {
    this.sandboxes = dataDir.resolve("sandboxes");
    this.staging = sandboxes.resolve(".staging");
    this.cache = sandboxes.resolve(".cache");
    this.blobs = blobs;
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
    try {
      Files.createDirectories(staging);
      Files.createDirectories(cache);
      try (var stale = openTrusted(staging)) { // left by a previous run
        for (Path name : names(stale)) {
          removeTree(stale, name);
        }
      }
      sandboxesDir = openTrusted(sandboxes);
      try {
        stagingDir = openTrusted(staging);
      } catch (IOException | RuntimeException e) {
        sandboxesDir.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare sandbox directory " + sandboxes, e);
    }
  }

  /**
   * From now on, an outputs directory this host has to create comes with the outputs {@code
   * restorer} recorded for the session, owned by {@code owner} when given (the uid and gid commands
   * run as, so they can change them). Set once at start, before any sandbox is built; the catalogue
   * that restores needs this host first.
   */
  public void restoreOutputsWith(OutputRestorer restorer, OptionalInt owner) {
    this.restorer = restorer;
    this.restoredOwner = owner;
  }

  /** Closes the directories the host keeps open; it must not be used afterwards. */
  @Override
  public void close() {
    try (outputs;
        sandboxesDir;
        stagingDir) {
      kept.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close sandbox directory " + sandboxes, e);
    }
  }

  /** Where the session's tree lives (it may not exist yet). */
  public Path root(String sessionId) {
    checkSessionId(sessionId);
    return sandboxes.resolve(sessionId);
  }

  /**
   * Makes the session's uploads hold exactly {@code desired} (mount path to SHA-256): missing
   * mounts are added, wrong ones replaced, anything else under uploads removed. Mounts that are
   * already right are not touched. Creates the tree if it does not exist.
   *
   * @throws IllegalArgumentException if a mount path is invalid or one lies inside another
   */
  public void reconcile(String sessionId, Map<String, String> desired) {
    Folder plan = plan(desired);
    locked(
        sessionId,
        "reconcile",
        () ->
            withTop(
                sessionId,
                true,
                top -> {
                  createOutputsIfMissing(sessionId, top.session());
                  createIfMissing(sessionId, top.tree(), "workspace");
                  try (var uploads = open(top.uploads(), Path.of("."))) { // to list it
                    sync(sessionId, uploads, plan);
                  }
                }));
  }

  /** Mounts one blob at {@code mountPath}, replacing whatever is there. */
  public void mount(String sessionId, String mountPath, String sha256) {
    List<String> segments = segments(mountPath);
    checkSha256(sha256);
    locked(
        sessionId,
        "mount " + mountPath + " in",
        () ->
            withTop(
                sessionId,
                true,
                top -> {
                  createOutputsIfMissing(sessionId, top.session());
                  createIfMissing(sessionId, top.tree(), "workspace");
                  try (var dirs = new OpenDirs()) {
                    var dir = top.uploads();
                    boolean made = false; // dir was made by this mount, so nothing is in it yet
                    for (String segment : segments.subList(0, segments.size() - 1)) {
                      if (made) {
                        dir = dirs.add(newDirectory(sessionId, dir, segment));
                      } else {
                        var attrs = lstat(dir, name(segment));
                        made = attrs.isEmpty() || !attrs.get().isDirectory();
                        dir = dirs.add(ensureDirectory(sessionId, dir, segment, attrs));
                      }
                    }
                    if (made) {
                      linkIn(dir, segments.getLast(), sha256);
                    } else {
                      placeMount(dir, segments.getLast(), sha256);
                    }
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
    List<String> segments = segments(mountPath);
    List<String> names = segments.subList(0, segments.size() - 1);
    boolean[] clean = {true};
    locked(
        sessionId,
        "unmount " + mountPath + " from",
        () ->
            withTop(
                sessionId,
                false,
                top -> {
                  try (var dirs = new OpenDirs()) {
                    var dir = top.uploads();
                    for (String name : names) {
                      var attrs = lstat(dir, name(name));
                      if (attrs.isEmpty()) {
                        return;
                      }
                      if (!attrs.get().isDirectory()) {
                        clean[0] = false;
                        return;
                      }
                      dir = dirs.add(open(dir, name(name)));
                    }
                    removeTree(dir, name(segments.getLast()));
                    for (int i = dirs.size() - 1; i >= 0; i--) {
                      var parent = i == 0 ? top.uploads() : dirs.get(i - 1);
                      if (!removeIfEmpty(sessionId, parent, dirs.get(i), name(names.get(i)))) {
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
  public record CommandDirs(Path uploads, Path outputs, Path workspace) {}

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
        () ->
            withTop(
                sessionId,
                false,
                top -> {
                  createOutputsIfMissing(sessionId, top.session());
                  createIfMissing(sessionId, top.tree(), "workspace");
                  if (owner.isPresent()) {
                    own(top.session(), "outputs", owner.getAsInt());
                    own(top.tree(), "workspace", owner.getAsInt());
                  }
                  Path root = sandboxes.resolve(sessionId);
                  out.set(
                      new CommandDirs(
                          root.resolve("mnt/session/uploads"),
                          root.resolve("mnt/session/outputs"),
                          root.resolve("workspace")));
                }));
    return Optional.ofNullable(out.get());
  }

  private static void own(SecureDirectoryStream<Path> parent, String name, int id)
      throws IOException {
    var attrs = lstat(parent, name(name));
    if (attrs.isEmpty() || !attrs.get().isDirectory()) {
      throw new IOException(name + " is not a directory");
    }
    giveTo(
        parent.getFileAttributeView(name(name), PosixFileAttributeView.class, NOFOLLOW_LINKS), id);
  }

  /** Makes {@code id} the owner and the group of what {@code view} stands for. */
  private static void giveTo(PosixFileAttributeView view, int id) throws IOException {
    var lookup = FileSystems.getDefault().getUserPrincipalLookupService();
    // a number that names no account is taken as the id itself
    view.setOwner(lookup.lookupPrincipalByName(Integer.toString(id)));
    view.setGroup(lookup.lookupPrincipalByGroupName(Integer.toString(id)));
  }

  /** Deepest directory {@link #usage} descends into; a tree deeper than this is not counted. */
  private static final int USAGE_DEPTH = 512;

  /**
   * Bytes held by the regular files under the session's outputs and workspace, walked without
   * following a link (whatever runs in the sandbox may plant one pointing anywhere). Takes no lock:
   * commands change these directories while they run, and the answer is a snapshot anyway.
   */
  public long usage(String sessionId) {
    checkSessionId(sessionId);
    try {
      var tree = openExisting(sandboxesDir, sessionId);
      if (tree.isEmpty()) {
        return 0;
      }
      try (var root = tree.get()) {
        long total = usage(root, name("workspace"), 0);
        var session = openExisting(root, List.of("mnt", "session"));
        if (session.isPresent()) {
          try (var s = session.get()) {
            total += usage(s, name("outputs"), 0);
          }
        }
        return total;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure sandbox " + sessionId, e);
    }
  }

  private static long usage(SecureDirectoryStream<Path> parent, Path name, int depth)
      throws IOException {
    var attrs = lstat(parent, name);
    if (depth > USAGE_DEPTH || attrs.isEmpty() || !attrs.get().isDirectory()) {
      return 0;
    }
    long total = 0;
    try (var d = open(parent, name)) {
      for (Path child : names(d)) {
        try {
          var entry = lstat(d, child);
          if (entry.isPresent() && entry.get().isDirectory()) {
            total += usage(d, child, depth + 1);
          } else if (entry.isPresent() && entry.get().isRegularFile()) {
            total += entry.get().size();
          }
        } catch (FileSystemException gone) {
          // removed or swapped for something else while we looked: the next poll sees it
        }
      }
    }
    return total;
  }

  /** How many emptied directories are kept as spares now (for tests). */
  int spareDirectories() {
    return spares.size();
  }

  /** Removes the session's whole tree, never following a symlink in it. */
  public void destroy(String sessionId) {
    locked(
        sessionId,
        "destroy",
        () -> {
          kept.drop(sessionId);
          removeTree(sandboxesDir, name(sessionId));
          for (Path spare : spares.drop(sessionId)) {
            removeTree(stagingDir, spare.getFileName());
          }
        });
  }

  /**
   * The regular files the agent wrote under the session's {@code /mnt/session/outputs}, at most
   * {@code limit} of them; empty if this node has no tree for the session or no outputs directory
   * in it. Never follows a link ({@link OutputScanner}).
   */
  public Optional<OutputListing> listOutputs(String sessionId, int limit) {
    checkSessionId(sessionId);
    try {
      return outputs.list(sandboxesDir, sessionId, limit);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the outputs of sandbox " + sessionId, e);
    }
  }

  /**
   * Reads a listed output file with {@code reader}, if it is still the file listed. Empty, and what
   * the reader made handed to {@code discard}, if it changed before or while it was read.
   */
  public <T> Optional<T> readOutput(
      String sessionId,
      OutputFile file,
      OutputFile.Reader<T> reader,
      java.util.function.Consumer<T> discard) {
    checkSessionId(sessionId);
    try {
      return outputs.read(sandboxesDir, sessionId, file, reader, discard);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read output " + file.path() + " of sandbox " + sessionId, e);
    }
  }

  /** The sessions that have a tree on disk. */
  public Set<String> sessionsOnDisk() {
    try (var root = Files.newDirectoryStream(sandboxes)) {
      var sessions = new TreeSet<String>();
      for (Path entry : root) {
        String name = entry.getFileName().toString();
        if (SESSION_ID.matcher(name).matches()) {
          sessions.add(name);
        }
      }
      return Collections.unmodifiableSet(sessions);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list sandboxes in " + sandboxes, e);
    }
  }

  /**
   * The segments of {@code mountPath} below uploads; refuses anything that is not plainly there.
   */
  private static List<String> segments(String mountPath) {
    if (!mountPath.startsWith(UPLOADS + "/")) {
      throw new IllegalArgumentException(
          "mount_path must be under " + UPLOADS + ": '" + mountPath + "'");
    }
    List<String> segments = List.of(mountPath.substring(UPLOADS.length() + 1).split("/", -1));
    for (String s : segments) {
      if (s.isEmpty() || s.equals(".") || s.equals("..")) {
        throw new IllegalArgumentException(
            "mount_path must not have empty, '.' or '..' segments or end with '/': '"
                + mountPath
                + "'");
      }
      if (s.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException(
            "mount_path must not contain control characters: '" + mountPath + "'");
      }
    }
    return segments;
  }

  // ---- the desired uploads tree

  private sealed interface Node permits Mount, Folder {}

  private record Mount(String sha256) implements Node {}

  private record Folder(Map<String, Node> children) implements Node {
    Folder() {
      this(new TreeMap<>());
    }
  }

  private static Folder plan(Map<String, String> desired) {
    Folder root = new Folder();
    desired.forEach(
        (mountPath, sha256) -> {
          checkSha256(sha256);
          List<String> segments = segments(mountPath);
          Folder folder = root;
          for (String segment : segments.subList(0, segments.size() - 1)) {
            if (!(folder.children().computeIfAbsent(segment, s -> new Folder())
                instanceof Folder sub)) {
              throw overlap(mountPath);
            }
            folder = sub;
          }
          if (folder.children().putIfAbsent(segments.getLast(), new Mount(sha256)) != null) {
            throw overlap(mountPath);
          }
        });
    return root;
  }

  private static IllegalArgumentException overlap(String mountPath) {
    return new IllegalArgumentException(
        "mount_path is an ancestor or descendant of another mount: '" + mountPath + "'");
  }

  private void sync(String sessionId, SecureDirectoryStream<Path> dir, Folder want)
      throws IOException {
    for (Path name : names(dir)) {
      if (!want.children().containsKey(name.toString())) {
        removeTree(dir, name);
      }
    }
    for (var entry : want.children().entrySet()) {
      switch (entry.getValue()) {
        case Mount m -> placeMount(dir, entry.getKey(), m.sha256());
        case Folder f -> {
          try (var sub = ensureDirectory(sessionId, dir, entry.getKey())) {
            sync(sessionId, sub, f);
          }
        }
      }
    }
  }

  // ---- placing entries without following links

  // ---- the session's top directories, kept open between operations

  /** The open session root, {@code mnt}, {@code session} and uploads, and each one's inode. */
  private record Top(List<SecureDirectoryStream<Path>> dirs, List<Object> keys)
      implements AutoCloseable {
    private static final List<String> BELOW_ROOT = List.of("mnt", "session", "uploads");

    SecureDirectoryStream<Path> tree() {
      return dirs.get(0);
    }

    SecureDirectoryStream<Path> session() {
      return dirs.get(2);
    }

    SecureDirectoryStream<Path> uploads() {
      return dirs.get(3);
    }

    /** Whether each name from {@code sandboxes} down is still the directory held open. */
    boolean inPlace(SecureDirectoryStream<Path> sandboxes, String sessionId) throws IOException {
      for (int i = 0; i < dirs.size(); i++) {
        var parent = i == 0 ? sandboxes : dirs.get(i - 1);
        var attrs = lstat(parent, name(i == 0 ? sessionId : BELOW_ROOT.get(i - 1)));
        if (attrs.isEmpty()
            || !attrs.get().isDirectory()
            || !keys.get(i).equals(attrs.get().fileKey())) {
          return false;
        }
      }
      return true;
    }

    @Override
    public void close() throws IOException {
      var tree = dirs.get(0);
      var mnt = dirs.get(1);
      var session = dirs.get(2);
      var uploads = dirs.get(3);
      try (tree;
          mnt;
          session;
          uploads) {
        // closed by try-with-resources, uploads first, each even when another fails
      }
    }
  }

  private interface TopAction {
    void run(Top top) throws IOException;
  }

  /**
   * Runs {@code action} on the session's top directories: the kept ones if still in place, else
   * freshly opened (and made real directories when {@code create}; when not, does nothing if one is
   * missing). They are kept for the next operation unless the action fails.
   */
  private void withTop(String sessionId, boolean create, TopAction action) throws IOException {
    Top top = kept.take(sessionId);
    try {
      if (top != null && !top.inPlace(sandboxesDir, sessionId)) {
        top.close();
        top = null;
      }
      if (top == null) {
        top = openTop(sessionId, create);
        if (top == null) {
          return;
        }
      }
      action.run(top);
    } catch (IOException | RuntimeException | Error e) {
      try {
        if (top != null) {
          top.close(); // closing twice does no harm
        }
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    kept.put(sessionId, top);
  }

  private Top openTop(String sessionId, boolean create) throws IOException {
    List<String> names = new ArrayList<>(List.of(sessionId));
    names.addAll(Top.BELOW_ROOT);
    var dirs = new ArrayList<SecureDirectoryStream<Path>>();
    var keys = new ArrayList<Object>();
    try {
      var dir = sandboxesDir;
      for (String name : names) {
        if (create) {
          dir = ensureDirectory(sessionId, dir, name);
        } else {
          var next = openExisting(dir, name);
          if (next.isEmpty()) {
            break;
          }
          dir = next.get();
        }
        dirs.add(dir);
        // the inode actually opened, which a swap after the lstat could have changed
        keys.add(dir.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey());
      }
    } finally {
      if (dirs.size() < names.size()) { // missing, or something failed
        for (var dir : dirs.reversed()) {
          dir.close();
        }
      }
    }
    return dirs.size() < names.size() ? null : new Top(List.copyOf(dirs), List.copyOf(keys));
  }

  /**
   * Top directories of recently used sessions. An operation takes its session's out and puts them
   * back when done, so evicting never closes directories in use.
   */
  private static final class KeptSessions {
    private final LinkedHashMap<String, Top> tops = new LinkedHashMap<>();
    private boolean closed;

    synchronized Top take(String sessionId) {
      return tops.remove(sessionId);
    }

    void put(String sessionId, Top top) throws IOException {
      Top evicted = top;
      synchronized (this) {
        if (!closed) {
          tops.put(sessionId, top);
          evicted = tops.size() > KEPT_SESSIONS ? tops.pollFirstEntry().getValue() : null;
        }
      }
      if (evicted != null) {
        evicted.close();
      }
    }

    void drop(String sessionId) throws IOException {
      Top top = take(sessionId);
      if (top != null) {
        top.close();
      }
    }

    void close() throws IOException {
      List<Top> all;
      synchronized (this) {
        closed = true;
        all = List.copyOf(tops.values());
        tops.clear();
      }
      for (Top top : all) {
        top.close();
      }
    }
  }

  /**
   * Names of the empty directories in staging that are ready to be moved into a sandbox, by the
   * session whose tree they came from. A spare only ever goes back into its own session: a command
   * that had a directory open before it was emptied can still read whatever is later put in it, so
   * handing it to another session would let that command read the other session's files.
   */
  private static final class SpareDirectories {
    /** Least recently used session first. */
    private final LinkedHashMap<String, ArrayDeque<Path>> bySession =
        new LinkedHashMap<>(16, 0.75f, true);

    private int count;

    /** One of the session's spares, taken out; null if it has none. */
    synchronized Path take(String sessionId) {
      ArrayDeque<Path> names = bySession.get(sessionId);
      if (names == null) {
        return null;
      }
      Path name = names.pollLast();
      if (names.isEmpty()) {
        bySession.remove(sessionId);
      }
      count--;
      return name;
    }

    /**
     * Keeps a spare of the session's; returns the spares of the least recently used sessions that
     * no longer fit, for the caller to remove.
     */
    synchronized List<Path> keep(String sessionId, Path name) {
      bySession.computeIfAbsent(sessionId, id -> new ArrayDeque<>()).add(name);
      count++;
      List<Path> evicted = new ArrayList<>();
      while (count > SPARE_DIRECTORIES) {
        var oldest = bySession.entrySet().iterator().next();
        evicted.add(oldest.getValue().pollFirst());
        if (oldest.getValue().isEmpty()) {
          bySession.remove(oldest.getKey());
        }
        count--;
      }
      return evicted;
    }

    /** Takes out every spare of the session. */
    synchronized List<Path> drop(String sessionId) {
      ArrayDeque<Path> names = bySession.remove(sessionId);
      if (names == null) {
        return List.of();
      }
      count -= names.size();
      return List.copyOf(names);
    }

    synchronized int size() {
      return count;
    }
  }

  /** Opens {@code name} in {@code parent}, first replacing anything there but a directory. */
  private SecureDirectoryStream<Path> ensureDirectory(
      String sessionId, SecureDirectoryStream<Path> parent, String name) throws IOException {
    return ensureDirectory(sessionId, parent, name, lstat(parent, name(name)));
  }

  /** {@link #ensureDirectory(String, SecureDirectoryStream, String)}, given what lstat found. */
  private SecureDirectoryStream<Path> ensureDirectory(
      String sessionId,
      SecureDirectoryStream<Path> parent,
      String name,
      Optional<BasicFileAttributes> attrs)
      throws IOException {
    if (attrs.isPresent() && attrs.get().isDirectory()) {
      return open(parent, name(name));
    }
    if (attrs.isPresent()) {
      parent.deleteFile(name(name));
    }
    return newDirectory(sessionId, parent, name);
  }

  /**
   * Puts an empty directory at {@code name} in {@code parent}, where nothing stands (a file or link
   * there is replaced), and opens it. Looking a name up first costs more than this when it is free,
   * because the JDK reports a missing name by throwing; so the names below a directory a mount has
   * just made, which are free, are not looked up.
   */
  private SecureDirectoryStream<Path> newDirectory(
      String sessionId, SecureDirectoryStream<Path> parent, String name) throws IOException {
    moveIn(emptyDirectory(sessionId), parent, name);
    return open(parent, name(name));
  }

  /**
   * A new, empty directory in staging for the session's tree: one of the session's own spares when
   * there is one, else a fresh one.
   */
  private Path emptyDirectory(String sessionId) throws IOException {
    Path spare = spares.take(sessionId);
    if (spare != null) {
      return spare;
    }
    Path temp = staged();
    Files.createDirectory(temp, DIRECTORY);
    return temp;
  }

  /**
   * Removes the directory {@code name} from {@code parent} if it is empty; {@code dir} is it, open.
   * On ext4 making and removing a directory costs several times what moving one does, so an emptied
   * directory is moved into staging and kept there as a spare for the session's next new directory
   * ({@link SpareDirectories}: at most {@link #SPARE_DIRECTORIES} in all, least recently used
   * sessions' removed first). Nothing in a sandbox can write into uploads (commands see it
   * read-only), and this runs under the session's lock, so the directory listed empty here is still
   * empty when moved; a spare is checked to be that same directory before it is kept.
   *
   * @return false if it is not empty, or not there
   */
  private boolean removeIfEmpty(
      String sessionId,
      SecureDirectoryStream<Path> parent,
      SecureDirectoryStream<Path> dir,
      Path name)
      throws IOException {
    try (var listing = open(dir, Path.of("."))) {
      if (listing.iterator().hasNext()) {
        return false;
      }
    }
    Path spare = staged();
    try {
      parent.move(name, stagingDir, spare.getFileName());
    } catch (NoSuchFileException e) {
      return false;
    }
    var moved = lstat(stagingDir, spare.getFileName());
    Object key = dir.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
    if (moved.isPresent() && moved.get().isDirectory() && key.equals(moved.get().fileKey())) {
      for (Path evicted : spares.keep(sessionId, spare)) {
        removeTree(stagingDir, evicted.getFileName());
      }
    } else {
      removeTree(stagingDir, spare.getFileName());
    }
    return true;
  }

  /**
   * Creates the session's outputs directory if it is missing, holding the outputs the catalogue
   * recorded for it. It is built whole in staging, which no sandbox can reach, and renamed into
   * place, so a catalogue refresh sees either no outputs directory (and changes nothing) or every
   * restored file, never an empty directory whose records it would drop. An existing outputs
   * directory is the agent's and is left as it is. A failure leaves outputs missing, so the next
   * operation on the session tries again.
   */
  private void createOutputsIfMissing(String sessionId, SecureDirectoryStream<Path> session)
      throws IOException {
    if (lstat(session, name("outputs")).isPresent()) {
      return;
    }
    List<OutputRestorer.Wanted> wanted = restorer.wanted(sessionId);
    Path temp = staged();
    Files.createDirectory(temp, DIRECTORY);
    List<OutputRestorer.Restored> placed;
    try {
      restoredMode(temp, DIRECTORY.value());
      placed = new ArrayList<>();
      for (var output : wanted) {
        restore(temp, output).ifPresent(placed::add);
      }
    } catch (IOException | RuntimeException e) {
      try {
        removeTree(stagingDir, temp.getFileName());
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    moveIn(temp, session, "outputs");
    if (!placed.isEmpty()) {
      restorer.restored(sessionId, placed);
    }
  }

  /**
   * Copies one recorded output from its blob into {@code outputs} (still in staging, Berth's own,
   * so paths may be used whole). Empty when the records contradict each other (a file where
   * another's directory goes) or the blob is gone: its record then goes at the next refresh.
   */
  private Optional<OutputRestorer.Restored> restore(Path outputs, OutputRestorer.Wanted output)
      throws IOException {
    List<String> segments = List.of(output.path().split("/", -1));
    Path dir = outputs;
    for (String segment : segments.subList(0, segments.size() - 1)) {
      dir = dir.resolve(name(segment));
      if (!Files.isDirectory(dir, NOFOLLOW_LINKS)) {
        if (Files.exists(dir, NOFOLLOW_LINKS)) {
          return Optional.empty();
        }
        Files.createDirectory(dir);
        restoredMode(dir, DIRECTORY.value());
      }
    }
    Path file = dir.resolve(name(segments.getLast()));
    if (Files.exists(file, NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    try {
      Files.copy(blobs.apply(output.sha256()), file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    restoredMode(file, RESTORED_FILE);
    Files.setLastModifiedTime(file, FileTime.from(output.mtimeNanos(), TimeUnit.NANOSECONDS));
    var attrs = Files.readAttributes(file, BasicFileAttributes.class, NOFOLLOW_LINKS);
    return Optional.of(
        new OutputRestorer.Restored(output, OutputScanner.outputFile(output.path(), attrs)));
  }

  /** Normal modes whatever the umask, and the commands' owner when Berth runs as root. */
  private void restoredMode(Path path, Set<PosixFilePermission> mode) throws IOException {
    Files.setPosixFilePermissions(path, mode);
    OptionalInt owner = restoredOwner;
    if (owner.isPresent()) {
      giveTo(
          Files.getFileAttributeView(path, PosixFileAttributeView.class, NOFOLLOW_LINKS),
          owner.getAsInt());
    }
  }

  private void createIfMissing(String sessionId, SecureDirectoryStream<Path> parent, String name)
      throws IOException {
    if (lstat(parent, name(name)).isEmpty()) {
      moveIn(emptyDirectory(sessionId), parent, name);
    }
  }

  /** Puts a link to the blob at {@code name} unless the blob's inode is already there. */
  private void placeMount(SecureDirectoryStream<Path> dir, String name, String sha256)
      throws IOException {
    Path blob = blobs.apply(sha256);
    var existing = lstat(dir, name(name));
    if (existing.isPresent()) {
      var attrs = existing.get();
      if (attrs.isRegularFile() && isBlob(attrs.fileKey(), sha256, blob)) {
        return;
      }
      if (attrs.isDirectory()) {
        removeTree(dir, name(name)); // renameat cannot replace a directory with a file
      }
    }
    linkIn(dir, name, sha256);
  }

  /**
   * Puts a link to the blob at {@code name}, replacing a file or link there but not a directory.
   */
  private void linkIn(SecureDirectoryStream<Path> dir, String name, String sha256)
      throws IOException {
    Path blob = blobs.apply(sha256);
    Path temp = staged();
    try {
      Files.createLink(temp, blob);
    } catch (NoSuchFileException | FileAlreadyExistsException e) {
      throw e;
    } catch (FileSystemException e) { // another filesystem, or no hard links there
      Files.createLink(temp, cachedCopy(sha256, blob));
    }
    moveIn(temp, dir, name);
  }

  private boolean isBlob(Object fileKey, String sha256, Path blob) throws IOException {
    if (fileKey.equals(Files.readAttributes(blob, BasicFileAttributes.class).fileKey())) {
      return true;
    }
    try {
      var copy = Files.readAttributes(cache.resolve(sha256), BasicFileAttributes.class);
      return fileKey.equals(copy.fileKey());
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /** The blob's read-only copy on the sandboxes' filesystem, made the first time it is needed. */
  private Path cachedCopy(String sha256, Path blob) throws IOException {
    Path copy = cache.resolve(sha256);
    if (Files.exists(copy)) {
      return copy;
    }
    Path temp = staged();
    try {
      Files.copy(blob, temp);
      try (var channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.setPosixFilePermissions(temp, READ_ONLY);
      Files.createLink(copy, temp); // unlike a rename, never replaces a concurrent copy
    } catch (FileAlreadyExistsException e) {
      // another session copied it first; theirs is as good
    } finally {
      Files.deleteIfExists(temp);
    }
    return copy;
  }

  /** Renames a staged entry to {@code name} in {@code dir}, replacing a file or link there. */
  private void moveIn(Path temp, SecureDirectoryStream<Path> dir, String name) throws IOException {
    try {
      stagingDir.move(temp.getFileName(), dir, name(name));
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(temp); // the rename failed, so it is still there
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private Path staged() {
    return staging.resolve(UUID.randomUUID().toString());
  }

  /** Removes {@code name} from {@code parent}, and everything below it if it is a directory. */
  private static void removeTree(SecureDirectoryStream<Path> parent, Path name) throws IOException {
    var attrs = lstat(parent, name);
    if (attrs.isEmpty()) {
      return;
    }
    if (attrs.get().isDirectory()) {
      try (var dir = open(parent, name)) {
        for (Path child : names(dir)) {
          removeTree(dir, child);
        }
      }
      parent.deleteDirectory(name);
    } else {
      parent.deleteFile(name);
    }
  }

  static Optional<SecureDirectoryStream<Path>> openExisting(
      SecureDirectoryStream<Path> parent, String name) throws IOException {
    var attrs = lstat(parent, name(name));
    if (attrs.isEmpty() || !attrs.get().isDirectory()) {
      return Optional.empty();
    }
    return Optional.of(open(parent, name(name)));
  }

  /**
   * Opens {@code parent/names[0]/names[1]/…} one directory at a time, each relative to the one
   * before and without following a link; empty if one is missing or not a directory. The
   * directories on the way are closed once the next is open: a directory's descriptor does not need
   * its parent's.
   */
  static Optional<SecureDirectoryStream<Path>> openExisting(
      SecureDirectoryStream<Path> parent, List<String> names) throws IOException {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("no directory to open");
    }
    SecureDirectoryStream<Path> dir = parent;
    boolean opened = false; // the caller's parent stays open
    for (String name : names) {
      Optional<SecureDirectoryStream<Path>> next;
      try {
        next = openExisting(dir, name);
      } finally {
        if (opened) {
          dir.close();
        }
      }
      if (next.isEmpty()) {
        return Optional.empty();
      }
      dir = next.get();
      opened = true;
    }
    return Optional.of(dir);
  }

  /**
   * Opens a directory relative to {@code parent}; fails on a symlink. Callers lstat first, so a
   * FIFO or device planted in the tree is not opened.
   */
  static SecureDirectoryStream<Path> open(SecureDirectoryStream<Path> parent, Path name)
      throws IOException {
    return parent.newDirectoryStream(name, NOFOLLOW_LINKS);
  }

  static Optional<BasicFileAttributes> lstat(SecureDirectoryStream<Path> dir, Path name)
      throws IOException {
    try {
      var view = dir.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW_LINKS);
      return Optional.of(view.readAttributes());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** The entries' names, kept as paths so names that are not valid text survive the round trip. */
  static List<Path> names(SecureDirectoryStream<Path> dir) {
    List<Path> names = new ArrayList<>();
    for (Path entry : dir) {
      names.add(entry.getFileName());
    }
    return names;
  }

  /** A single name for the *at calls; anything with a slash would resolve more than one step. */
  static Path name(String name) {
    if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
      throw new IllegalArgumentException("not a single path segment: '" + name + "'");
    }
    return Path.of(name);
  }

  /** Opens a directory Berth owns (not inside any sandbox), following its path as given. */
  @SuppressWarnings(
      "StreamResourceLeak") // the stream is the result: the caller keeps and closes it
  private static SecureDirectoryStream<Path> openTrusted(Path dir) throws IOException {
    DirectoryStream<Path> stream = Files.newDirectoryStream(dir);
    if (stream instanceof SecureDirectoryStream<Path> secure) {
      return secure;
    }
    stream.close();
    throw new UnsupportedOperationException(
        "sandboxes need a filesystem with openat-style directory access: " + dir);
  }

  /** Directories opened on the way down, closed together. */
  private static final class OpenDirs implements AutoCloseable {
    private final List<SecureDirectoryStream<Path>> dirs = new ArrayList<>();

    SecureDirectoryStream<Path> add(SecureDirectoryStream<Path> dir) {
      dirs.add(dir);
      return dir;
    }

    SecureDirectoryStream<Path> get(int i) {
      return dirs.get(i);
    }

    int size() {
      return dirs.size();
    }

    @Override
    public void close() throws IOException {
      for (int i = dirs.size() - 1; i >= 0; i--) {
        dirs.get(i).close();
      }
    }
  }

  // ---- arguments and locking

  private interface IoAction {
    void run() throws IOException;
  }

  private void locked(String sessionId, String what, IoAction action) {
    checkSessionId(sessionId);
    ReentrantLock lock = locks[Math.floorMod(sessionId.hashCode(), STRIPES)];
    lock.lock();
    try {
      action.run();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot " + what + " sandbox " + sessionId, e);
    } finally {
      lock.unlock();
    }
  }

  private static void checkSessionId(String sessionId) {
    if (!SESSION_ID.matcher(sessionId).matches()) {
      throw new IllegalArgumentException("not a session id: '" + sessionId + "'");
    }
  }

  private static void checkSha256(String sha256) {
    if (!SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException("not a lowercase hex SHA-256: '" + sha256 + "'");
    }
  }
}
