package dev.berth.sandbox;

import static dev.berth.sandbox.NoFollow.name;
import static dev.berth.sandbox.NoFollow.names;
import static dev.berth.sandbox.NoFollow.openTrusted;
import static dev.berth.sandbox.NoFollow.removeTree;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code sandboxes/.staging}, where new entries for a sandbox are built before they are renamed
 * into place, and where emptied directories wait as spares.
 *
 * <p>Design note. No sandbox can reach staging, so what is built here may be handled by whole path,
 * and appears in a sandbox only by renameat ({@link #moveIn}): a rename replaces a link planted at
 * the name instead of writing through it. Staging is kept open for the host's life, as renaming
 * into and out of it is on every mount's path. Whatever a previous run left here is removed on
 * open.
 */
final class Staging implements AutoCloseable {
  /** Mode of a new directory, whatever the umask. */
  static final Set<PosixFilePermission> DIRECTORY_MODE =
      PosixFilePermissions.fromString("rwxr-xr-x");

  private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY =
      PosixFilePermissions.asFileAttribute(DIRECTORY_MODE);

  private final Path path;
  private final SecureDirectoryStream<Path> dir;

  /**
   * Staged names are this, then a number: staging is emptied on open and only this process writes
   * in it, so a count is enough, and it spares each mount a draw from the system's secure random
   * source (what {@link UUID#randomUUID} takes). The random part keeps two opens apart all the
   * same.
   */
  private final String prefix = UUID.randomUUID() + "-";

  private final AtomicLong count = new AtomicLong();

  private Staging(Path path, SecureDirectoryStream<Path> dir) {
    this.path = path;
    this.dir = dir;
  }

  /** Creates staging at {@code path} if missing, empties it and opens it. */
  static Staging open(Path path) throws IOException {
    Files.createDirectories(path);
    try (var stale = openTrusted(path)) { // left by a previous run
      for (Path name : names(stale)) {
        removeTree(stale, name);
      }
    }
    return new Staging(path, openTrusted(path));
  }

  /** A name in staging that nothing uses yet. */
  Path fresh() {
    return path.resolve(prefix + count.incrementAndGet());
  }

  /** A new, empty directory in staging. */
  Path newDirectory() throws IOException {
    Path temp = fresh();
    Files.createDirectory(temp, DIRECTORY);
    return temp;
  }

  /** Renames a staged entry to {@code name} in {@code dir}, replacing a file or link there. */
  void moveIn(Path temp, SecureDirectoryStream<Path> dir, String name) throws IOException {
    try {
      this.dir.move(temp.getFileName(), dir, name(name));
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(temp); // the rename failed, so it is still there
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Renames {@code name} in {@code parent} to the staged name {@code to}.
   *
   * @return false if nothing is at {@code name}
   */
  boolean moveOut(SecureDirectoryStream<Path> parent, Path name, Path to) throws IOException {
    try {
      parent.move(name, dir, to.getFileName());
      return true;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /** What lstat sees at a staged name. */
  Optional<BasicFileAttributes> lstat(Path staged) throws IOException {
    return NoFollow.lstat(dir, staged.getFileName());
  }

  /** Removes a staged entry, and everything below it if it is a directory. */
  void remove(Path staged) throws IOException {
    removeTree(dir, staged.getFileName());
  }

  @Override
  public void close() throws IOException {
    dir.close();
  }
}
