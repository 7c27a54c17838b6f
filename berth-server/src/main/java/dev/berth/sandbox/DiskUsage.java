package dev.berth.sandbox;

import static dev.berth.sandbox.NoFollow.lstat;
import static dev.berth.sandbox.NoFollow.name;
import static dev.berth.sandbox.NoFollow.names;
import static dev.berth.sandbox.NoFollow.open;
import static dev.berth.sandbox.NoFollow.openExisting;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.util.List;

/**
 * Bytes a session's commands have written: the regular files under its outputs, its workspace and
 * its read-write memory stores' directories ({@link SessionMemories}). Its own class because it is
 * the one walk of the tree that takes no lock (commands change these directories while it runs, and
 * the answer is a snapshot anyway), so it shares nothing with the code that builds the tree but the
 * no-follow calls.
 */
final class DiskUsage {
  /** Deepest directory {@link #of} descends into; a tree deeper than this is not counted. */
  private static final int DEPTH = 512;

  private DiskUsage() {}

  /**
   * Bytes held by the regular files under the session's outputs, workspace and read-write memory
   * stores, walked without following a link (whatever runs in the sandbox may plant one pointing
   * anywhere); 0 when the session has no tree.
   */
  static long of(SecureDirectoryStream<Path> sandboxes, String sessionId) throws IOException {
    var tree = openExisting(sandboxes, sessionId);
    if (tree.isEmpty()) {
      return 0;
    }
    try (var root = tree.get()) {
      long total =
          usage(root, name("workspace"), 0) + usage(root, name(SessionMemories.WRITABLE), 0);
      var session = openExisting(root, List.of("mnt", "session"));
      if (session.isPresent()) {
        try (var s = session.get()) {
          total += usage(s, name("outputs"), 0);
        }
      }
      return total;
    }
  }

  private static long usage(SecureDirectoryStream<Path> parent, Path name, int depth)
      throws IOException {
    var attrs = lstat(parent, name);
    if (depth > DEPTH || attrs.isEmpty() || !attrs.get().isDirectory()) {
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
}
