package dev.berth.testing;

import dev.berth.cli.Cli;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code berth ARGS} run in this JVM through the real entry point ({@link Cli#run}), with an
 * environment of the test's choosing, and what it printed and exited with.
 */
public record CliRun(int status, String out, String err) {
  /** Runs {@code berth ARGS} with nothing on standard input. */
  public static CliRun berth(Map<String, String> env, String... args) {
    return berthWithInput(env, "", args);
  }

  /** Runs {@code berth ARGS} with {@code stdin} on standard input. */
  public static CliRun berthWithInput(Map<String, String> env, String stdin, String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int status =
        Cli.run(
            List.of(args),
            env,
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new CliRun(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** What it printed on standard error, line by line. */
  public List<String> errLines() {
    return err.lines().toList();
  }
}
