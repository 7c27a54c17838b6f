package dev.berth.store;

import dev.berth.model.StagedBlob;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * File bytes on local disk, addressed by their SHA-256 (DESIGN principle 2): the embedded default,
 * and the node-local cache of {@link S3BlobStore}.
 *
 * <p>StagedBlob bytes are flushed to disk, made read-only, and only then published under {@code
 * <root>/<aa>/<digest>} by an atomic rename, whose directory entry is flushed too. A published blob
 * never changes, so sandboxes can hard-link it.
 */
public final class LocalBlobStore implements BlobStore {
  private final Path root;
  private final Staging staging;

  /**
   * The embedded default: blobs in {@code dataDir/blobs}, uploads staged in {@code dataDir/tmp}.
   */
  public LocalBlobStore(Path dataDir) {
    this(dataDir.resolve("blobs"), new Staging(dataDir.resolve("tmp")));
  }

  LocalBlobStore(Path root, Staging staging) {
    this.root = root;
    this.staging = staging;
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare blob directory " + root, e);
    }
  }

  @Override
  public StagedBlob stage(InputStream in, long maxBytes) throws IOException {
    return staging.stage(in, maxBytes);
  }

  @Override
  public void publish(StagedBlob staged) {
    Path target = localPath(staged.sha256());
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

  @Override
  public void discard(StagedBlob staged) {
    Staging.discard(staged);
  }

  /** Where the blob with this digest lives (it may not exist). */
  @Override
  public Path localPath(String sha256) {
    return root.resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  /** Whether the blob is here. */
  boolean contains(String sha256) {
    return Files.exists(localPath(sha256));
  }

  @Override
  public Optional<Path> localCopy(String sha256) {
    return Optional.of(localPath(sha256));
  }

  @Override
  public InputStream open(String sha256) throws IOException {
    return Files.newInputStream(localPath(sha256));
  }

  @Override
  public void delete(String sha256) {
    try {
      Files.delete(localPath(sha256));
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete blob " + sha256, e);
    }
  }

  @Override
  public List<String> digests() {
    try (var walk = Files.walk(root, 2)) {
      return walk.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list blobs in " + root, e);
    }
  }

  @Override
  public void checkWritable() {
    staging.checkWritable();
    Staging.probe(root, "the blob directory cannot be written");
  }

  @Override
  public void close() {}
}
