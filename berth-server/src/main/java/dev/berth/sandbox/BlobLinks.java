package dev.berth.sandbox;

import static dev.berth.sandbox.NoFollow.lstat;
import static dev.berth.sandbox.NoFollow.name;
import static dev.berth.sandbox.NoFollow.removeTree;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.Function;

/**
 * Puts a file resource in a sandbox: a hard link to its blob.
 *
 * <p>Design note. A mount costs the same for 1 KiB and 1 GiB (DESIGN principle 2). It is a hard
 * link to the immutable, read-only blob, so it shares the blob's inode and bytes. Where linking
 * fails (the blob lives on another filesystem) the blob is copied once into {@code
 * sandboxes/.cache}, read-only, and mounts link to that copy. "Already mounted" is therefore an
 * inode comparison ({@code fileKey()}), and a reconcile with nothing to do costs a few stats. This
 * is the only code that knows where blobs are and how they are shared, so it lives apart from the
 * code that walks a session's tree.
 */
final class BlobLinks {
  private static final Set<PosixFilePermission> READ_ONLY =
      PosixFilePermissions.fromString("r--r--r--");

  private final Function<String, Path> blobs;
  private final Path cache;
  private final Staging staging;

  /**
   * @param blobs where the blob with a given SHA-256 lives
   * @param cache where blobs on another filesystem are copied, on the sandboxes' filesystem
   * @param staging where links are made before they are renamed into a sandbox
   */
  BlobLinks(Function<String, Path> blobs, Path cache, Staging staging) {
    this.blobs = blobs;
    this.cache = cache;
    this.staging = staging;
  }

  /** Puts a link to the blob at {@code name} unless the blob's inode is already there. */
  void place(SecureDirectoryStream<Path> dir, String name, String sha256) throws IOException {
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
    link(dir, name, sha256);
  }

  /**
   * Puts a link to the blob at {@code name}, replacing a file or link there but not a directory.
   */
  void link(SecureDirectoryStream<Path> dir, String name, String sha256) throws IOException {
    staging.moveIn(stagedLink(sha256), dir, name);
  }

  /**
   * {@link #place}, without looking the name up first: a mount's name is usually free, and the JDK
   * reports a missing name by throwing, which under a request's deep stack costs more than the
   * link. The rename replaces a file or link at the name; where a directory stands it fails, and
   * {@link #place} clears the way. Where the blob is linked there already, the rename leaves both
   * names as they were, and the staged link is removed.
   */
  void replace(SecureDirectoryStream<Path> dir, String name, String sha256) throws IOException {
    Path temp = stagedLink(sha256);
    try {
      staging.moveIn(temp, dir, name);
    } catch (FileSystemException e) { // a directory at the name, most likely; the temp is gone
      place(dir, name, sha256);
      return;
    }
    // There only if the name already held this blob, when the rename changes nothing. Asked first
    // without an exception: the JDK's deleteIfExists learns of a missing name from one, made
    // through JNI, at about the cost of the link itself.
    if (!NoFollow.missing(temp)) {
      Files.deleteIfExists(temp);
    }
  }

  /** A new link to the blob (or to its cached copy) in staging. */
  private Path stagedLink(String sha256) throws IOException {
    Path temp = staging.fresh();
    linkAt(temp, sha256);
    return temp;
  }

  /**
   * Makes {@code at}, a free name in staging (or in a directory being built there), a link to the
   * blob or to its cached copy.
   */
  void linkAt(Path at, String sha256) throws IOException {
    Path blob = blobs.apply(sha256);
    try {
      Files.createLink(at, blob);
    } catch (NoSuchFileException | FileAlreadyExistsException e) {
      throw e;
    } catch (FileSystemException e) { // another filesystem, or no hard links there
      Files.createLink(at, cachedCopy(sha256, blob));
    }
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
    Path temp = staging.fresh();
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
}
