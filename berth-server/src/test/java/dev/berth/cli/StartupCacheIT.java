package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.testing.TestStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up cache that {@code ./berth serve} makes after a build ({@code scripts/aot-cache.sh}),
 * made from the packaged jar here: its training run serves a first client's requests, and a JVM
 * told to insist on the cache ({@code -XX:AOTMode=on}, which refuses to start without it) starts
 * the jar with it. Needs JDK 25; runs once, in the suite's SQLite pass (the training run is the
 * embedded default either way).
 */
class StartupCacheIT {
  private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
  private static final Path JAR = Path.of("target", "berth.jar").toAbsolutePath();

  @TempDir Path dir;

  @Test
  void trainingRunServesAFirstClientAndTheCacheItWritesStartsTheJar() throws Exception {
    assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25");
    assumeFalse(TestStores.sharedBackend(), "made once, in the SQLite pass");
    Path cache = dir.resolve("berth.aot");

    Result made =
        run(
            List.of(
                "bash",
                Path.of("..", "scripts", "aot-cache.sh").toString(),
                JAVA,
                JAR.toString(),
                cache.toString()));

    assertThat(made.status()).as(made.output()).isZero();
    assertThat(cache).isNotEmptyFile();
    String training = Files.readString(Path.of(cache + ".log"));
    assertThat(training)
        .contains("POST /v1/files 200")
        .contains("POST /v1/sessions/{session_id}/resources 200")
        .contains("DELETE /v1/sessions/{session_id}/resources/{resource_id} 200");

    Result started =
        run(
            List.of(
                JAVA,
                "-XX:AOTCache=" + cache,
                "-XX:AOTMode=on",
                "-jar",
                JAR.toString(),
                "version"));

    assertThat(started.status()).as(started.output()).isZero();
    assertThat(started.output()).startsWith("berth ");
  }

  private record Result(int status, String output) {}

  private Result run(List<String> command) throws IOException, InterruptedException {
    Path output = Files.createTempFile(dir, "out-", ".txt");
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("no end within 3 minutes: " + command);
    }
    return new Result(p.exitValue(), Files.readString(output));
  }
}
