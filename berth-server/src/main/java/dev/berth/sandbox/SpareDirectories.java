package dev.berth.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Emptied directories kept in staging to become a session's next new directories: on ext4 making
 * and removing a directory costs several times what moving one does.
 *
 * <p>Design note. A spare only ever goes back into the session whose tree it came from: a command
 * that had a directory open before it was emptied can still read whatever is later put in it, so
 * handing it to another session would let that command read the other session's files. So spares
 * are kept by session, and every method here takes the session's held lock ({@link
 * SessionLocks.Held}) rather than an id: what it takes and keeps are that session's only. At most
 * {@code capacity} are kept in all, the least recently used sessions' removed first, and a
 * session's spares go with its tree ({@link #drop}). A cache, so it lives apart from the code that
 * builds trees: dropping it would change only how fast they are built.
 */
final class SpareDirectories {
  private final Staging staging;
  private final int capacity;

  /** Names in staging, by the session whose tree they came from; least recently used first. */
  private final LinkedHashMap<SessionId, ArrayDeque<Path>> bySession =
      new LinkedHashMap<>(16, 0.75f, true);

  private int count;

  SpareDirectories(Staging staging, int capacity) {
    this.staging = staging;
    this.capacity = capacity;
  }

  /**
   * A new, empty directory in staging for the session's tree: one of the session's own spares when
   * there is one, else a fresh one.
   */
  Path emptyDirectory(SessionLocks.Held session) throws IOException {
    Path spare = take(session.id());
    if (spare != null) {
      return spare;
    }
    return staging.newDirectory();
  }

  /**
   * Removes the directory {@code name} from {@code parent} if it is empty; {@code dir} is it, open
   * and not yet listed (this lists it, which a directory stream allows once), and {@code key} its
   * inode as it was opened. An emptied directory is moved into staging and kept there as a spare
   * for the session's next new directory. Nothing in a sandbox can write into uploads (commands see
   * it read-only), and this runs under the session's lock, so the directory listed empty here is
   * still empty when moved; a spare is checked to be that same directory before it is kept.
   *
   * @return false if it is not empty, or not there
   */
  boolean removeIfEmpty(
      SessionLocks.Held session,
      SecureDirectoryStream<Path> parent,
      SecureDirectoryStream<Path> dir,
      Object key,
      Path name)
      throws IOException {
    SessionId id = session.id();
    if (dir.iterator().hasNext()) { // listed through the stream held open: no second open of it
      return false;
    }
    Path spare = staging.fresh();
    if (!staging.moveOut(parent, name, spare)) {
      return false;
    }
    var moved = staging.lstat(spare);
    if (moved.isPresent() && moved.get().isDirectory() && key.equals(moved.get().fileKey())) {
      for (Path evicted : keep(id, spare)) {
        staging.remove(evicted);
      }
    } else {
      staging.remove(spare);
    }
    return true;
  }

  /** Removes every spare of the session, whose tree is going. */
  void drop(SessionLocks.Held session) throws IOException {
    for (Path spare : takeAll(session.id())) {
      staging.remove(spare);
    }
  }

  /** How many are kept now, of all sessions. */
  synchronized int size() {
    return count;
  }

  /** One of the session's spares, taken out; null if it has none. */
  private synchronized Path take(SessionId session) {
    ArrayDeque<Path> names = bySession.get(session);
    if (names == null) {
      return null;
    }
    Path name = names.pollLast();
    if (names.isEmpty()) {
      bySession.remove(session);
    }
    count--;
    return name;
  }

  /**
   * Keeps a spare of the session's; returns the spares of the least recently used sessions that no
   * longer fit, for the caller to remove.
   */
  private synchronized List<Path> keep(SessionId session, Path name) {
    bySession.computeIfAbsent(session, id -> new ArrayDeque<>()).add(name);
    count++;
    List<Path> evicted = new ArrayList<>();
    while (count > capacity) {
      var oldest = bySession.entrySet().iterator().next();
      evicted.add(oldest.getValue().pollFirst());
      if (oldest.getValue().isEmpty()) {
        bySession.remove(oldest.getKey());
      }
      count--;
    }
    return evicted;
  }

  /** Takes out every spare of the session. */
  private synchronized List<Path> takeAll(SessionId session) {
    ArrayDeque<Path> names = bySession.remove(session);
    if (names == null) {
      return List.of();
    }
    count -= names.size();
    return List.copyOf(names);
  }
}
