package dev.berth.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Berth as a separate process running the packaged jar, for tests that kill it. Needs {@code mvn
 * package} first, so only {@code *IT} tests (failsafe) use it.
 */
public final class BerthProcess implements AutoCloseable {
  private final Process process;
  private final int port;

  private BerthProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static BerthProcess start(Path dataDir, String... extraArgs) throws IOException {
    int port = freePort();
    String java = ProcessHandle.current().info().command().orElse("java");
    var command =
        new java.util.ArrayList<>(
            List.of(
                java,
                "-jar",
                Path.of("target", "berth.jar").toAbsolutePath().toString(),
                "--port",
                Integer.toString(port),
                "--data-dir",
                dataDir.toString(),
                "--api-key",
                TestServer.KEY + "@alpha",
                "--api-key",
                TestServer.OTHER_KEY + "@beta"));
    command.addAll(List.of(extraArgs));
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + ".log").toFile())
            .start();
    var berth = new BerthProcess(p, port);
    berth.awaitReady();
    return berth;
  }

  public Http http() {
    return new Http("http://127.0.0.1:" + port, TestServer.KEY);
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  public long pid() {
    return process.pid();
  }

  /** SIGTERM, without waiting: the shutdown hook drains in-flight requests, then exits. */
  public void terminate() {
    process.destroy();
  }

  /** Whether the process exited within {@code timeout}. */
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** SIGKILL: no shutdown hook runs. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("berth exited with " + process.exitValue());
      }
      try {
        if (http().get("/v1/files?limit=1").status() == 200) {
          return;
        }
      } catch (RuntimeException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("berth did not start within 60 s");
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      process.waitFor();
    }
  }

  private static int freePort() throws IOException {
    try (var s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
