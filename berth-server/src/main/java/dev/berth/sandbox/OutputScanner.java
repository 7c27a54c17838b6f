package dev.berth.sandbox;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Reads what an agent wrote under a session's {@code /mnt/session/outputs}, for the output
 * catalogue.
 *
 * <p>Design note. The agent controls every name under outputs, and may change any of them while
 * Berth looks, so nothing here trusts a path. Each directory is opened relative to its parent with
 * {@code O_NOFOLLOW} ({@link NoFollow}, as for uploads), a symlink is never followed or descended
 * into, and a file is opened relative to its directory with {@code O_NOFOLLOW}, never by its whole
 * path. Only what lstat reports as a regular file is opened at all, so a FIFO, socket or device is
 * skipped before it could block an open. What an agent can still do is swap an entry between the
 * lstat and the open: a symlink then fails the open ({@code ELOOP}), a directory fails the read,
 * and a FIFO would block the open until a writer comes, so opens run on a helper thread that is
 * waited for {@link #OPEN_TIMEOUT_MILLIS} at most. Any other regular file it could swap in is one
 * it can already read, inside its own tree. After reading, the file is lstat-ed again and the bytes
 * counted: unless inode, size and mtime are still what the listing saw and exactly that many bytes
 * were read, the read is discarded and the file is read again on a later scan.
 *
 * <p>The work is bounded: at most the caller's limit of files, {@link #MAX_ENTRIES} directory
 * entries looked at, {@link #MAX_DEPTH} directories deep and {@link #MAX_PATH_BYTES} of path. Names
 * that are not valid UTF-8 or hold control characters are skipped, as they could not be named in a
 * file record or a {@code Content-Disposition} header.
 */
final class OutputScanner implements AutoCloseable {
  static final int MAX_DEPTH = 32;
  static final int MAX_PATH_BYTES = 4096;
  static final int MAX_ENTRIES = 100_000;
  static final long OPEN_TIMEOUT_MILLIS = 2_000;

  private static final List<String> OUTPUTS = List.of("mnt", "session", "outputs");

  /** Runs opens, each of which may block on a FIFO swapped in after its lstat. */
  private final ExecutorService opener =
      Executors.newCachedThreadPool(
          r -> Thread.ofPlatform().name("berth-output-open").daemon().unstarted(r));

  /**
   * The regular files under the session's outputs, or empty if this node has no tree for the
   * session or its outputs directory is missing (or not a directory): nothing is known then, and
   * the catalogue must not take it for outputs that were all removed.
   */
  Optional<OutputListing> list(SecureDirectoryStream<Path> sandboxes, String sessionId, int limit)
      throws IOException {
    // no tree here, or outputs being built (it appears whole, restored outputs in it) or not a
    // directory: unknown
    return list(sandboxes, outputs(sessionId), limit);
  }

  private static List<String> outputs(String sessionId) {
    List<String> names = new ArrayList<>(List.of(sessionId));
    names.addAll(OUTPUTS);
    return names;
  }

  /**
   * The regular files under the directory {@code root/names[0]/names[1]/…}, reached without
   * following a link; empty if it is missing or not a directory.
   */
  Optional<OutputListing> list(SecureDirectoryStream<Path> root, List<String> names, int limit)
      throws IOException {
    var top = NoFollow.openExisting(root, names);
    if (top.isEmpty()) {
      return Optional.empty();
    }
    try (var dir = top.get()) {
      var walk = new Walk(limit);
      walk.directory(dir, "", 1);
      return Optional.of(new OutputListing(walk.files, walk.truncated, walk.passedOver));
    }
  }

  /** One listing's progress through the tree. */
  private static final class Walk {
    final int limit;
    final List<OutputFile> files = new ArrayList<>();
    int entries;
    boolean truncated;
    boolean passedOver;

    Walk(int limit) {
      this.limit = limit;
    }

    void directory(SecureDirectoryStream<Path> dir, String prefix, int depth) throws IOException {
      List<Path> names = new ArrayList<>();
      for (Path entry : dir) {
        if (++entries > MAX_ENTRIES) {
          truncated = true;
          break;
        }
        names.add(entry.getFileName());
      }
      names.sort(Comparator.comparing(Path::toString));
      for (Path name : names) {
        String path = usable(name).map(n -> prefix.isEmpty() ? n : prefix + "/" + n).orElse(null);
        if (path == null || path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
          passedOver = true;
          continue;
        }
        var attrs = NoFollow.lstat(dir, name);
        if (attrs.isEmpty()) {
          continue; // gone since the listing
        }
        if (attrs.get().isRegularFile()) {
          if (files.size() == limit) {
            truncated = true;
            return;
          }
          files.add(outputFile(path, attrs.get()));
        } else if (attrs.get().isDirectory() && depth < MAX_DEPTH) {
          SecureDirectoryStream<Path> sub;
          try {
            sub = NoFollow.open(dir, name);
          } catch (FileSystemException e) {
            passedOver = true;
            continue; // swapped for a link, or gone, since the lstat
          }
          try (sub) {
            directory(sub, path, depth + 1);
          }
          if (truncated) {
            return;
          }
        } else {
          passedOver = true; // a symlink, FIFO, socket or device is not an output
        }
      }
    }
  }

  /** The name as text, if it survives the round trip and holds no control character. */
  private static Optional<String> usable(Path name) {
    String text = name.toString();
    if (!Path.of(text).equals(name) || text.chars().anyMatch(Character::isISOControl)) {
      return Optional.empty();
    }
    return Optional.of(text);
  }

  static OutputFile outputFile(String path, BasicFileAttributes attrs) {
    var mtime = attrs.lastModifiedTime().toInstant();
    return new OutputFile(
        path,
        attrs.size(),
        Math.addExact(Math.multiplyExact(mtime.getEpochSecond(), 1_000_000_000L), mtime.getNano()),
        String.valueOf(attrs.fileKey()));
  }

  /**
   * Reads {@code expected} with {@code reader}, if it is still that file. Empty, and whatever the
   * reader returned handed to {@code discard}, if it is gone or changed before or while it was
   * read.
   */
  <T> Optional<T> read(
      SecureDirectoryStream<Path> sandboxes,
      String sessionId,
      OutputFile expected,
      OutputFile.Reader<T> reader,
      Consumer<T> discard)
      throws IOException {
    return read(sandboxes, outputs(sessionId), expected, reader, discard);
  }

  /**
   * {@link #read(SecureDirectoryStream, String, OutputFile, OutputFile.Reader, Consumer)} of a file
   * listed under {@code root/names…} ({@link #list(SecureDirectoryStream, List, int)}).
   */
  <T> Optional<T> read(
      SecureDirectoryStream<Path> root,
      List<String> under,
      OutputFile expected,
      OutputFile.Reader<T> reader,
      Consumer<T> discard)
      throws IOException {
    List<String> names = new ArrayList<>(under);
    names.addAll(List.of(expected.path().split("/", -1)));
    String last = names.removeLast();
    var parent = NoFollow.openExisting(root, names);
    if (parent.isEmpty()) {
      return Optional.empty();
    }
    try (var held = new Held(parent.get())) {
      Path name = NoFollow.name(last);
      if (!unchanged(held.dir(), name, expected)) {
        return Optional.empty();
      }
      Optional<SeekableByteChannel> opened = openWithin(held, name);
      if (opened.isEmpty()) {
        return Optional.empty();
      }
      T value;
      long[] count = {0};
      try (var channel = opened.get();
          var in = counting(Channels.newInputStream(channel), count)) {
        value = reader.read(in);
      } catch (FileSystemException e) {
        return Optional.empty(); // a directory swapped in, say
      }
      if (count[0] != expected.size() || !unchanged(held.dir(), name, expected)) {
        discard.accept(value);
        return Optional.empty();
      }
      return Optional.of(value);
    }
  }

  private static boolean unchanged(SecureDirectoryStream<Path> dir, Path name, OutputFile expected)
      throws IOException {
    var attrs = NoFollow.lstat(dir, name);
    return attrs.isPresent()
        && attrs.get().isRegularFile()
        && outputFile(expected.path(), attrs.get()).equals(expected);
  }

  /**
   * Opens {@code name} in the held directory without following a link, giving up after {@link
   * #OPEN_TIMEOUT_MILLIS}. An open that is still blocked then keeps that directory: closing it
   * would wait for the open to finish. Both are closed if the open ever completes.
   */
  private Optional<SeekableByteChannel> openWithin(Held held, Path name) throws IOException {
    SecureDirectoryStream<Path> dir = held.dir();
    var open =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return dir.newByteChannel(name, Set.of(StandardOpenOption.READ, NOFOLLOW_LINKS));
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            },
            opener);
    try {
      return Optional.of(open.get(OPEN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      held.release();
      var unused = // the clean-up runs whenever the open finishes; nothing waits for it
          open.whenComplete(
              (channel, failure) -> {
                try (dir) {
                  if (channel != null) {
                    channel.close();
                  }
                } catch (IOException ignored) {
                  // nothing was read through either
                }
              });
      return Optional.empty();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof java.io.UncheckedIOException io
          && io.getCause() instanceof FileSystemException) {
        return Optional.empty(); // a link or nothing there now
      }
      throw new IOException("cannot open output " + name, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted opening output " + name, e);
    }
  }

  private static InputStream counting(InputStream in, long[] count) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        count[0] += b < 0 ? 0 : 1;
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        count[0] += Math.max(n, 0);
        return n;
      }
    };
  }

  @Override
  public void close() {
    opener.shutdownNow();
  }

  /** The directory a file is read in, closed at the end unless a blocked open was left with it. */
  private static final class Held implements AutoCloseable {
    private SecureDirectoryStream<Path> dir;

    Held(SecureDirectoryStream<Path> dir) {
      this.dir = dir;
    }

    SecureDirectoryStream<Path> dir() {
      return dir;
    }

    /** Leaves the directory for someone else to close. */
    void release() {
      dir = null;
    }

    @Override
    public void close() throws IOException {
      if (dir != null) {
        dir.close();
      }
    }
  }
}
