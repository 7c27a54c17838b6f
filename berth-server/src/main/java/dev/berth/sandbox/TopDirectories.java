package dev.berth.sandbox;

import static dev.berth.sandbox.NoFollow.fileKey;
import static dev.berth.sandbox.NoFollow.name;
import static dev.berth.sandbox.NoFollow.openExisting;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A session's open root, {@code mnt}, {@code session} and uploads directories, and the inode of
 * each as it was opened: what every operation on the session starts from, and what {@link
 * KeptSessions} keeps open between operations.
 */
record TopDirectories(List<SecureDirectoryStream<Path>> dirs, List<Object> keys)
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

  /**
   * Opens the session's top directories from {@code sandboxes} down, made real directories on the
   * way when {@code create}; when not, empty if one is missing.
   */
  static Optional<TopDirectories> open(
      SecureDirectoryStream<Path> sandboxes, SessionTree tree, boolean create) throws IOException {
    List<String> names = new ArrayList<>(List.of(tree.session().id().value()));
    names.addAll(BELOW_ROOT);
    var dirs = new ArrayList<SecureDirectoryStream<Path>>();
    var keys = new ArrayList<Object>();
    try {
      var dir = sandboxes;
      for (String name : names) {
        if (create) {
          dir = tree.ensureDirectory(dir, name);
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
    return dirs.size() < names.size()
        ? Optional.empty()
        : Optional.of(new TopDirectories(List.copyOf(dirs), List.copyOf(keys)));
  }

  /**
   * Whether the names from {@code sandboxes} down still lead to the uploads directory held open.
   *
   * <p>Design note. One lookup of the whole path ({@link NoFollow#leadsTo}) instead of one lstat
   * per name: every add and delete of a mount starts here, and with 16 clients the four lstats were
   * the largest share of a mount's time, more than the link and the rename. Each of the four
   * directories is root's and none is writable by a sandbox, so their names change only when
   * something on the way is removed, replaced or moved; a directory removed or replaced anywhere on
   * the way leads to no uploads or to a new one, whose inode differs from the one held (an open
   * directory's inode cannot be reused). Only moving this very uploads under a new chain by hand,
   * as root, would go unseen, and then it is still the session's uploads that is written. Nothing
   * is opened or changed through this lookup.
   */
  boolean inPlace(SecureDirectoryStream<Path> sandboxes, SessionId session) throws IOException {
    return NoFollow.leadsTo(sandboxes, pathBelow(session), keys.get(keys.size() - 1));
  }

  /** Where the uploads directory of the session whose tree is at {@code root} is. */
  static Path uploadsOf(Path root) {
    Path uploads = root;
    for (String name : BELOW_ROOT) {
      uploads = uploads.resolve(name);
    }
    return uploads;
  }

  private static Path pathBelow(SessionId session) {
    return uploadsOf(Path.of(session.value()));
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
