package dev.berth.sandbox;

import static dev.berth.sandbox.NoFollow.fileKey;
import static dev.berth.sandbox.NoFollow.lstat;
import static dev.berth.sandbox.NoFollow.name;
import static dev.berth.sandbox.NoFollow.names;
import static dev.berth.sandbox.NoFollow.open;
import static dev.berth.sandbox.NoFollow.openExisting;
import static dev.berth.sandbox.NoFollow.openTrusted;
import static dev.berth.sandbox.NoFollow.own;
import static dev.berth.sandbox.NoFollow.removeTree;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
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
  private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
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
  private final SecureDirectoryStream<Path> sandboxesDir; // open for the host's life
  private final Staging staging;
  private final BlobLinks links;
  private final OutputsDirectory outputsDirectory;
  private final KeptSessions kept = new KeptSessions();
  private final SpareDirectories spares = new SpareDirectories();
  private final OutputScanner outputs = new OutputScanner();
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

  /**
   * @param dataDir Berth's data directory; sandboxes live in {@code <dataDir>/sandboxes}
   * @param blobs where the blob with a given SHA-256 lives
   */
  public LocalSandboxHost(Path dataDir, Function<String, Path> blobs) {
    this.sandboxes = dataDir.resolve("sandboxes");
    Path cache = sandboxes.resolve(".cache");
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
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
    links = new BlobLinks(blobs, cache, staging);
    outputsDirectory = new OutputsDirectory(staging, blobs);
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
    try (outputs;
        sandboxesDir;
        staging) {
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
    MountPlan.Folder plan = MountPlan.of(desired);
    locked(
        sessionId,
        "reconcile",
        () ->
            withTop(
                sessionId,
                true,
                top -> {
                  outputsDirectory.createIfMissing(sessionId, top.session());
                  createIfMissing(sessionId, top.tree(), "workspace");
                  try (var uploads = open(top.uploads(), Path.of("."))) { // to list it
                    sync(sessionId, uploads, plan);
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
        () ->
            withTop(
                sessionId,
                true,
                top -> {
                  outputsDirectory.createIfMissing(sessionId, top.session());
                  createIfMissing(sessionId, top.tree(), "workspace");
                  try (var dirs = new NoFollow.OpenDirs()) {
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
                      links.link(dir, segments.getLast(), sha256);
                    } else {
                      links.place(dir, segments.getLast(), sha256);
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
    List<String> segments = MountPlan.segments(mountPath);
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
                  try (var dirs = new NoFollow.OpenDirs()) {
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
                  outputsDirectory.createIfMissing(sessionId, top.session());
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

  /**
   * Bytes held by the regular files under the session's outputs and workspace, walked without
   * following a link (whatever runs in the sandbox may plant one pointing anywhere). Takes no lock:
   * commands change these directories while they run, and the answer is a snapshot anyway.
   */
  public long usage(String sessionId) {
    checkSessionId(sessionId);
    try {
      return DiskUsage.of(sandboxesDir, sessionId);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure sandbox " + sessionId, e);
    }
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
            staging.remove(spare);
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

  private void sync(String sessionId, SecureDirectoryStream<Path> dir, MountPlan.Folder want)
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
          try (var sub = ensureDirectory(sessionId, dir, entry.getKey())) {
            sync(sessionId, sub, f);
          }
        }
      }
    }
  }

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
      try (var tree = dirs.get(0);
          var mnt = dirs.get(1);
          var session = dirs.get(2);
          var uploads = dirs.get(3)) {
        // closed by try-with-resources
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
        keys.add(fileKey(dir));
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
    staging.moveIn(emptyDirectory(sessionId), parent, name);
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
    return staging.newDirectory();
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
    Path spare = staging.fresh();
    if (!staging.moveOut(parent, name, spare)) {
      return false;
    }
    var moved = staging.lstat(spare);
    Object key = fileKey(dir);
    if (moved.isPresent() && moved.get().isDirectory() && key.equals(moved.get().fileKey())) {
      for (Path evicted : spares.keep(sessionId, spare)) {
        staging.remove(evicted);
      }
    } else {
      staging.remove(spare);
    }
    return true;
  }

  private void createIfMissing(String sessionId, SecureDirectoryStream<Path> parent, String name)
      throws IOException {
    if (lstat(parent, name(name)).isEmpty()) {
      staging.moveIn(emptyDirectory(sessionId), parent, name);
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
}
