package dev.berth.sandbox;

import static dev.berth.sandbox.NoFollow.lstat;
import static dev.berth.sandbox.NoFollow.name;
import static dev.berth.sandbox.NoFollow.open;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
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
   * there is replaced), and opens it. Looking a name up first costs more than this when it is free,
   * because the JDK reports a missing name by throwing; so the names below a directory a mount has
   * just made, which are free, are not looked up.
   */
  SecureDirectoryStream<Path> newDirectory(SecureDirectoryStream<Path> parent, String name)
      throws IOException {
    staging.moveIn(spares.emptyDirectory(session), parent, name);
    return open(parent, name(name));
  }

  /** Puts an empty directory at {@code name} in {@code parent} if nothing is there. */
  void createIfMissing(SecureDirectoryStream<Path> parent, String name) throws IOException {
    if (lstat(parent, name(name)).isEmpty()) {
      staging.moveIn(spares.emptyDirectory(session), parent, name);
    }
  }

  /**
   * Removes the directory {@code name} from {@code parent} if it is empty; {@code dir} is it, open.
   * It is kept as this session's spare ({@link SpareDirectories#removeIfEmpty}).
   *
   * @return false if it is not empty, or not there
   */
  boolean removeIfEmpty(
      SecureDirectoryStream<Path> parent, SecureDirectoryStream<Path> dir, Path name)
      throws IOException {
    return spares.removeIfEmpty(session, parent, dir, name);
  }
}
