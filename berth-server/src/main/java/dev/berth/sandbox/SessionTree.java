package dev.berth.sandbox;

import static dev.berth.sandbox.NoFollow.lstat;
import static dev.berth.sandbox.NoFollow.name;
import static dev.berth.sandbox.NoFollow.open;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;

/**
 * One session's tree, for one operation holding the session's lock: makes and removes directories
 * in it without following links. Every directory it puts in the tree is new or one of this
 * session's spares, and every one it empties becomes this session's spare, because it reaches the
 * spares only with the lock it was made with ({@link SessionLocks.Held}). Made afresh for each
 * operation, so it cannot outlive the lock.
 */
final class SessionTree {
  private final SessionLocks.Held session;
  private final Staging staging;
  private final SpareDirectories spares;

  SessionTree(SessionLocks.Held session, Staging staging, SpareDirectories spares) {
    this.session = session;
    this.staging = staging;
    this.spares = spares;
  }

  /** The session's held lock. */
  SessionLocks.Held session() {
    return session;
  }

  /**
   * This tree, its new directories made in {@code staging} instead: one on the filesystem they go
   * to (the session's volume, which a rename from the sandboxes' staging cannot reach). No spares
   * are kept there.
   */
  SessionTree madeIn(Staging staging) {
    return new SessionTree(session, staging, new SpareDirectories(staging, 0));
  }

  /** Opens {@code name} in {@code parent}, first replacing anything there but a directory. */
  SecureDirectoryStream<Path> ensureDirectory(SecureDirectoryStream<Path> parent, String name)
      throws IOException {
    return ensureDirectory(parent, name, lstat(parent, name(name)));
  }

  /** {@link #ensureDirectory(SecureDirectoryStream, String)}, given what lstat found. */
  SecureDirectoryStream<Path> ensureDirectory(
      SecureDirectoryStream<Path> parent, String name, Optional<BasicFileAttributes> attrs)
      throws IOException {
    if (attrs.isPresent() && attrs.get().isDirectory()) {
      return open(parent, name(name));
    }
    if (attrs.isPresent()) {
      parent.deleteFile(name(name));
    }
    return newDirectory(parent, name);
  }

  /**
   * Puts an empty directory at {@code name} in {@code parent}, where nothing stands (a file or link
   * there is replaced), and opens it.
   */
  SecureDirectoryStream<Path> newDirectory(SecureDirectoryStream<Path> parent, String name)
      throws IOException {
    staging.moveIn(spares.emptyDirectory(session), parent, name);
    return open(parent, name(name));
  }

  /** What to put in the deepest of new directories while they are still in staging. */
  interface StagedFill {
    void into(Path deepest) throws IOException;
  }

  /**
   * Puts new directories at {@code names} in {@code parent}, each inside the one before, where
   * nothing stands at {@code names[0]}; {@code fill} first puts what the deepest holds, while they
   * are still in staging, where nothing in a sandbox can reach and whole paths are safe. One rename
   * then moves them in, so nothing below {@code parent} is opened or looked up (the JDK reports a
   * missing name by throwing, which under a request's deep stack costs more than making the
   * directory), and a command sees them appear whole.
   */
  void newDirectories(SecureDirectoryStream<Path> parent, List<String> names, StagedFill fill)
      throws IOException {
    Path top = spares.emptyDirectory(session);
    try {
      Path deepest = top;
      for (String name : names.subList(1, names.size())) {
        deepest = deepest.resolve(name(name));
        Files.move(spares.emptyDirectory(session), deepest);
      }
      fill.into(deepest);
      staging.moveIn(top, parent, names.get(0));
    } catch (IOException | RuntimeException e) {
      try {
        staging.remove(top); // what is left of it in staging, if anything
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Puts an empty directory at {@code name} in {@code parent} if nothing is there. */
  void createIfMissing(SecureDirectoryStream<Path> parent, String name) throws IOException {
    if (lstat(parent, name(name)).isEmpty()) {
      staging.moveIn(spares.emptyDirectory(session), parent, name);
    }
  }

  /**
   * Removes the directory {@code name} from {@code parent} if it is empty; {@code dir} is it, open
   * and not yet listed, and {@code key} its inode. It is kept as this session's spare ({@link
   * SpareDirectories#removeIfEmpty}).
   *
   * @return false if it is not empty, or not there
   */
  boolean removeIfEmpty(
      SecureDirectoryStream<Path> parent, SecureDirectoryStream<Path> dir, Object key, Path name)
      throws IOException {
    return spares.removeIfEmpty(session, parent, dir, key, name);
  }
}
