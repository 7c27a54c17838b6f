package dev.berth.sandbox;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The directory-relative calls every walk through a sandbox is made of: open (openat with {@code
 * O_NOFOLLOW}), lstat, unlinkat and chown, each through {@link SecureDirectoryStream} and each on a
 * single name.
 *
 * <p>Design note. No symlink inside a sandbox is ever followed (DESIGN principle 4). Whatever runs
 * in the sandbox can write its tree, so any name below the session directory may have been swapped
 * for a link to somewhere else, and a path handed to the kernel whole would follow it. So nothing
 * here takes a path of more than one segment ({@link #name}): each directory is opened relative to
 * its parent with {@code O_NOFOLLOW}, and entries are removed with unlinkat, which removes a link,
 * not its target. The two exceptions look up whole paths but open and change nothing through them:
 * {@link #leadsTo} compares what a path leads to with a directory already held open, and {@link
 * #missing} tells a name below uploads is free. These live apart from the classes that build trees
 * so that every walk, the output scanner's and the disk-usage count's included, goes through the
 * same few calls.
 */
final class NoFollow {
  private NoFollow() {}

  /**
   * Opens the directory {@code name} in {@code parent}; fails, having opened nothing, if it is not
   * a directory there (a file, a link, a FIFO, or gone).
   *
   * <p>Design note. The JDK's {@link SecureDirectoryStream#newDirectoryStream} closes one
   * descriptor twice when the name it opens is not a directory (its error path in {@code
   * sun.nio.fs.UnixSecureDirectoryStream}): it opens the name, duplicates the descriptor, and when
   * {@code fdopendir} then refuses a regular file, it closes the first descriptor twice and leaks
   * the duplicate. Between the two closes another thread may get that number for a socket or the
   * JVM's own poller, and the second close takes it from under it; with few descriptors left the
   * freed number is the one handed out next, so this bites just when the process runs short. A
   * command can swap a directory of its outputs or workspace for a file between any lstat and the
   * open, so checking first cannot prevent it. So the name is opened as {@code name/.}, which the
   * kernel refuses before opening anything unless it resolves to a directory, and the directory
   * opened is then checked to be the one at {@code name} now (same inode, not a link): an open
   * directory's inode cannot be reused, so a link followed on the way is caught and the directory
   * closed, never walked.
   */
  static SecureDirectoryStream<Path> open(SecureDirectoryStream<Path> parent, Path name)
      throws IOException {
    return openKeyed(parent, name).dir();
  }

  /** A directory opened by {@link #openKeyed}, and its inode. */
  record Opened(SecureDirectoryStream<Path> dir, Object key) {}

  /** {@link #open}, with the inode of the directory opened, which the open looks up anyway. */
  static Opened openKeyed(SecureDirectoryStream<Path> parent, Path name) throws IOException {
    var dir = parent.newDirectoryStream(name.resolve("."), NOFOLLOW_LINKS);
    Object key;
    boolean same;
    try {
      var attrs = lstat(parent, name);
      key = fileKey(dir);
      same = attrs.isPresent() && attrs.get().isDirectory() && attrs.get().fileKey().equals(key);
    } catch (IOException | RuntimeException e) {
      dir.close();
      throw e;
    }
    if (!same) {
      dir.close();
      throw new NotDirectoryException(name.toString());
    }
    return new Opened(dir, key);
  }

  /** Opens {@code name} in {@code parent}; empty if it is missing or not a directory. */
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

  static Optional<BasicFileAttributes> lstat(SecureDirectoryStream<Path> dir, Path name)
      throws IOException {
    try {
      var view = dir.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW_LINKS);
      return Optional.of(view.readAttributes());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether {@code path}, several names looked up from {@code dir} in one call, is now the
   * directory whose inode is {@code key}. One of two calls here that take more than one name: the
   * kernel follows a link met on the way, which is harmless because nothing is opened or changed
   * through the lookup; it only tells whether a directory already held open, opened name by name,
   * is still where those names lead. Callers use it only on directories no sandbox can write.
   */
  static boolean leadsTo(SecureDirectoryStream<Path> dir, Path path, Object key)
      throws IOException {
    var attrs = lstat(dir, path);
    return attrs.isPresent() && attrs.get().isDirectory() && key.equals(attrs.get().fileKey());
  }

  /**
   * Whether nothing is at {@code path}, a whole path looked up in one call: true also where a link
   * leads nowhere, false where something is there or the lookup fails otherwise. Unlike {@link
   * #lstat} it tells a missing name without an exception, which under a request's deep stack costs
   * several times the lookup. A hint, and the other call here that takes more than one name: the
   * kernel follows a link met on the way. Callers use it only where nothing in a sandbox can write:
   * below a session's uploads, where only the caller, holding the session's lock, changes anything,
   * and there act on "missing" only by a rename into a directory they hold open, which replaces
   * nothing but an empty directory, looking the name up where that rename fails; and in staging, to
   * skip removing a staged name that is gone.
   */
  static boolean missing(Path path) {
    try {
      return path.getFileSystem().provider().readAttributesIfExists(path, BasicFileAttributes.class)
          == null;
    } catch (IOException e) { // a file on the way, most likely: the walk's lstat will tell
      return false;
    }
  }

  /** The inode of an open directory: the one actually opened, whatever its name points at now. */
  static Object fileKey(SecureDirectoryStream<Path> dir) throws IOException {
    return dir.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
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

  /** Removes {@code name} from {@code parent}, and everything below it if it is a directory. */
  static void removeTree(SecureDirectoryStream<Path> parent, Path name) throws IOException {
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

  /**
   * {@link #removeTree} for a name that most likely holds a file or a link, such as a mount: it is
   * unlinked straight away, which spares the lookup; where unlinking fails for another reason than
   * the name's absence (a directory stands there), it is removed as a tree.
   */
  static void removeFileOrTree(SecureDirectoryStream<Path> parent, Path name) throws IOException {
    try {
      parent.deleteFile(name);
    } catch (NoSuchFileException e) {
      // nothing there
    } catch (FileSystemException e) {
      removeTree(parent, name);
    }
  }

  /** Removes {@code path} and everything below it, its parent trusted (Berth's own). */
  static void removeTrusted(Path path) {
    try (var parent = openTrusted(path.getParent())) {
      removeTree(parent, path.getFileName());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot remove " + path, e);
    }
  }

  /** Gives the directory {@code name} in {@code parent} to {@code id}, not following a link. */
  static void own(SecureDirectoryStream<Path> parent, String name, int id) throws IOException {
    var attrs = lstat(parent, name(name));
    if (attrs.isEmpty() || !attrs.get().isDirectory()) {
      throw new IOException(name + " is not a directory");
    }
    giveTo(
        parent.getFileAttributeView(name(name), PosixFileAttributeView.class, NOFOLLOW_LINKS), id);
  }

  /**
   * The principals of each id given to: looking them up reads the account and group files (the C
   * library's getpwnam and getgrnam), which every command did twice over for its outputs and
   * workspace. Every caller gives to the one user commands run as, so this holds one entry.
   */
  private static final Map<Integer, Owner> OWNERS = new ConcurrentHashMap<>();

  private record Owner(UserPrincipal user, GroupPrincipal group) {}

  /** Makes {@code id} the owner and the group of what {@code view} stands for. */
  static void giveTo(PosixFileAttributeView view, int id) throws IOException {
    Owner owner = OWNERS.get(id);
    if (owner == null) {
      var lookup = FileSystems.getDefault().getUserPrincipalLookupService();
      // a number that names no account is taken as the id itself
      owner =
          new Owner(
              lookup.lookupPrincipalByName(Integer.toString(id)),
              lookup.lookupPrincipalByGroupName(Integer.toString(id)));
      OWNERS.putIfAbsent(id, owner);
    }
    view.setOwner(owner.user());
    view.setGroup(owner.group());
  }

  /** Opens a directory Berth owns (not inside any sandbox), following its path as given. */
  @SuppressWarnings(
      "StreamResourceLeak") // the stream is the result: the caller keeps and closes it
  static SecureDirectoryStream<Path> openTrusted(Path dir) throws IOException {
    DirectoryStream<Path> stream = Files.newDirectoryStream(dir);
    if (stream instanceof SecureDirectoryStream<Path> secure) {
      return secure;
    }
    stream.close();
    throw new UnsupportedOperationException(
        "sandboxes need a filesystem with openat-style directory access: " + dir);
  }

  /** Directories opened on the way down, with their inodes, closed together. */
  static final class OpenDirs implements AutoCloseable {
    private final List<SecureDirectoryStream<Path>> dirs = new ArrayList<>();

    private final List<Object> keys = new ArrayList<>();

    /** Adds a directory opened with {@link #openKeyed}, keeping its inode. */
    SecureDirectoryStream<Path> add(Opened opened) {
      dirs.add(opened.dir());
      keys.add(opened.key());
      return opened.dir();
    }

    SecureDirectoryStream<Path> get(int i) {
      return dirs.get(i);
    }

    /** The inode of the {@code i}th directory, as opened. */
    Object key(int i) {
      return keys.get(i);
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
}
