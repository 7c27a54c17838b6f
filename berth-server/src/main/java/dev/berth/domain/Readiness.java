package dev.berth.domain;

import dev.berth.sandbox.BubblewrapRunner;
import dev.berth.store.BlobStore;
import dev.berth.store.Database;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node can serve ({@code GET /berth/v1/ready}): the metadata database answers a query,
 * the blob store can take a new blob, and commands can run in sandboxes. Each check is cheap and
 * waits at most {@link #TIMEOUT}; a check still running when another request asks is joined, not
 * started again, so unauthenticated callers cannot multiply the load on the database or the bucket.
 *
 * <p>A failing check's detail says what failed in words of its own: never a path of the data, a
 * database URL or a credential (bubblewrap's reason may name the binary configured, as the exec
 * API's 501 does). Its cause goes to the log once, when the check starts failing.
 */
public final class Readiness implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Readiness.class);

  /** The longest a check is waited for. */
  public static final Duration TIMEOUT = Duration.ofSeconds(2);

  /** One dependency's state: {@code failure} says what failed, empty when it is fine. */
  public record Check(String name, Optional<String> failure) {
    public boolean ok() {
      return failure.isEmpty();
    }
  }

  /** Every check, in a fixed order. */
  public record Report(List<Check> checks) {
    public boolean ready() {
      return checks.stream().allMatch(Check::ok);
    }
  }

  /** A check: returns normally when the dependency is fine, else throws why. */
  private interface Probe {
    void run() throws Exception;
  }

  /** A failure whose message is the detail to report as it is; its cause goes to the log. */
  private static final class Failing extends Exception {
    Failing(String detail, Throwable cause) {
      super(detail, cause, false, false);
    }
  }

  /** A dependency: its name in the report, its check, and the detail when the check throws. */
  private record Dependency(String name, Probe probe, String failure) {}

  private final List<Dependency> dependencies;
  private final Map<String, CompletableFuture<Void>> running = new ConcurrentHashMap<>();
  private final Map<String, Boolean> wasFailing = new ConcurrentHashMap<>();
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  public Readiness(Database db, BlobStore blobs, BubblewrapRunner commands) {
    dependencies =
        List.of(
            new Dependency(
                "database",
                () -> db.ping((int) TIMEOUT.toSeconds()),
                "the database cannot be reached or failed a query"),
            new Dependency(
                "blob_store", () -> blobStore(blobs), "the blob store cannot take new blobs"),
            new Dependency("sandbox", () -> sandbox(commands), "commands cannot run in sandboxes"));
  }

  /** The blob store says which part failed ({@link BlobStore#checkWritable}). */
  private static void blobStore(BlobStore blobs) throws Failing {
    try {
      blobs.checkWritable();
    } catch (RuntimeException e) {
      throw new Failing(e.getMessage(), e);
    }
  }

  /** bubblewrap's verdict, found at the first command or check and kept; it names no tenant. */
  private static void sandbox(BubblewrapRunner commands) throws Failing {
    Optional<String> reason;
    try {
      reason = commands.unavailable();
    } catch (RuntimeException e) {
      throw new Failing("bubblewrap could not be started just now; the next check tries again", e);
    }
    if (reason.isPresent()) {
      throw new Failing("commands cannot run in sandboxes: " + reason.get(), null);
    }
  }

  /** Runs every check (or joins the one running) and reports, within {@link #TIMEOUT}. */
  public Report check() {
    Map<Dependency, CompletableFuture<Void>> started = new LinkedHashMap<>();
    dependencies.forEach(d -> started.put(d, start(d.name(), d.probe())));
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    List<Check> checks = new ArrayList<>();
    started.forEach((d, future) -> checks.add(await(d, future, deadline)));
    return new Report(List.copyOf(checks));
  }

  /** The check of {@code name} running now, else a new one. */
  private CompletableFuture<Void> start(String name, Probe probe) {
    return running.compute(
        name,
        (n, current) ->
            current != null && !current.isDone()
                ? current
                : CompletableFuture.runAsync(
                    () -> {
                      try {
                        probe.run();
                      } catch (Exception e) {
                        throw new CompletionException(e);
                      }
                    },
                    threads));
  }

  private Check await(Dependency dependency, CompletableFuture<Void> future, long deadline) {
    String name = dependency.name();
    Optional<String> failure;
    Throwable cause = null;
    try {
      future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      failure = Optional.empty();
    } catch (TimeoutException e) {
      failure = Optional.of("no answer within " + TIMEOUT.toSeconds() + " s");
    } catch (ExecutionException e) {
      cause = e.getCause();
      if (cause instanceof Failing f) {
        failure = Optional.of(f.getMessage());
        cause = f.getCause();
      } else {
        failure = Optional.of(dependency.failure());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = Optional.of("the check was interrupted");
    }
    boolean failing = failure.isPresent();
    Boolean before = wasFailing.put(name, failing);
    if (failing && !Boolean.TRUE.equals(before)) {
      log.warn("not ready: {} check failing: {}", name, failure.get(), cause);
    } else if (!failing && Boolean.TRUE.equals(before)) {
      log.info("{} check passes again", name);
    }
    return new Check(name, failure);
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
