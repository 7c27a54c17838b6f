package dev.berth.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A test's look into a server's blob store, whichever it is: the {@code blobs} directory of the
 * embedded default, or the S3 bucket (with the node's cached copies under {@code blob-cache}).
 */
public final class TestBlobs {
  private final Path dataDir;
  private final Optional<String> bucket;

  TestBlobs(Path dataDir, Optional<String> bucket) {
    this.dataDir = dataDir;
    this.bucket = bucket;
  }

  /** The digests of every stored blob. */
  public List<String> digests() throws IOException {
    if (bucket.isPresent()) {
      return S3Server.keys(bucket.get()).stream()
          .map(k -> k.substring(k.lastIndexOf('/') + 1))
          .toList();
    }
    Path root = dataDir.resolve("blobs");
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
    }
  }

  /** Makes the blob vanish from under the server, cached copies included. */
  public void delete(String sha256) throws IOException {
    if (bucket.isPresent()) {
      S3Server.client().deleteObject(b -> b.bucket(bucket.get()).key(key(sha256)));
      Files.deleteIfExists(local("blob-cache", sha256));
    } else {
      Files.delete(local("blobs", sha256));
    }
  }

  /** Stores bytes under a digest behind the server's back, as a crashed upload would leave them. */
  public void plant(String sha256, String content) throws IOException {
    if (bucket.isPresent()) {
      S3Server.client()
          .putObject(b -> b.bucket(bucket.get()).key(key(sha256)), RequestBody.fromString(content));
    } else {
      Path path = local("blobs", sha256);
      Files.createDirectories(path.getParent());
      Files.writeString(path, content);
    }
  }

  private Path local(String dir, String sha256) {
    return dataDir.resolve(dir).resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  private static String key(String sha256) {
    return "blobs/" + sha256.substring(0, 2) + "/" + sha256;
  }
}
