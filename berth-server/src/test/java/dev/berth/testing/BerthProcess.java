package dev.berth.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Berth as a separate process running the packaged jar, for tests that kill it. Needs {@code mvn
 * package} first, so only {@code *IT} tests (failsafe) use it.
 */
public final class BerthProcess implements AutoCloseable {
  /** The start-up line, in text or as JSON (where logback writes {@code /} as {@code \/}). */
  private static final Pattern LISTENING =
      Pattern.compile("Berth listening on http:\\\\?/\\\\?/[^:]+:(\\d+)");

  private final Process process;
  private final Path log;
  private final Path dataDir;
  private int port;
  private boolean killed;

  private BerthProcess(Process process, Path log, Path dataDir) {
    this.process = process;
    this.log = log;
    this.dataDir = dataDir;
  }

  /**
   * Starts the jar on a port the kernel picks (port 0) and learns it from the start-up log, so no
   * other server on this machine can take the port in between.
   */
  public static BerthProcess start(TestStores stores, Path dataDir, String... extraArgs)
      throws IOException {
    return start(List.of(), stores, dataDir, extraArgs);
  }

  /**
   * {@link #start}, under a soft and hard limit of {@code descriptors} open files ({@code
   * prlimit}), which the JVM cannot raise.
   */
  public static BerthProcess startWithDescriptorLimit(
      int descriptors, TestStores stores, Path dataDir, String... extraArgs) throws IOException {
    String limit = "--nofile=" + descriptors + ":" + descriptors;
    return start(List.of("prlimit", limit, "--"), stores, dataDir, extraArgs);
  }

  private static BerthProcess start(
      List<String> prefix, TestStores stores, Path dataDir, String... extraArgs)
      throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    var command = new java.util.ArrayList<>(prefix);
    command.addAll(
        List.of(
            java,
            "-jar",
            Path.of("target", "berth.jar").toAbsolutePath().toString(),
            "--port",
            "0",
            "--data-dir",
            dataDir.toString(),
            "--api-key",
            TestServer.KEY + "@alpha",
            "--api-key",
            TestServer.OTHER_KEY + "@beta"));
    command.addAll(stores.args());
    command.addAll(List.of(extraArgs));
    // in the data directory, which the test's temporary directory holds, one file per start
    Path log = Files.createTempFile(dataDir, "berth-", ".log");
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    var berth = new BerthProcess(p, log, dataDir);
    berth.awaitReady();
    return berth;
  }

  /** What a {@code berth} process that has ended printed, and its exit status. */
  public record Finished(int status, String out, String err) {
    /** Standard error, line by line. */
    public List<String> errLines() {
      return err.lines().toList();
    }
  }

  /**
   * Runs {@code java -jar berth.jar ARGS} to its end (at most a minute), with the environment of
   * this JVM less every {@code BERTH_} variable, so only {@code args} configure it.
   */
  public static Finished run(List<String> args) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    var command = new ArrayList<String>();
    command.addAll(
        List.of(java, "-jar", Path.of("target", "berth.jar").toAbsolutePath().toString()));
    command.addAll(args);
    Path out = Files.createTempFile("berth-out-", ".txt");
    Path err = Files.createTempFile("berth-err-", ".txt");
    try {
      var builder =
          new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().keySet().removeIf(name -> name.startsWith("BERTH_"));
      Process p = builder.start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new IllegalStateException("berth " + args + " did not end within 60 s");
      }
      return new Finished(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  public Http http() {
    return http(TestServer.KEY);
  }

  /** A client with {@code key}, or with none when null. */
  public Http http(String key) {
    return new Http("http://127.0.0.1:" + port, key);
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** The server's process, below which its commands run. */
  public ProcessHandle handle() {
    return process.toHandle();
  }

  /** SIGTERM, without waiting: the shutdown hook drains in-flight requests, then exits. */
  public void terminate() {
    process.destroy();
  }

  /** Whether the process exited within {@code timeout}. */
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** SIGKILL: no shutdown hook runs, so the session volumes it mounted stay mounted. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
    killed = true;
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        // the log goes with the test's temporary directory: keep what it says in the failure
        throw new IllegalStateException(
            "berth exited with " + process.exitValue() + "; its log:\n" + logText());
      }
      try {
        Matcher m = LISTENING.matcher(Files.readString(log));
        if (m.find()) {
          port = Integer.parseInt(m.group(1));
          if (http().get("/v1/files?limit=1").status() == 200) {
            return;
          }
        }
      } catch (IOException | RuntimeException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("berth did not start within 60 s; its log:\n" + logText());
  }

  /** What the server has logged so far. */
  public String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  /**
   * Stops the process (SIGTERM: it unmounts its session volumes itself). After a {@link #kill},
   * detaches what it left mounted, unless another Berth runs on its data directory (close that one
   * first), so the test's temporary directory can be removed.
   */
  @Override
  public void close() {
    if (killed) {
      try {
        Mounts.detachUnder(dataDir);
      } catch (java.io.IOException e) {
        throw new IllegalStateException("cannot detach what berth left mounted", e);
      }
      return;
    }
    if (process.isAlive()) {
      process.destroy();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while berth stopped", e);
      }
    }
  }
}
