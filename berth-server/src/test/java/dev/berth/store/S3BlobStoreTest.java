package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.config.BerthConfig.S3Settings;
import dev.berth.model.StagedBlob;
import dev.berth.testing.S3Server;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The blob store several nodes share keeps the {@link BlobStoreContract} against a real
 * S3-compatible server (S3Mock), each test in a bucket of its own; and a node that did not upload a
 * blob reads it from the bucket, and links to a copy it downloads once.
 */
class S3BlobStoreTest extends BlobStoreContract {
  private final String bucket = S3Server.newBucketName();

  @Override
  BlobStore open(Path dataDir) {
    return new S3BlobStore(
        new S3Settings(
            Optional.of(S3Server.endpoint()),
            bucket,
            "us-east-1",
            Optional.of(S3Server.ACCESS_KEY_ID),
            Optional.of(S3Server.SECRET_ACCESS_KEY)),
        dataDir);
  }

  @AfterEach
  void deleteBucket() {
    S3Server.deleteBucket(bucket);
  }

  @Test
  void anotherNodeReadsABlobFromTheBucketAndLinksToItsOwnCopy() throws IOException {
    String sha = publish("uploaded on the first node");
    Path otherDataDir = dataDir.resolve("other-node");

    try (BlobStore other = open(otherDataDir)) {
      assertThat(other.digests()).containsExactly(sha);
      try (InputStream in = other.open(sha)) {
        assertThat(in.readAllBytes()).isEqualTo(utf8("uploaded on the first node"));
      }
      Path copy = other.localPath(sha);
      assertThat(copy).startsWith(otherDataDir).hasContent("uploaded on the first node");
      assertThat(other.localPath(sha)).isEqualTo(copy);
    }
  }

  @Test
  void aBlobLargerThanOnePartReadsBackWhole() throws IOException {
    byte[] bytes = new byte[(int) S3BlobStore.PART_BYTES + 1];
    new Random(42).nextBytes(bytes);
    StagedBlob staged = blobs.stage(new ByteArrayInputStream(bytes), bytes.length);
    blobs.publish(staged);

    try (BlobStore other = open(dataDir.resolve("other-node"))) {
      assertThat(Files.readAllBytes(other.localPath(staged.sha256()))).isEqualTo(bytes);
    }
  }
}
