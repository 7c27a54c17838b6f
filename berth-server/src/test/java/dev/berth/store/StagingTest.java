package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.error.ApiException;
import dev.berth.model.StagedBlob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Uploads staged with their hash computed a buffer behind the reads (256 KiB buffers), their first
 * bytes written through the page cache and the rest past it in 1 MiB buffers: every size around the
 * buffers', the blocks' and the switch's edges comes out byte for byte with the digest of its
 * bytes, written either way, and an upload given up halfway leaves nothing behind and holds no
 * buffer. Most tests switch after two read buffers instead of 16 MiB, to stay small.
 */
class StagingTest {
  private static final int BUFFER = Staging.BUFFER;
  private static final int DIRECT = DirectBuffers.SIZE;
  private static final long CACHED = 2 * BUFFER;

  @TempDir Path dir;

  static Stream<Arguments> sizes() {
    long[] sizes = {
      0,
      1,
      BUFFER - 1,
      BUFFER,
      BUFFER + 1,
      CACHED - 1,
      CACHED,
      CACHED + 1,
      CACHED + 4096,
      CACHED + BUFFER,
      CACHED + DIRECT - 1,
      CACHED + DIRECT,
      CACHED + DIRECT + 1,
      CACHED + 3 * DIRECT + 4095,
      CACHED + 3 * DIRECT + 4097,
      CACHED + 5 * DIRECT + 12_345
    };
    return Stream.of(true, false)
        .flatMap(direct -> LongStream.of(sizes).mapToObj(size -> Arguments.of(direct, size)));
  }

  @ParameterizedTest(name = "direct writes tried: {0}, {1} bytes")
  @MethodSource("sizes")
  void stagedFileHoldsTheBytesAndTheirDigest(boolean direct, long size) throws IOException {
    byte[] bytes = random((int) size);
    var staging = new Staging(dir, direct, CACHED);

    var staged = staging.stage(new ByteArrayInputStream(bytes), Long.MAX_VALUE);

    assertThat(staged.size()).isEqualTo(size);
    assertThat(staged.sha256()).isEqualTo(sha256(bytes));
    assertThat(Files.readAllBytes(staged.temp())).isEqualTo(bytes);
    assertThat(staging.directBuffersFree()).isEqualTo(DirectBuffers.TOTAL);
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(
      longs = {
        Staging.CACHED_BYTES - 1,
        Staging.CACHED_BYTES + 1,
        Staging.CACHED_BYTES + 4 * DIRECT + 7
      })
  void uploadsAroundTheSwitchAt16MiBHoldTheirBytes(long size) throws IOException {
    byte[] bytes = random((int) size);

    var staged = new Staging(dir).stage(new ByteArrayInputStream(bytes), Long.MAX_VALUE);

    assertThat(staged.sha256()).isEqualTo(sha256(bytes));
    assertThat(Files.readAllBytes(staged.temp())).isEqualTo(bytes);
  }

  @Test
  void aFilesystemThatTakesDirectWritesGetsThem() {
    // the build's temporary directory is on ext4 (or tmpfs), which both take O_DIRECT
    assertThat(new Staging(dir).writesDirect()).isTrue();
    assertThat(new Staging(dir, false, CACHED).writesDirect()).isFalse();
  }

  @Test
  void aSwitchOffTheReadBufferIsRefused() {
    assertThatThrownBy(() -> new Staging(dir, true, BUFFER + 4096))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void uploadsBeyondWhatTheDirectBuffersAllowAreWrittenThroughThePageCacheIntact()
      throws Exception {
    var staging = new Staging(dir, true, BUFFER);
    int uploads = DirectBuffers.TOTAL / DirectBuffers.PER_UPLOAD + 2;
    var inside = new CountDownLatch(uploads);
    var go = new CountDownLatch(1);
    List<byte[]> contents = new ArrayList<>();
    List<Future<StagedBlob>> staged = new ArrayList<>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < uploads; i++) {
        byte[] bytes = random(2 * DIRECT + i);
        contents.add(bytes);
        // each stops after its first two buffers, the second past the switch, until all have
        // decided how they are written
        InputStream held =
            new SequenceInputStream(
                new ByteArrayInputStream(bytes, 0, 2 * BUFFER),
                new SequenceInputStream(
                    waitingFor(inside, go),
                    new ByteArrayInputStream(bytes, 2 * BUFFER, bytes.length - 2 * BUFFER)));
        staged.add(pool.submit(() -> staging.stage(held, Long.MAX_VALUE)));
      }
      inside.await();
      assertThat(staging.directBuffersFree()).isZero();
      go.countDown();
      for (int i = 0; i < uploads; i++) {
        var blob = staged.get(i).get();
        assertThat(blob.sha256()).isEqualTo(sha256(contents.get(i)));
        assertThat(Files.readAllBytes(blob.temp())).isEqualTo(contents.get(i));
      }
    }
    assertThat(staging.directBuffersFree()).isEqualTo(DirectBuffers.TOTAL);
  }

