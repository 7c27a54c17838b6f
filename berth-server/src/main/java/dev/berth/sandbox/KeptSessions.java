package dev.berth.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The top directories ({@link TopDirectories}) of recently used sessions, kept open between
 * operations.
 *
 * <p>Design note. Opening a directory without following links costs several syscalls, so the root,
 * {@code mnt}, {@code session} and uploads directories of recently used sessions stay open. Before
 * kept directories are used, the path from the sandboxes directory down to uploads is looked up
 * again and must still lead to the uploads directory held open, the same inode (an open directory's
 * inode cannot be reused), so they are what a fresh walk would open ({@link
 * TopDirectories#inPlace}); otherwise they are closed and the walk is done afresh. Listings always
 * come from a freshly opened directory (a kept uploads is reopened as {@code "."} to be listed).
 *
 * <p>They are kept by session, and reached only with the session's held lock ({@link
 * SessionLocks.Held}, through {@link SessionTree}), so an operation on one session can never be
 * given another's directories. An operation takes its session's out and puts them back when done,
 * so evicting never closes directories in use. A cache, so it lives apart from the code that walks
 * the trees: dropping it would change only how fast they are walked.
 */
final class KeptSessions implements AutoCloseable {
  /** Work on a session's top directories. */
  interface TopAction {
    void run(TopDirectories top) throws IOException;
  }

  private final SecureDirectoryStream<Path> sandboxes;
  private final int capacity;

  /** Least recently put first. */
  private final LinkedHashMap<SessionId, TopDirectories> tops = new LinkedHashMap<>();

  private boolean closed;

  /**
   * @param sandboxes the directory holding every session's tree, open
   * @param capacity how many sessions' directories stay open at most
   */
  KeptSessions(SecureDirectoryStream<Path> sandboxes, int capacity) {
    this.sandboxes = sandboxes;
    this.capacity = capacity;
  }

  /**
   * Runs {@code action} on the session's top directories: the kept ones if still in place, else
   * freshly opened (and made real directories when {@code create}; when not, does nothing if one is
   * missing). They are kept for the next operation unless the action fails.
   */
  void withTop(SessionTree tree, boolean create, TopAction action) throws IOException {
    SessionId session = tree.session().id();
    TopDirectories top = take(session);
    try {
      if (top != null && !top.inPlace(sandboxes, session)) {
        top.close();
        top = null;
      }
      if (top == null) {
        var opened = TopDirectories.open(sandboxes, tree, create);
        if (opened.isEmpty()) {
          return;
        }
        top = opened.get();
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
    put(session, top);
  }

  /** Closes the session's kept directories, if any: its tree is going. */
  void drop(SessionLocks.Held session) throws IOException {
    TopDirectories top = take(session.id());
    if (top != null) {
      top.close();
    }
  }

  /** Closes every kept directory; nothing is kept afterwards. */
  @Override
  public void close() throws IOException {
    List<TopDirectories> all;
    synchronized (this) {
      closed = true;
      all = List.copyOf(tops.values());
      tops.clear();
    }
    for (TopDirectories top : all) {
      top.close();
    }
  }

  private synchronized TopDirectories take(SessionId session) {
    return tops.remove(session);
  }

  private void put(SessionId session, TopDirectories top) throws IOException {
    TopDirectories evicted = top;
    synchronized (this) {
      if (!closed) {
        tops.put(session, top);
        evicted = tops.size() > capacity ? tops.pollFirstEntry().getValue() : null;
      }
    }
    if (evicted != null) {
      evicted.close();
    }
  }
}
