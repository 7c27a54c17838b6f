package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.config.BerthConfig.S3Settings;
import dev.berth.model.StagedBlob;
import dev.berth.testing.HttpRequestLog;
import dev.berth.testing.S3Server;
import dev.berth.testing.TcpProxy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The blob store several nodes share keeps the {@link BlobStoreContract} against a real
 * S3-compatible server (S3Mock), each test in a bucket of its own; and a node that did not upload a
 * blob reads it from the bucket, and links to a copy it downloads once.
 */
class S3BlobStoreTest extends BlobStoreContract {
  private static final int PART = (int) S3Settings.MIN_PART_BYTES;
  private final String bucket = S3Server.newBucketName();

  @Override
  BlobStore open(Path dataDir) {
    return new S3BlobStore(
        settings(S3Settings.DEFAULT_PART_BYTES, S3Settings.DEFAULT_PARALLELISM), dataDir);
  }

  /** A node that moves blobs in the smallest parts S3 takes, three at a time. */
  private S3BlobStore openInSmallParts(Path dataDir) {
    return new S3BlobStore(settings(PART, 3), dataDir);
  }

  private S3Settings settings(long partBytes, int parallelism) {
    return settings(S3Server.endpoint(), partBytes, parallelism);
  }

  private S3Settings settings(URI endpoint, long partBytes, int parallelism) {
    return new S3Settings(
        Optional.of(endpoint),
        bucket,
        "us-east-1",
        Optional.of(S3Server.ACCESS_KEY_ID),
        Optional.of(S3Server.SECRET_ACCESS_KEY),
        partBytes,
        parallelism);
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
    byte[] bytes = new byte[(int) S3Settings.DEFAULT_PART_BYTES + 1];
    new Random(42).nextBytes(bytes);
    StagedBlob staged = blobs.stage(new ByteArrayInputStream(bytes), bytes.length);
    blobs.publish(staged);

    try (BlobStore other = open(dataDir.resolve("other-node"))) {
      assertThat(Files.readAllBytes(other.localPath(staged.sha256()))).isEqualTo(bytes);
    }
  }

  @Test
  void aBlobOfExactlyFourPartsGoesUpAsFourPartsAndComesDownWhole() throws IOException {
    uploadInPartsThenDownloadOnAnotherNode(4 * PART, 4);
  }

  @Test
  void aBlobOneByteOverFourPartsGoesUpAsFivePartsAndComesDownWhole() throws IOException {
    uploadInPartsThenDownloadOnAnotherNode(4 * PART + 1, 5);
  }

  @Test
  void aBlobOneByteUnderOnePartGoesUpInOneRequest() throws IOException {
    uploadInPartsThenDownloadOnAnotherNode(PART - 1, 1);
  }

  private void uploadInPartsThenDownloadOnAnotherNode(int size, int parts) throws IOException {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    String sha;
    try (S3BlobStore node = openInSmallParts(dataDir.resolve("first-node"))) {
      StagedBlob staged = node.stage(new ByteArrayInputStream(bytes), size);
      sha = staged.sha256();
      node.publish(staged);
    }

    var object = S3Server.client().getObjectAsBytes(b -> b.bucket(bucket).key(key(sha)));
    assertThat(object.asByteArray()).isEqualTo(bytes);
    // S3 names a multipart object's ETag after its number of parts
    assertThat(object.response().eTag()).endsWith(parts == 1 ? "\"" : "-" + parts + "\"");
    Path other = dataDir.resolve("other-node");
    try (S3BlobStore node = openInSmallParts(other)) {
      Path copy = node.localPath(sha);
      assertThat(copy).startsWith(other);
      assertThat(Files.readAllBytes(copy)).isEqualTo(bytes);
    }
    assertThat(files(other.resolve("tmp"))).isEmpty();
  }

  @Test
  void anEmptyBlobComesDownToAnotherNode() throws IOException {
    String sha = publish("");
    try (S3BlobStore other = openInSmallParts(dataDir.resolve("other-node"))) {
      assertThat(other.localPath(sha)).isEmptyFile();
    }
  }

