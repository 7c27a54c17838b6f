package dev.berth.domain;

import dev.berth.config.BerthConfig;
import dev.berth.error.ApiException;
import dev.berth.model.Repository;
import dev.berth.model.Resource;
import dev.berth.sandbox.BubblewrapRunner;
import dev.berth.sandbox.GitMirrors;
import dev.berth.sandbox.LocalSandboxHost;
import dev.berth.sandbox.RepositoryTrees;
import dev.berth.store.ResourceStore;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkouts of {@code github_repository} resources in the sessions this node holds (README
 * "GitHub repositories"). The records say which repositories a session has; this class makes each
 * one's checkout in the background, as the hosted API does (creating a session does not wait for
 * it), and knows its state: {@code pending}, {@code ready}, or {@code failed} with a reason that
 * never holds the token. A command waits for its session's checkouts, within {@code
 * --repository-wait-ms}, and is refused, naming the resource and the reason, when one failed.
 *
 * <p>One checkout: fetch the mirror with the resource's token ({@link GitMirrors}), check the size
 * of what would be checked out against {@code --repository-max-bytes}, then either overlay the
 * node's cached tree of the commit, made once ({@link RepositoryTrees}), or check out a copy into
 * the session; the files are written by {@code git checkout} in the session's own sandbox. States
 * live in memory: after a restart a checkout found ready on disk is ready at once, and any other is
 * made again from the records, as on a node taking the session over.
 */