  @ParameterizedTest(name = "direct writes tried: {0}")
  @ValueSource(booleans = {true, false})
  void uploadCutOffAfterSeveralDirectBuffersLeavesNoFileAndHoldsNoBuffer(boolean direct) {
    var staging = new Staging(dir, direct, CACHED);
    InputStream cutOff =
        new SequenceInputStream(new ByteArrayInputStream(random(3 * DIRECT + 5)), failing());

    assertThatThrownBy(() -> staging.stage(cutOff, Long.MAX_VALUE))
        .hasMessage("the client went away");
    assertThat(staged()).isEmpty();
    assertThat(staging.directBuffersFree()).isEqualTo(DirectBuffers.TOTAL);
  }

  @Test
  void theDirectBuffersOfAnUploadCutOffAreReusedByTheNext() throws IOException {
    var staging = new Staging(dir, true, CACHED);
    staging.stage(new ByteArrayInputStream(random(4 * DIRECT)), Long.MAX_VALUE);

    for (int i = 0; i < 3; i++) {
      InputStream cutOff =
          new SequenceInputStream(new ByteArrayInputStream(random(3 * DIRECT)), failing());
      assertThatThrownBy(() -> staging.stage(cutOff, Long.MAX_VALUE))
          .hasMessage("the client went away");
    }
    staging.stage(new ByteArrayInputStream(random(4 * DIRECT)), Long.MAX_VALUE);

    // one upload at a time never needs more than its own buffers, however many uploads there were
    // (how many of those it makes depends on how soon the writing thread gives one back)
    assertThat(staging.directBuffersAllocated()).isBetween(1, DirectBuffers.PER_UPLOAD);
  }

  @ParameterizedTest(name = "direct writes tried: {0}")
  @ValueSource(booleans = {true, false})
  void aFullDiskIsTheServersFailureNotTheClientsAndLeavesNoFile(boolean direct) throws Exception {
    assumeTrue(isRoot(), "mounting a small filesystem needs root");
    Path small = Files.createDirectory(dir.resolve("small"));
    run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small.toString());
    try {
      var staging = new Staging(small, direct, CACHED);

      assertThatThrownBy(
              () -> staging.stage(new ByteArrayInputStream(random(4 * DIRECT)), Long.MAX_VALUE))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessage("cannot stage the upload")
          .hasRootCauseMessage("No space left on device");
      try (var left = Files.list(small)) {
        assertThat(left).isEmpty();
      }
      assertThat(staging.directBuffersFree()).isEqualTo(DirectBuffers.TOTAL);
    } finally {
      run("umount", small.toString());
    }
  }

  @Test
  void aClientThatGoesAwayIsTheClientsFailure() {
    InputStream cutOff =
        new SequenceInputStream(new ByteArrayInputStream(random(3 * DIRECT)), failing());

    assertThatThrownBy(() -> new Staging(dir, true, CACHED).stage(cutOff, Long.MAX_VALUE))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage("the client went away");
  }

  /** Runs {@code command} and checks that it worked. */
  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("%s: %s", List.of(command), output).isZero();
  }

  private static boolean isRoot() throws IOException {
    return Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0);
  }

  @ParameterizedTest(name = "direct writes tried: {0}")
  @ValueSource(booleans = {true, false})
  void uploadPastTheLimitAfterSeveralDirectBuffersIsRefusedAndLeavesNoFile(boolean direct) {
    var staging = new Staging(dir, direct, CACHED);

    assertThatThrownBy(
            () -> staging.stage(new ByteArrayInputStream(random(4 * DIRECT)), 2L * DIRECT + 1))
        .isInstanceOf(ApiException.TooLarge.class);
    assertThat(staged()).isEmpty();
    assertThat(staging.directBuffersFree()).isEqualTo(DirectBuffers.TOTAL);
  }

  /** A stream whose every read fails, as a client that went away. */
  private static InputStream failing() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("the client went away");
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        throw new IOException("the client went away");
      }
    };
  }

  /** An empty stream whose first read counts {@code inside} down and waits for {@code go}. */
  private static InputStream waitingFor(CountDownLatch inside, CountDownLatch go) {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        return read(new byte[1], 0, 1);
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        inside.countDown();
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException();
        }
        return -1;
      }
    };
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
