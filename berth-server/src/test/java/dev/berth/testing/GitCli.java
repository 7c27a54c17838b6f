package dev.berth.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The machine's {@code git}, run with nothing of the machine's or the user's configuration: no
 * system config, {@code HOME} and {@code XDG_CONFIG_HOME} in a directory of the caller's, no {@code
 * GIT_*} variable inherited (a test run from a git hook would otherwise aim every command at the
 * project's own repository), a fixed identity and no terminal prompts.
 */
final class GitCli {
  private final Path home;

  GitCli(Path home) {
    this.home = home;
  }

  /** What a command printed and how it exited. */
  record Result(int exitCode, String stdout, String stderr) {
    boolean succeeded() {
      return exitCode == 0;
    }
  }

  /** Writes a command's standard input; the stream is closed afterwards. */
  @FunctionalInterface
  interface Input {
    void writeTo(OutputStream stdin) throws IOException;
  }

  /** {@code git args...} in {@code dir}, with an empty standard input; fails unless it exits 0. */
  String check(Path dir, String... args) {
    return check(dir, stdin -> {}, args);
  }

  /** {@code git args...} in {@code dir}, fed by {@code input}; fails unless it exits 0. */
  String check(Path dir, Input input, String... args) {
    Result r = run(dir, Map.of(), input, args);
    if (!r.succeeded()) {
      throw new IllegalStateException(
          "git " + String.join(" ", args) + " exited " + r.exitCode() + ": " + r.stderr());
    }
    return r.stdout();
  }

  /** {@code git args...} in {@code dir} with {@code env} added, whatever its exit code. */
  Result run(Path dir, Map<String, String> env, String... args) {
    return run(dir, env, stdin -> {}, args);
  }

  Result run(Path dir, Map<String, String> env, Input input, String... args) {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.addAll(List.of(args));
    ProcessBuilder builder = processBuilder(command).directory(dir.toFile());
    builder.environment().putAll(env);
    try {
      Process p = builder.start();
      var stdout = new ByteArrayOutputStream();
      var stderr = new ByteArrayOutputStream();
      Thread out = Thread.ofVirtual().start(() -> drain(p.getInputStream(), stdout));
      Thread err = Thread.ofVirtual().start(() -> drain(p.getErrorStream(), stderr));
      try (OutputStream stdin = p.getOutputStream()) {
        input.writeTo(stdin);
      } catch (IOException e) {
        // the command stopped reading: its exit code and stderr below say why
      }
      int exit = p.waitFor();
      out.join();
      err.join();
      return new Result(
          exit, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run git " + String.join(" ", args), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running git " + String.join(" ", args), e);
    }
  }

  /** A process builder for {@code command} (a git command) with the clean environment. */
  ProcessBuilder processBuilder(List<String> command) {
    var builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("GIT_"));
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_AUTHOR_NAME", "Berth Test");
    env.put("GIT_AUTHOR_EMAIL", "test@berth.invalid");
    env.put("GIT_COMMITTER_NAME", "Berth Test");
    env.put("GIT_COMMITTER_EMAIL", "test@berth.invalid");
    return builder;
  }

  private static void drain(InputStream in, ByteArrayOutputStream into) {
    try (in) {
      in.transferTo(into);
    } catch (IOException e) {
      // the process is gone; what was read is kept
    }
  }
}