public final class RepositoryCheckouts implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RepositoryCheckouts.class);
  private static final String AT = "/mnt/berth-checkout";
  private static final int CLONES_AT_ONCE = 4;

  /** What a resource's checkout is doing. */
  public sealed interface State permits Pending, Ready, Failed {}

  /** Being made; {@code done} completes when it is ready or failed. */
  public record Pending(CompletableFuture<Void> done) implements State {}

  public record Ready() implements State {}

  /**
   * Failed for {@code reason}, with the resource as it was then ({@code updatedAt}): a resource
   * updated since (its token rotated) is tried again.
   */
  public record Failed(String reason, String updatedAt) implements State {}

  /** A resource's checkout as the sandbox endpoint shows it. */
  public record Status(Resource resource, State state) {}

  private final ResourceStore resources;
  private final Secrets secrets;
  private final GitMirrors mirrors;
  private final RepositoryTrees trees;
  private final LocalSandboxHost host;
  private final BubblewrapRunner runner;
  private final BerthConfig.Repositories config;
  private final boolean overlay;
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private final Map<String, ReentrantLock> treeLocks = new ConcurrentHashMap<>();
  private final Semaphore clones = new Semaphore(CLONES_AT_ONCE);
  private final ExecutorService jobs = Executors.newVirtualThreadPerTaskExecutor();

  public RepositoryCheckouts(
      ResourceStore resources,
      Secrets secrets,
      Path dataDir,
      LocalSandboxHost host,
      BubblewrapRunner runner,
      BerthConfig.Repositories config) {
    this.resources = resources;
    this.secrets = secrets;
    this.mirrors =
        new GitMirrors(dataDir, "http".equals(config.githubUrl().getScheme()), config.maxBytes());
    this.trees = new RepositoryTrees(dataDir, mirrors);
    this.host = host;
    this.runner = runner;
    this.config = config;
    this.overlay =
        switch (config.checkout()) {
          case COPY -> false;
          case AUTO -> host.overlaysCheckouts();
          case OVERLAY -> {
            if (!host.overlaysCheckouts()) {
              throw new IllegalStateException(
                  "--repository-checkout overlay needs a volume per session (Berth running as"
                      + " root, --session-disk-mechanism loop or auto) and overlayfs");
            }
            yield true;
          }
        };
    log.info(
        "repository checkouts: {}; fetched from {}",
        overlay
            ? "overlays of each commit's cached tree"
            : "a copy per session (no overlays: " + config.checkout() + ")",
        config.githubUrl());
  }

  /** The token of a resource, encrypted for the store. */
  public String seal(String resourceId, String token) {
    return secrets.seal(resourceId, token);
  }

  /**
   * Brings the session's checkouts in line with its records: each repository's checkout is ready,
   * being made, or failed; checkouts of resources gone from the records are removed.
   */
  public void reconcile(String sessionId, List<Resource> records) {
    Set<String> wanted = new HashSet<>();
    for (Resource r : records) {
      if (r.repository().isPresent()) {
        wanted.add(r.id());
        ensure(sessionId, r);
      }
    }
    for (String id : host.checkoutsOnDisk(sessionId)) {
      if (!wanted.contains(id) && !(states.get(key(sessionId, id)) instanceof Pending)) {
        host.removeCheckout(sessionId, id);
        states.remove(key(sessionId, id));
      }
    }
  }

  /** The session is gone from this node: its states go too (its tree is removed whole). */
  public void forget(String sessionId) {
    states.keySet().removeIf(k -> k.startsWith(sessionId + "/"));
  }

  /** States are kept by session and resource, so a session's go with it. */
  private static String key(String sessionId, String resourceId) {
    return sessionId + "/" + resourceId;
  }

  /** Starts the resource's checkout unless it is ready, under way, or failed as it is now. */
  private void ensure(String sessionId, Resource r) {
    states.compute(
        key(sessionId, r.id()),
        (id, state) -> {
          if (state instanceof Pending || state instanceof Ready) {
            return state;
          }
          if (state instanceof Failed f && f.updatedAt().equals(r.updatedAt())) {
            return state;
          }
          var done = new CompletableFuture<Void>();
          var pending = new Pending(done);
          jobs.execute(() -> run(sessionId, r, pending));
          return pending;
        });
  }

  private void run(String sessionId, Resource r, Pending pending) {
    State result;
    try {
      if (host.checkoutSource(sessionId, r.id()).isPresent()) {
        result = new Ready();
      } else {
        clones.acquire();
        try {
          checkout(sessionId, r);
        } finally {
          clones.release();
        }
        result = new Ready();
      }
    } catch (GitMirrors.Failed e) {
      result = new Failed(e.getMessage(), r.updatedAt());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result =
          new Failed(
              "the server stopped while the repository was being checked out", r.updatedAt());
    } catch (RuntimeException e) {
      log.error("checking out resource {} of session {} failed", r.id(), sessionId, e);
      result =
          new Failed(
              "checking out the repository failed on this server (see its log)", r.updatedAt());
    }
    State settled = result;
    String key = key(sessionId, r.id());
    states.computeIfPresent(key, (id, now) -> now.equals(pending) ? settled : now);
    if (!states.containsKey(key)) {
      host.removeCheckout(sessionId, r.id()); // deleted while it was being made
    }
    pending.done().complete(null);
  }

  private void checkout(String sessionId, Resource r) throws GitMirrors.Failed {
    Optional<String> missing = GitMirrors.missing();
    if (missing.isPresent()) {
      throw new GitMirrors.Failed(
          "this server cannot fetch repositories: " + missing.get() + " (install git)");
    }
    long deadline = System.nanoTime() + config.cloneTimeout().toNanos();
    Repository repo = r.repository().orElseThrow();
    Optional<String> token;
    try {
      token = resources.secret(sessionId, r.id()).map(stored -> secrets.open(r.id(), stored));
    } catch (Secrets.CannotOpen e) {
      throw new GitMirrors.Failed(e.getMessage());
    }
    URI upstream = URI.create(config.githubUrl() + "/" + repo.owner() + "/" + repo.name());
    Optional<String> branch = Optional.empty();
    Optional<String> commit = Optional.empty();
    if (repo.checkout().isPresent()) {
      switch (repo.checkout().get()) {
        case Repository.Branch b -> branch = Optional.of(b.name());
        case Repository.Commit c -> commit = Optional.of(c.sha());
      }
    }
    // The session's volume is made while the repository is fetched: neither needs the other.
    long started = System.nanoTime();
    CompletableFuture<Optional<LocalSandboxHost.CommandDirs>> dirs =
        beside(() -> host.prepareForCommands(sessionId, runner.owner()));
    GitMirrors.Fetched fetched =
        mirrors.fetch(upstream, repo.url(), token, branch, commit, deadline);
    long afterFetch = System.nanoTime();
    // The size is read from the mirror while the checkout's .git is made, and checked before
    // any of its files is written.
    CompletableFuture<Long> size = beside(() -> checkedSize(repo, fetched, deadline));
    OptionalInt owner = runner.owner();
    if (overlay) {
      Path lower = cachedTree(sessionId, fetched, repo.url(), owner, deadline, size, dirs);
      long bytes = await(size);
      try {
        host.overlayCheckout(sessionId, r.id(), lower, bytes, owner);
      } catch (UncheckedIOException e) {
        if (String.valueOf(e.getCause()).contains("No space left")) {
          throw doesNotFit(repo, bytes);
        }
        throw e;
      }
    } else {
      long bytes = await(size);
      Optional<Path> dir = host.newCopyCheckout(sessionId, r.id(), owner);
      if (dir.isEmpty()) {
        return; // the session is gone from this node
      }
      trees.prepare(fetched, repo.url(), dir.get(), owner, deadline);
      checkOut(sessionId, fetched, dir.get(), repo, bytes, deadline, dirs);
      host.copyCheckoutDone(sessionId, r.id());
    }
    log.info(
        "checked out {} at {} for resource {} of session {} in {} ms ({} ms fetching)",
        repo.url(),
        fetched.commit(),
        r.id(),
        sessionId,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        TimeUnit.NANOSECONDS.toMillis(afterFetch - started));
  }

  /** The bytes the commit's files take, refused when over {@code --repository-max-bytes}. */
  private long checkedSize(Repository repo, GitMirrors.Fetched fetched, long deadline)
      throws GitMirrors.Failed {
    long bytes = mirrors.checkoutBytes(fetched.mirror(), fetched.commit(), deadline);
    if (bytes > config.maxBytes()) {
      throw new GitMirrors.Failed(
          repo.url()
              + " at "
              + fetched.commit()
              + " holds "
              + bytes
              + " bytes of files, more than the limit of "
              + config.maxBytes()
              + " bytes (--repository-max-bytes)");
    }
    return bytes;
  }

  /** A step of a checkout that may fail as {@link GitMirrors.Failed}. */
  private interface Step<T> {
    T run() throws GitMirrors.Failed;
  }

  /** Runs {@code step} beside the caller's work; {@link #await} gives its result or failure. */
  private <T> CompletableFuture<T> beside(Step<T> step) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return step.run();
          } catch (GitMirrors.Failed e) {
            throw new CompletionException(e);
          }
        },
        jobs);
  }

  private static <T> T await(CompletableFuture<T> step) throws GitMirrors.Failed {
    try {
      return step.join();
    } catch (CompletionException e) {
      switch (e.getCause()) {
        case GitMirrors.Failed failed -> throw failed;
        case RuntimeException unchecked -> throw unchecked;
        default -> throw e;
      }
    }
  }

  /** The node's tree of the fetched commit, made first (once, whoever asks) if it has none. */
  private Path cachedTree(
      String sessionId,
      GitMirrors.Fetched fetched,
      String url,
      OptionalInt owner,
      long deadline,
      CompletableFuture<Long> size,
      CompletableFuture<Optional<LocalSandboxHost.CommandDirs>> dirs)
      throws GitMirrors.Failed {
    String key = RepositoryTrees.key(fetched);
    ReentrantLock lock = treeLocks.computeIfAbsent(key, k -> new ReentrantLock());
    lock.lock();
    try {
      Optional<Path> cached = trees.cached(key);
      if (cached.isPresent()) {
        return cached.get();
      }
      Path temporary = trees.newTemporary(key);
      try {
        trees.prepare(fetched, url, temporary, owner, deadline);
        await(size);
        checkOut(sessionId, fetched, temporary, null, 0, deadline, dirs);
        return trees.publish(temporary, key);
      } catch (GitMirrors.Failed | RuntimeException e) {
        trees.discard(temporary);
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code git checkout} in the session's sandbox, on the repository in {@code dir}. */
  private void checkOut(
      String sessionId,
      GitMirrors.Fetched fetched,
      Path dir,
      Repository forQuota,
      long bytes,
      long deadline,
      CompletableFuture<Optional<LocalSandboxHost.CommandDirs>> prepared)
      throws GitMirrors.Failed {
    var dirs = await(prepared).orElseThrow(() -> new GitMirrors.Failed("the session was deleted"));
    BubblewrapRunner.Result result;
    try {
      result =
          runner.run(
              new BubblewrapRunner.Command(
                  sessionId,
                  RepositoryTrees.checkoutCommand(fetched, AT),
                  Optional.empty(),
                  RepositoryTrees.checkoutEnvironment(),
                  Duration.ofNanos(Math.max(1, deadline - System.nanoTime())),
                  dirs.with(List.of(new LocalSandboxHost.Bind(dir, AT))),
                  () -> host.usage(sessionId)));
    } catch (BubblewrapRunner.Unavailable | BubblewrapRunner.NotStarted e) {
      log.warn("cannot check out in session {}: {}", sessionId, e.getMessage());
      throw new GitMirrors.Failed("commands cannot run in sandboxes on this server");
    }
    switch (result.stop()) {
      case NONE -> {}
      case TIMEOUT ->
          throw new GitMirrors.Failed(
              "checking out took longer than the limit (--repository-clone-timeout-ms)");
      case DISK_QUOTA -> throw doesNotFit(forQuota, bytes);
      default -> throw new GitMirrors.Failed("checking out was stopped: " + result.stop());
    }
    if (result.exitCode() != 0) {
      String first = result.stderr().strip().lines().findFirst().orElse("");
      if (first.contains("No space left")) {
        throw doesNotFit(forQuota, bytes);
      }
      throw new GitMirrors.Failed("git checkout of " + fetched.commit() + " failed: " + first);
    }
  }

  private GitMirrors.Failed doesNotFit(Repository repo, long bytes) {
    return new GitMirrors.Failed(
        (repo == null ? "the checkout" : repo.url())
            + " ("
            + bytes
            + " bytes of files) does not fit in the session's disk quota"
            + " (--session-disk-quota-bytes)");
  }

  /** The state of each of the session's repositories (from its records). */
  public List<Status> statuses(String sessionId) {
    List<Status> out = new ArrayList<>();
    for (Resource r : resources.all(sessionId)) {
      if (r.repository().isPresent()) {
        State state = states.get(key(sessionId, r.id()));
        out.add(new Status(r, state == null ? new Pending(new CompletableFuture<>()) : state));
      }
    }
    return out;
  }

  /**
   * Before a command: waits until every checkout of the session is ready (within {@code
   * --repository-wait-ms}), and answers what a command binds for them.
   *
   * @throws ApiException.Conflict if a checkout failed, naming it and why
   * @throws ApiException.Unavailable if one is still being made when the wait ends
   */
  public List<LocalSandboxHost.Bind> awaitReady(String sessionId) {
    long deadline = System.nanoTime() + config.commandWait().toNanos();
    List<Resource> records = resources.all(sessionId);
    List<LocalSandboxHost.Bind> binds = new ArrayList<>();
    for (Resource r : records) {
      if (r.repository().isEmpty()) {
        continue;
      }
      ensure(sessionId, r);
      String key = key(sessionId, r.id());
      State state = states.get(key);
      if (state instanceof Pending p) {
        try {
          p.done().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          throw new ApiException.Unavailable(
              "resource "
                  + r.id()
                  + " ("
                  + r.repository().get().url()
                  + ") is still being checked out; retry shortly",
              "repository_pending",
              Map.of());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ApiException.Unavailable("the server is stopping", "server_stopping", Map.of());
        } catch (ExecutionException e) {
          throw new IllegalStateException(e);
        }
        state = states.get(key);
      }
      if (state instanceof Failed f) {
        throw new ApiException.Conflict(
            "resource " + r.id() + " could not be checked out: " + f.reason(),
            "repository_checkout_failed");
      }
      Optional<Path> source = host.checkoutSource(sessionId, r.id());
      if (source.isEmpty()) {
        states.remove(key, state); // gone from disk meanwhile: made again
        throw new ApiException.Unavailable(
            "resource " + r.id() + " is being checked out again; retry shortly",
            "repository_pending",
            Map.of());
      }
      String target = r.mountPath();
      if (target.startsWith("/workspace/")) {
        host.clearWorkspaceEntry(sessionId, target.substring("/workspace/".length()));
      }
      binds.add(new LocalSandboxHost.Bind(source.get(), target));
    }
    return binds;
  }

  @Override
  public void close() {
    jobs.shutdownNow();
  }
}
