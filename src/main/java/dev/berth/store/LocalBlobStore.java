package dev.berth.store;

import dev.berth.error.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * File bytes on local disk, addressed by their SHA-256 (DESIGN principle 2).
 *
 * <p>A write streams into a private temporary file while hashing, so memory use does not depend on
 * the size; the file is flushed to disk, made read-only, and only then published under {@code
 * blobs/<aa>/<digest>} by an atomic rename. A published blob never changes. Publishing and
 * collecting the same digest take the same lock, so a blob is never deleted between an upload
 * publishing it and its file record being written.
 */
public final class LocalBlobStore {
  private static final int BUFFER = 256 * 1024;
  private static final int STRIPES = 64;

  private final Path blobs;
  private final Path incoming;
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

  public LocalBlobStore(Path dataDir) {
    this.blobs = dataDir.resolve("blobs");
    this.incoming = dataDir.resolve("tmp");
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
    try {
      Files.createDirectories(blobs);
      Files.createDirectories(incoming);
      try (var stale = Files.newDirectoryStream(incoming)) {
        for (Path p : stale) {
          Files.deleteIfExists(p); // half-written uploads of a previous run
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare blob directory " + blobs, e);
    }
  }

  /** Bytes written but not yet published. */
  public record Staged(Path temp, String sha256, long size) {}

  /**
   * Streams {@code in} to a temporary file while hashing it.
   *
   * @throws ApiException.TooLarge once more than {@code maxBytes} arrive (nothing is kept)
   */
  public Staged stage(InputStream in, long maxBytes) throws IOException {
    Path temp = Files.createTempFile(incoming, "upload-", ".part");
    boolean done = false;
    try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      MessageDigest sha = sha256();
      byte[] buf = new byte[BUFFER];
      long size = 0;
      for (int n; (n = in.read(buf)) != -1; ) {
        size += n;
        if (size > maxBytes) {
          throw new ApiException.TooLarge(
              "file exceeds the maximum upload size of " + maxBytes + " bytes");
        }
        sha.update(buf, 0, n);
        ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
        while (chunk.hasRemaining()) {
          out.write(chunk);
        }
      }
      out.force(true);
      done = true;
      return new Staged(temp, HexFormat.of().formatHex(sha.digest()), size);
    } finally {
      if (!done) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /**
   * Publishes staged bytes under their digest; if that digest is already stored, the staged copy is
   * dropped. Call inside {@link #locked} for the digest.
   */
  public void publish(Staged staged) {
    Path target = path(staged.sha256());
    try {
      if (Files.exists(target)) {
        Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
        Files.delete(staged.temp());
        return;
      }
      Files.createDirectories(target.getParent());
      Files.setPosixFilePermissions(staged.temp(), PosixFilePermissions.fromString("r--r--r--"));
      try {
        Files.move(staged.temp(), target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
        Files.deleteIfExists(staged.temp());
        if (!Files.exists(target)) {
          throw e;
        }
      }
      try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        dir.force(true); // the rename itself must survive a crash
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish blob " + staged.sha256(), e);
    }
  }

  /** Drops staged bytes that will not be published. */
  public void discard(Staged staged) {
    try {
      Files.deleteIfExists(staged.temp());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where the blob with this digest lives (it may not exist). */
  public Path path(String sha256) {
    return blobs.resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  public InputStream open(String sha256) throws IOException {
    return Files.newInputStream(path(sha256));
  }

  /**
   * Deletes the blob if {@code unreferenced} says nothing points at it any more; both run under the
   * digest's lock.
   */
  public boolean collect(String sha256, Supplier<Boolean> unreferenced) {
    return locked(
        sha256,
        () -> {
          if (!unreferenced.get()) {
            return false;
          }
          try {
            Files.delete(path(sha256));
            return true;
          } catch (NoSuchFileException e) {
            return false;
          } catch (IOException e) {
            throw new UncheckedIOException("cannot delete blob " + sha256, e);
          }
        });
  }

  /** Every stored digest, for sweeping blobs no record points at. */
  public java.util.List<String> digests() {
    try (var walk = Files.walk(blobs, 2)) {
      return walk.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list blobs in " + blobs, e);
    }
  }

  /** Runs {@code work} holding the lock for {@code sha256}. */
  public <T> T locked(String sha256, Supplier<T> work) {
    ReentrantLock lock = locks[Math.floorMod(sha256.hashCode(), STRIPES)];
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
