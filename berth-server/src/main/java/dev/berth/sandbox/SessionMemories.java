package dev.berth.sandbox;

import static dev.berth.sandbox.NoFollow.lstat;
import static dev.berth.sandbox.NoFollow.name;
import static dev.berth.sandbox.NoFollow.open;
import static dev.berth.sandbox.NoFollow.removeTree;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;

/**
 * The directories a session's memory stores are mounted from, one file per memory at its path: a
 * read-write store's at {@code memory/<resource id>} in the session's tree, where its volume's
 * {@code memory} is bound when it has one ({@link SessionVolumes}), so that what the agent writes
 * there counts against its disk quota; a read-only store's, which only Berth writes, at {@code
 * memory-read-only/<resource id>}. They hold copies of the records, which are the truth: Berth
 * writes them from the records before a command and reads what the agent changed after it, and a
 * directory lost with its tree is written again from the records.
 *
 * <p>Design note. A read-write directory is the agent's to change, so every step here goes one name
 * at a time without following a link ({@link NoFollow}): a directory is opened relative to its
 * parent, a memory is written to a new file beside its place and renamed over it (so a link the
 * agent left there is replaced, never written through), and whatever is not a memory's file or a
 * directory on the way to one (links, FIFOs, sockets, devices, stray files) is removed with
 * unlinkat. The methods run with the session's lock held ({@link LocalSandboxHost}).
 */
final class SessionMemories {
  /** Where read-write stores' directories are, in a session's tree and on its volume. */
  static final String WRITABLE = "memory";

  /** Where read-only stores' directories are, in a session's tree. */
  static final String READ_ONLY = "memory-read-only";

  /** Where new directories for read-write stores are made on a session's volume. */
  static final String VOLUME_STAGING = ".memory-staging";

  private SessionMemories() {}

  /** The names from the session's root down to the store's directory. */
  static List<String> names(LocalSandboxHost.MemoryPlace place) {
    return List.of(place.writable() ? WRITABLE : READ_ONLY, name(place.resourceId()).toString());
  }

  /**
   * Makes the store's directory if it is missing (anything but a directory in its place is
   * replaced), given to {@code owner} where the agent writes it, and answers it open.
   */
  static SecureDirectoryStream<Path> ensure(
      SessionTree tree,
      SecureDirectoryStream<Path> root,
      LocalSandboxHost.MemoryPlace place,
      OptionalInt owner)
      throws IOException {
    List<String> names = names(place);
    try (var memory = tree.ensureDirectory(root, names.get(0))) {
      var dir = tree.ensureDirectory(memory, names.get(1));
      if (owner.isPresent()) {
        NoFollow.own(memory, names.get(1), owner.getAsInt());
      }
      return dir;
    }
  }

  /**
   * Removes everything under {@code dir} that is not a regular file whose path (relative, segments
   * joined by {@code /}) is in {@code keep}, or a directory on the way to one.
   *
   * @return whether something under {@code dir} is kept
   */
  static boolean prune(SecureDirectoryStream<Path> dir, String prefix, Set<String> keep)
      throws IOException {
    boolean kept = false;
    for (Path name : NoFollow.names(dir)) {
      String path = prefix.isEmpty() ? name.toString() : prefix + "/" + name;
      var attrs = lstat(dir, name);
      if (attrs.isEmpty()) {
        continue;
      }
      if (attrs.get().isRegularFile() && keep.contains(path)) {
        kept = true;
      } else if (attrs.get().isDirectory() && !keep.contains(path)) {
        boolean below;
        try (var sub = open(dir, name)) {
          below = prune(sub, path, keep);
        } catch (FileSystemException e) {
          removeTree(dir, name); // swapped for something else since the lstat
          continue;
        }
        if (below) {
          kept = true;
        } else {
          dir.deleteDirectory(name);
        }
      } else {
        removeTree(dir, name);
      }
    }
    return kept;
  }

  /**
   * Puts {@code bytes} at {@code path} (relative, segments joined by {@code /}) under {@code dir}:
   * directories made on the way (anything else there replaced), then a new file, owned by {@code
   * owner} where given, renamed over whatever stands at the path. When the disk has no room for the
   * new file ({@link DiskSpace#ranOut}), whatever stood at the path is removed too, so no stale
   * copy is left there.
   *
   * @return the file as lstat sees it once in place
   */
  static OutputFile write(
      SessionTree tree,
      SecureDirectoryStream<Path> dir,
      String path,
      byte[] bytes,
      OptionalInt owner)
      throws IOException {
    String[] segments = path.split("/", -1);
    List<SecureDirectoryStream<Path>> opened = new ArrayList<>();
    try {
      SecureDirectoryStream<Path> at = dir;
      for (int i = 0; i < segments.length - 1; i++) {
        at = directory(tree, at, segments[i], owner);
        opened.add(at);
      }
      Path target = name(segments[segments.length - 1]);
      Path temp = name(".berth-" + UUID.randomUUID());
      try (var channel =
          at.newByteChannel(
              temp,
              Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW, NOFOLLOW_LINKS),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")))) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      } catch (IOException e) {
        try {
          removeTree(at, temp);
          if (DiskSpace.ranOut(e)) {
            removeTree(at, target);
          }
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      if (owner.isPresent()) {
        NoFollow.giveTo(
            at.getFileAttributeView(temp, PosixFileAttributeView.class, NOFOLLOW_LINKS),
            owner.getAsInt());
      }
      var there = lstat(at, target);
      if (there.isPresent() && there.get().isDirectory()) {
        removeTree(at, target);
      }
      at.move(temp, at, target);
      return OutputScanner.outputFile(path, lstat(at, target).orElseThrow());
    } finally {
      for (var d : opened.reversed()) {
        d.close();
      }
    }
  }

  /**
   * Opens the directory {@code segment} in {@code parent}, made (and given to owner) if missing.
   */
  private static SecureDirectoryStream<Path> directory(
      SessionTree tree, SecureDirectoryStream<Path> parent, String segment, OptionalInt owner)
      throws IOException {
    var dir = tree.ensureDirectory(parent, segment);
    if (owner.isPresent()) {
      try {
        NoFollow.own(parent, segment, owner.getAsInt());
      } catch (IOException e) {
        dir.close();
        throw e;
      }
    }
    return dir;
  }
}
