package dev.berth.sandbox;

import dev.berth.sandbox.BubblewrapRunner.Stop;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One started command: its process, its output so far and why it was stopped. stdout and stderr are
 * read on threads of their own and stdin written on a third, so no pipe can fill and block the
 * other side. Apart from {@link BubblewrapRunner}, which decides when a command must stop, because
 * this is only the plumbing of one process.
 */
final class RunningCommand {
  // logged as the runner, whose part of the work this is
  private static final Logger log = LoggerFactory.getLogger(BubblewrapRunner.class);

  private final Process process;
  final Capture stdout;
  final Capture stderr;
  private final List<Thread> threads = new ArrayList<>();
  volatile Stop stop = Stop.NONE;

  RunningCommand(Process process, long maxOutputBytes) {
    this.process = process;
    this.stdout = new Capture(maxOutputBytes);
    this.stderr = new Capture(maxOutputBytes);
    threads.add(read(process.getInputStream(), stdout));
    threads.add(read(process.getErrorStream(), stderr));
  }

  private Thread read(InputStream in, Capture into) {
    return Thread.ofVirtual()
        .name("berth-exec-output")
        .start(
            () -> {
              try (in) {
                byte[] buffer = new byte[16 * 1024];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  if (!into.add(buffer, n)) {
                    stop(Stop.OUTPUT_LIMIT);
                  }
                }
              } catch (IOException e) {
                // the process is gone and the pipe with it
              }
            });
  }

  void feed(Optional<byte[]> stdin) {
    OutputStream out = process.getOutputStream();
    if (stdin.isEmpty()) {
      closeQuietly(out);
      return;
    }
    threads.add(
        Thread.ofVirtual()
            .name("berth-exec-input")
            .start(
                () -> {
                  try (out) {
                    out.write(stdin.get());
                  } catch (IOException e) {
                    // the command exited or closed its stdin without reading everything
                  }
                }));
  }

  /** Records the first reason and kills the sandbox; later reasons change nothing. */
  synchronized void stop(Stop reason) {
    if (stop == Stop.NONE) {
      stop = reason;
    }
    kill();
  }

  /** SIGKILL to bubblewrap and everything below it; the namespace's init takes the rest. */
  void kill() {
    killKeepingOutput(process);
  }

  /**
   * SIGKILL to {@code process} and its descendants through their handles. {@link
   * Process#destroyForcibly} would also close the process's end of its stdout and stderr pipes, and
   * what the command wrote before it was killed, still in a pipe that a reader had not got to yet
   * (a busy machine), would be lost: the answer to a command stopped for writing too much on stderr
   * lost the line it had printed on stdout first. Through the handles the readers go on to the end
   * of each pipe.
   */
  static void killKeepingOutput(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.toHandle().destroyForcibly();
  }

  /**
   * Waits (briefly) for the readers and the writer to finish with the pipes; one still open after
   * that (something the kill did not reach holds it) is closed on this side, which ends its reader.
   */
  void drain() {
    for (Thread t : threads) {
      try {
        if (!t.join(Duration.ofSeconds(2))) {
          log.warn("output of a sandboxed command still open 2 s after it ended");
          closeQuietly(process.getInputStream());
          closeQuietly(process.getErrorStream());
          closeQuietly(process.getOutputStream());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The first {@code max} bytes of a stream; remembers whether more came. */
  static final class Capture {
    private final long max;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean overflowed;

    Capture(long max) {
      this.max = max;
    }

    /** Keeps what fits; false once the stream has gone past the limit. */
    synchronized boolean add(byte[] buffer, int n) {
      int room = (int) Math.min(n, max - bytes.size());
      bytes.write(buffer, 0, Math.max(room, 0));
      overflowed |= room < n;
      return !overflowed;
    }

    synchronized boolean overflowed() {
      return overflowed;
    }

    synchronized byte[] bytes() {
      return bytes.toByteArray();
    }
  }

  private static void closeQuietly(Closeable pipe) {
    try {
      pipe.close();
    } catch (IOException e) {
      // nothing to tell: the command does not read its stdin, or the pipe is already gone
    }
  }
}