  @Test
  void anObjectThatDoesNotHashToItsNameFailsTheDownloadAndLeavesNoFile() throws IOException {
    byte[] bytes = new byte[2 * PART + 5];
    new Random(7).nextBytes(bytes);
    String sha = sha256(bytes);
    bytes[PART + 3] ^= 1; // a byte of the second part differs from what was hashed
    S3Server.client().putObject(b -> b.bucket(bucket).key(key(sha)), RequestBody.fromBytes(bytes));

    Path other = dataDir.resolve("other-node");
    try (S3BlobStore node = openInSmallParts(other)) {
      assertThatThrownBy(() -> node.localPath(sha))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("does not hash to its name");
    }
    assertThat(files(other)).isEmpty();
  }

  @Test
  void aBlobMissingFromTheBucketIsNoSuchFileAndLeavesNoFile() throws IOException {
    String sha = sha256(utf8("never uploaded"));
    Path other = dataDir.resolve("other-node");
    try (S3BlobStore node = openInSmallParts(other)) {
      assertThatThrownBy(() -> node.localPath(sha))
          .isInstanceOf(UncheckedIOException.class)
          .hasCauseInstanceOf(NoSuchFileException.class);
    }
    assertThat(files(other)).isEmpty();
  }

  @Test
  void aPartThatCannotBeReadAbortsTheMultipartUploadAndLeavesNoObject() throws IOException {
    byte[] bytes = new byte[3 * PART];
    new Random(3).nextBytes(bytes);
    try (S3BlobStore node = openInSmallParts(dataDir.resolve("first-node"))) {
      StagedBlob staged = node.stage(new ByteArrayInputStream(bytes), bytes.length);
      try (var file = FileChannel.open(staged.temp(), StandardOpenOption.WRITE)) {
        file.truncate(PART + PART / 2); // the second part comes up short, the third empty
      }
      assertThatThrownBy(() -> node.publish(staged)).isInstanceOf(RuntimeException.class);
    }
    assertThat(S3Server.client().listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
    assertThat(S3Server.keys(bucket)).isEmpty();
  }

  @Test
  void overPlainHttpEveryPartAndSinglePutGoesUpUnsignedAndUnchunked() throws IOException {
    byte[] large = new byte[2 * PART + 1];
    byte[] small = new byte[PART - 1];
    new Random(11).nextBytes(large);
    new Random(12).nextBytes(small);
    var log = new HttpRequestLog();
    try (var proxy = new TcpProxy(S3Server.endpoint().getAuthority(), log);
        S3BlobStore node =
            new S3BlobStore(
                settings(URI.create("http://" + proxy.address()), PART, 3),
                dataDir.resolve("first-node"))) {
      for (byte[] bytes : List.of(large, small)) {
        node.publish(node.stage(new ByteArrayInputStream(bytes), bytes.length));
      }
    }

    List<HttpRequestLog.Request> uploads =
        log.requests().stream()
            .filter(r -> r.method().equals("PUT") && r.target().contains("/blobs/"))
            .toList();
    assertThat(uploads).hasSize(3 + 1);
    for (HttpRequestLog.Request upload : uploads) {
      assertThat(upload.header("x-amz-content-sha256")).isEqualTo("UNSIGNED-PAYLOAD");
      assertThat(upload.header("content-encoding")).isNull();
    }
    for (byte[] bytes : List.of(large, small)) {
      String object = key(sha256(bytes));
      assertThat(
              S3Server.client().getObjectAsBytes(b -> b.bucket(bucket).key(object)).asByteArray())
          .isEqualTo(bytes);
    }
  }

  private static String key(String sha) {
    return "blobs/" + sha.substring(0, 2) + "/" + sha;
  }

  /** The regular files under {@code dir}, none if it does not exist. */
  private static List<Path> files(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (var all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile).toList();
    }
  }
}
