package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.error.ApiException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Uploads staged with their hash computed a buffer behind the writes (256 KiB buffers): every size
 * around the buffer's edges comes out byte for byte with the digest of its bytes, and an upload
 * given up halfway leaves nothing behind.
 */
class StagingTest {
  private static final int BUFFER = 256 * 1024;

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(
      ints = {0, 1, BUFFER - 1, BUFFER, BUFFER + 1, 2 * BUFFER, 3 * BUFFER, 7 * BUFFER + 5})
  void stagedFileHoldsTheBytesAndTheirDigest(int size) throws IOException {
    byte[] bytes = random(size);

    var staged = new Staging(dir).stage(new ByteArrayInputStream(bytes), Long.MAX_VALUE);

    assertThat(staged.size()).isEqualTo(size);
    assertThat(staged.sha256()).isEqualTo(sha256(bytes));
    assertThat(Files.readAllBytes(staged.temp())).isEqualTo(bytes);
  }

  @Test
  void uploadCutOffAfterSeveralBuffersLeavesNoFile() {
    InputStream cutOff =
        new SequenceInputStream(
            new ByteArrayInputStream(random(5 * BUFFER)),
            new InputStream() {
              @Override
              public int read() throws IOException {
                throw new IOException("the client went away");
              }

              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                throw new IOException("the client went away");
              }
            });

    assertThatThrownBy(() -> new Staging(dir).stage(cutOff, Long.MAX_VALUE))
        .hasMessage("the client went away");
    assertThat(staged()).isEmpty();
  }

  @Test
  void uploadPastTheLimitAfterSeveralBuffersIsRefusedAndLeavesNoFile() {
    assertThatThrownBy(
            () ->
                new Staging(dir)
                    .stage(new ByteArrayInputStream(random(6 * BUFFER)), 4L * BUFFER + 1))
        .isInstanceOf(ApiException.TooLarge.class);
    assertThat(staged()).isEmpty();
  }

  private Stream<Path> staged() {
    try (var files = Files.list(dir)) {
      return files.toList().stream();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(Staging.sha256().digest(bytes));
  }
}
