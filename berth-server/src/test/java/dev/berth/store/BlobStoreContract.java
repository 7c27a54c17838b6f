package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.error.ApiException;
import dev.berth.model.StagedBlob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link BlobStore} does (DESIGN principle 2), whatever keeps the bytes: staging hashes
 * and counts, publishing makes a blob readable by its digest and keeps the first bytes of a digest,
 * sandboxes get a read-only file on this node's disk, and deleting or discarding leaves nothing
 * behind. One subclass per implementation says how to open one on a data directory.
 */
abstract class BlobStoreContract {
  @TempDir Path dataDir;
  BlobStore blobs;

  /** A new store whose files on this node (staging included) live under {@code dataDir}. */
  abstract BlobStore open(Path dataDir);

  @BeforeEach
  void openStore() {
    blobs = open(dataDir);
  }

  @AfterEach
  void closeStore() {
    blobs.close();
  }

  @Test
  void stagingHashesAndCountsTheBytesWithoutPublishingThem() throws IOException {
    byte[] bytes = utf8("a,b\n1,2\n");

    StagedBlob staged = blobs.stage(new ByteArrayInputStream(bytes), 1024);

    assertThat(staged.sha256()).isEqualTo(sha256(bytes));
    assertThat(staged.size()).isEqualTo(bytes.length);
    assertThat(Files.readAllBytes(staged.temp())).isEqualTo(bytes);
    assertThat(blobs.digests()).isEmpty();
  }

  @Test
  void stagingNothingGivesTheEmptyDigest() throws IOException {
    StagedBlob staged = blobs.stage(InputStream.nullInputStream(), 1024);

    assertThat(staged.sha256()).isEqualTo(sha256(new byte[0]));
    assertThat(staged.size()).isZero();
  }

  @Test
  void stagingUpToTheLimitIsAccepted() throws IOException {
    StagedBlob staged = blobs.stage(new ByteArrayInputStream(new byte[1024]), 1024);

    assertThat(staged.size()).isEqualTo(1024);
  }

  @Test
  void stagingOverTheLimitIsTooLargeAndKeepsNothing() throws IOException {
    assertThatThrownBy(() -> blobs.stage(new ByteArrayInputStream(new byte[1025]), 1024))
        .isInstanceOf(ApiException.TooLarge.class);
    assertThat(stagedFiles()).isEmpty();
    assertThat(blobs.digests()).isEmpty();
  }

  @Test
  void aPublishedBlobIsReadByItsDigestAndListed() throws IOException {
    String sha = publish("published");

    assertThat(read(sha)).isEqualTo("published");
    assertThat(blobs.digests()).containsExactly(sha);
    assertThat(stagedFiles()).isEmpty();
  }

  @Test
  void theLocalPathIsAReadOnlyFileWithTheBytes() throws IOException {
    String sha = publish("for a sandbox");

    Path path = blobs.localPath(sha);

    assertThat(path).hasContent("for a sandbox");
    assertThat(Files.getPosixFilePermissions(path))
        .doesNotContain(
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_WRITE);
  }

  @Test
  void publishingADigestAgainKeepsOneBlobAndDropsTheSecondCopy() throws IOException {
    String first = publish("same bytes");
    StagedBlob again = stage("same bytes");

    blobs.publish(again);

    assertThat(again.sha256()).isEqualTo(first);
    assertThat(again.temp()).doesNotExist();
    assertThat(blobs.digests()).containsExactly(first);
    assertThat(read(first)).isEqualTo("same bytes");
  }

  @Test
  void discardingStagedBytesPublishesNothing() throws IOException {
    StagedBlob staged = stage("never published");

    blobs.discard(staged);

    assertThat(staged.temp()).doesNotExist();
    assertThat(blobs.digests()).isEmpty();
    assertThatThrownBy(() -> blobs.open(staged.sha256())).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void openingABlobThatIsNotThereIsNoSuchFile() {
    assertThatThrownBy(() -> blobs.open(sha256(utf8("absent"))))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void deletingABlobRemovesItAndItsLocalFile() throws IOException {
    String kept = publish("kept");
    String gone = publish("gone");
    Path local = blobs.localPath(gone);

    blobs.delete(gone);

    assertThat(blobs.digests()).containsExactly(kept);
    assertThat(local).doesNotExist();
    assertThatThrownBy(() -> blobs.open(gone)).isInstanceOf(NoSuchFileException.class);
    assertThat(read(kept)).isEqualTo("kept");
  }

  @Test
  void deletingABlobThatIsNotThereDoesNothing() throws IOException {
    String kept = publish("kept");

    blobs.delete(sha256(utf8("absent")));

    assertThat(blobs.digests()).containsExactly(kept);
  }

  @Test
  void digestsListsEveryPublishedBlobOnce() throws IOException {
    String a = publish("a");
    String b = publish("b");
    publish("a");

    assertThat(blobs.digests()).containsExactlyInAnyOrder(a, b);
  }

  StagedBlob stage(String text) throws IOException {
    return blobs.stage(new ByteArrayInputStream(utf8(text)), 1 << 20);
  }

  /** Stages and publishes {@code text}; returns its digest. */
  String publish(String text) throws IOException {
    StagedBlob staged = stage(text);
    blobs.publish(staged);
    return staged.sha256();
  }

  String read(String sha256) throws IOException {
    try (InputStream in = blobs.open(sha256)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** What is left in the staging directory both implementations use. */
  private List<Path> stagedFiles() throws IOException {
    try (Stream<Path> files = Files.list(dataDir.resolve("tmp"))) {
      return files.toList();
    }
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
