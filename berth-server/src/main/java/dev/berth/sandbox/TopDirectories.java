package dev.berth.sandbox;

import static dev.berth.sandbox.NoFollow.fileKey;
import static dev.berth.sandbox.NoFollow.lstat;
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

  /** Whether each name from {@code sandboxes} down is still the directory held open. */
  boolean inPlace(SecureDirectoryStream<Path> sandboxes, SessionId session) throws IOException {
    for (int i = 0; i < dirs.size(); i++) {
      var parent = i == 0 ? sandboxes : dirs.get(i - 1);
      var attrs = lstat(parent, name(i == 0 ? session.value() : BELOW_ROOT.get(i - 1)));
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
