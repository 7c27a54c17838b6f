package dev.berth.domain;

import dev.berth.config.BerthConfig;
import dev.berth.error.ApiException;
import dev.berth.metrics.ServerMetrics;
import dev.berth.model.Resource;
import dev.berth.model.Session;
import dev.berth.sandbox.BubblewrapRunner;
import dev.berth.sandbox.LocalSandboxHost;
import dev.berth.store.ResourceStore;
import dev.berth.store.SessionStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commands in a session's sandbox ({@code POST /berth/v1/sessions/{id}/exec}, a Berth extension;
 * README "Running commands"): which requests are valid, which sessions may run them, on which node,
 * and what the client is told when a limit stops one. {@link BubblewrapRunner} does the running.
 */
public final class ExecService {
  private static final Logger log = LoggerFactory.getLogger(ExecService.class);
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /**
   * The most bytes one argument or one {@code NAME=VALUE} of {@code env} may hold, with a margin
   * below the most Linux passes to {@code execve} in one string ({@code MAX_ARG_STRLEN}, 128 KiB).
   * Past that, bubblewrap would fail to start, which reads as sandboxes not working here.
   */
  static final int MAX_ARGUMENT_BYTES = 100 * 1024;

  /**
   * The most bytes {@code command} and {@code env} may hold together, counting each string's
   * terminating NUL and pointer as {@code execve} does. Linux allows a quarter of the stack limit
   * ({@code ARG_MAX}, 2 MiB under the usual 8 MiB), and bubblewrap's own options come on top.
   */
  static final int MAX_ARGUMENTS_BYTES = 1024 * 1024;

  private static final int PER_STRING_OVERHEAD = 1 + Long.BYTES;

  private final SessionStore sessions;
  private final ResourceStore resources;
  private final SessionPlacement placement;
  private final LocalSandboxHost host;
  private final Reconciler reconciler;
  private final BubblewrapRunner runner;
  private final RepositoryCheckouts checkouts;
  private final MemoryMounts memories;
  private final BerthConfig.Exec limits;
  private final Consumer<String> afterCommand;
  private final CommandSlots slots;
  private final ServerMetrics metrics;

  /**
   * @param afterCommand told the session's id after every command ends, however it ended (the
   *     outputs catalogue follows what the command wrote); its failures are logged, not answered
   */
  public ExecService(
      SessionStore sessions,
      ResourceStore resources,
      SessionPlacement placement,
      LocalSandboxHost host,
      Reconciler reconciler,
      BubblewrapRunner runner,
      RepositoryCheckouts checkouts,
      MemoryMounts memories,
      BerthConfig.Exec limits,
      Consumer<String> afterCommand,
      ServerMetrics metrics) {
    this.metrics = metrics;
    this.sessions = sessions;
    this.resources = resources;
    this.placement = placement;
    this.host = host;
    this.reconciler = reconciler;
    this.runner = runner;
    this.checkouts = checkouts;
    this.memories = memories;
    this.limits = limits;
    this.afterCommand = afterCommand;
    this.slots =
        new CommandSlots(limits.sessionMaxConcurrentCommands(), limits.maxConcurrentCommands());
  }

  /** The body of an exec request, its JSON shapes already checked. */
  public record ExecParams(
      List<String> command,
      Optional<String> stdin,
      Optional<Long> timeoutMs,
      Map<String, String> env) {}

  /**
   * A command that ended by itself: its exit status and output, as text, and the writes to its
   * memory store mounts that were not recorded.
   */
  public record ExecResult(
      int exitCode,
      String stdout,
      String stderr,
      boolean truncated,
      long durationMs,
      List<MemoryMounts.Refused> memoryWritesRefused) {}

  /** The state of each resource in a session's sandbox: files are there; repositories vary. */
  public record SandboxView(String sessionId, List<ResourceState> resources) {}

  /** One resource's state: {@code ready}, {@code pending} or {@code failed} with a reason. */
  public record ResourceState(Resource resource, String state, Optional<String> reason) {}

  /**
   * The sandbox of a session this node holds ({@code GET /berth/v1/sessions/{id}/sandbox}): each
   * resource and whether it is in place, in attach order.
   */
  public SandboxView sandbox(String workspaceId, String sessionId) {
    if (sessions.find(workspaceId, sessionId).isEmpty()) {
      throw SessionService.notFound(sessionId);
    }
    if (!placement.holds(sessionId)) {
      throw onAnotherNode(sessionId);
    }
    reconciler.requireReconciled(sessionId);
    Map<String, RepositoryCheckouts.State> repositories = new LinkedHashMap<>();
    checkouts.statuses(sessionId).forEach(s -> repositories.put(s.resource().id(), s.state()));
    List<ResourceState> out = new java.util.ArrayList<>();
    for (Resource r : resources.all(sessionId)) {
      out.add(
          switch (repositories.get(r.id())) {
            case null -> new ResourceState(r, "ready", Optional.empty());
            case RepositoryCheckouts.Ready ready -> new ResourceState(r, "ready", Optional.empty());
            case RepositoryCheckouts.Pending pending ->
                new ResourceState(r, "pending", Optional.empty());
            case RepositoryCheckouts.Failed failed ->
                new ResourceState(r, "failed", Optional.of(failed.reason()));
          });
    }
    return new SandboxView(sessionId, out);
  }

  public ExecResult exec(String workspaceId, String sessionId, ExecParams params) {
    Duration timeout = validate(params);
    Session session =
        sessions.find(workspaceId, sessionId).orElseThrow(() -> SessionService.notFound(sessionId));
    if (session.isArchived() || session.status().equals("terminated")) {
      throw new ApiException.InvalidRequest(
          "session "
              + sessionId
              + " is "
              + (session.isArchived() ? "archived" : "terminated")
              + "; commands can no longer run in it");
    }
    if (!placement.holds(sessionId)) {
      throw onAnotherNode(sessionId);
    }
    try {
      runner
          .unavailable()
          .ifPresent(
              reason -> {
                throw sandboxUnavailable(reason);
              });
    } catch (BubblewrapRunner.NotStarted e) {
      throw notStarted(sessionId, e);
    }
    reconciler.requireInLine(sessionId);
    List<LocalSandboxHost.Bind> repositories = checkouts.awaitReady(sessionId);
    CommandSlots.Slot slot = slots.take(sessionId);
    BubblewrapRunner.Result result;
    List<MemoryMounts.Refused> refused = new java.util.ArrayList<>();
    try {
      result = run(workspaceId, sessionId, params, timeout, repositories, refused);
    } finally {
      slot.close();
    }
    return answer(workspaceId, sessionId, timeout, result, refused);
  }

  /**
   * Runs the command with the session's tree, repositories and memory stores bound; after it, what
   * it wrote to read-write memory stores is recorded (what was refused added to {@code refused})
   * and the after-command follow-up told.
   */
  private BubblewrapRunner.Result run(
      String workspaceId,
      String sessionId,
      ExecParams params,
      Duration timeout,
      List<LocalSandboxHost.Bind> repositories,
      List<MemoryMounts.Refused> refused) {
    LocalSandboxHost.CommandDirs dirs = dirs(workspaceId, sessionId).with(repositories);
    MemoryMounts.Prepared memory = memories.prepare(workspaceId, sessionId);
    dirs = dirs.with(memory.binds());
    try {
      return runner.run(
          new BubblewrapRunner.Command(
              sessionId,
              params.command(),
              params.stdin().map(s -> s.getBytes(StandardCharsets.UTF_8)),
              params.env(),
              timeout,
              dirs,
              () -> host.usage(sessionId)));
    } catch (BubblewrapRunner.Unavailable e) {
      throw sandboxUnavailable(e.getMessage());
    } catch (BubblewrapRunner.NotStarted e) {
      throw notStarted(sessionId, e);
    } finally {
      refused.addAll(memories.writeBack(workspaceId, sessionId, memory));
      notifyAfterCommand(sessionId);
    }
  }

  /** The session's tree, rebuilt from the records first if it is missing here. */
  private LocalSandboxHost.CommandDirs dirs(String workspaceId, String sessionId) {
    var dirs = host.prepareForCommands(sessionId, runner.owner());
    if (dirs.isPresent()) {
      return dirs.get();
    }
    reconciler.reconcile(sessionId);
    if (sessions.find(workspaceId, sessionId).isEmpty()) {
      reconciler.destroy(sessionId); // deleted meanwhile: leave no tree behind
      throw SessionService.notFound(sessionId);
    }
    return host.prepareForCommands(sessionId, runner.owner())
        .orElseThrow(
            () ->
                new ApiException.Unavailable(
                    "the sandbox of session " + sessionId + " is not ready; retry shortly"));
  }

  private void notifyAfterCommand(String sessionId) {
    try {
      afterCommand.accept(sessionId);
    } catch (RuntimeException e) {
      log.error("after a command in session {}: follow-up failed", sessionId, e);
    }
  }

  /** Checks the request against the rules and the limits; returns the command's wall time. */
  private Duration validate(ExecParams p) {
    if (p.command().isEmpty()) {
      throw new ApiException.InvalidRequest("command must be a non-empty array of strings");
    }
    for (int i = 0; i < p.command().size(); i++) {
      if (p.command().get(i).indexOf('\0') >= 0) {
        throw new ApiException.InvalidRequest("command[" + i + "] must not contain NUL");
      }
    }
    String program = p.command().getFirst();
    if (program.isEmpty()) {
      throw new ApiException.InvalidRequest("command[0] must not be empty");
    }
    if (program.indexOf('=') >= 0) {
      // env(1) applies the request's variables and would take NAME=VALUE for another one
      throw new ApiException.InvalidRequest(
          "command[0] must not contain '=': '" + program + "' (run it through sh -c if needed)");
    }
    p.env()
        .forEach(
            (name, value) -> {
              if (!ENV_NAME.matcher(name).matches()) {
                throw new ApiException.InvalidRequest(
                    "env names must be letters, digits and '_', not starting with a digit: '"
                        + name.replace("\0", "\\0")
                        + "'");
              }
              if (value.indexOf('\0') >= 0) {
                throw new ApiException.InvalidRequest("env." + name + " must not contain NUL");
              }
            });
    checkSizes(p);
    long max = limits.maxTimeout().toMillis();
    long ms = p.timeoutMs().orElse(limits.defaultTimeout().toMillis());
    if (ms < 1 || ms > max) {
      throw new ApiException.InvalidRequest(
          "timeout_ms must be between 1 and " + max + ", got " + ms);
    }
    return Duration.ofMillis(ms);
  }

  /** Keeps what reaches {@code execve} within the kernel's limits, with a margin. */
  private static void checkSizes(ExecParams p) {
    long total = 0;
    for (int i = 0; i < p.command().size(); i++) {
      total += checkSize("command[" + i + "]", p.command().get(i));
    }
    for (var e : p.env().entrySet()) {
      total += checkSize("env." + e.getKey() + " (as NAME=VALUE)", e.getKey() + "=" + e.getValue());
    }
    if (total > MAX_ARGUMENTS_BYTES) {
      throw new ApiException.InvalidRequest(
          "command and env hold "
              + total
              + " bytes together (counting "
              + PER_STRING_OVERHEAD
              + " more for each string); at most "
              + MAX_ARGUMENTS_BYTES
              + " bytes may be passed to a command");
    }
  }

  private static long checkSize(String what, String value) {
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_ARGUMENT_BYTES) {
      throw new ApiException.InvalidRequest(
          what + " is " + bytes + " bytes; each may be at most " + MAX_ARGUMENT_BYTES + " bytes");
    }
    return (long) bytes + PER_STRING_OVERHEAD;
  }

  private ExecResult answer(
      String workspaceId,
      String sessionId,
      Duration timeout,
      BubblewrapRunner.Result r,
      List<MemoryMounts.Refused> refused) {
    metrics.commandRan(outcome(r), r.duration(), r.launcherWaited());
    var result =
        new ExecResult(
            r.exitCode(),
            r.stdout(),
            r.stderr(),
            r.truncated(),
            r.duration().toMillis(),
            List.copyOf(refused));
    Map<String, Object> partial = new LinkedHashMap<>();
    partial.put("exit_code", result.exitCode());
    partial.put("stdout", result.stdout());
    partial.put("stderr", result.stderr());
    partial.put("truncated", result.truncated());
    partial.put("duration_ms", result.durationMs());
    partial.put(
        "memory_writes_refused",
        refused.stream()
            .map(f -> Map.of("mount_path", f.mountPath(), "path", f.path(), "reason", f.reason()))
            .toList());
    return switch (r.stop()) {
      case NONE -> result;
      case TIMEOUT ->
          throw new ApiException.InvalidRequest(
              "the command did not finish within its time limit of "
                  + timeout.toMillis()
                  + " ms and was stopped",
              "exec_timeout",
              partial);
      case OUTPUT_LIMIT ->
          throw new ApiException.InvalidRequest(
              "the command wrote more than "
                  + limits.maxOutputBytes()
                  + " bytes to stdout or stderr and was stopped",
              "exec_output_limit",
              partial);
      case DISK_QUOTA ->
          throw new ApiException.InvalidRequest(
              "session "
                  + sessionId
                  + " went over its disk quota of "
                  + limits.diskQuotaBytes()
                  + " bytes (outputs, workspace and read-write memory stores together) and the"
                  + " command was stopped",
              "session_disk_quota_exceeded",
              partial);
      case SESSION_REMOVED ->
          throw sessions.find(workspaceId, sessionId).isPresent()
              ? onAnotherNode(sessionId)
              : new ApiException.NotFound(
                  "session " + sessionId + " was deleted while the command ran",
                  "session_deleted",
                  partial);
      case SHUTDOWN ->
          throw new ApiException.Unavailable(
              "the server is stopping; the command was stopped", "server_stopping", partial);
    };
  }

  /** How a command ended, as the metrics count it ({@link ServerMetrics#commandRan}). */
  private static String outcome(BubblewrapRunner.Result r) {
    return switch (r.stop()) {
      case NONE -> r.exitCode() == 0 ? "exit_zero" : "exit_nonzero";
      case TIMEOUT -> "timeout";
      case OUTPUT_LIMIT -> "output_limit";
      case DISK_QUOTA -> "disk_quota";
      case SESSION_REMOVED -> "session_removed";
      case SHUTDOWN -> "shutdown";
    };
  }

  private static ApiException onAnotherNode(String sessionId) {
    return new ApiException.Misdirected(
        "session "
            + sessionId
            + " is held by another node, which alone can run commands in its sandbox;"
            + " send this request to that node",
        "session_on_another_node");
  }

  /**
   * bubblewrap could not be started for this command only: a 503 the client may retry. The cause
   * names host paths, so it goes to the log, not to the client.
   */
  private static ApiException notStarted(String sessionId, BubblewrapRunner.NotStarted e) {
    log.warn("a command in session {} could not be started: {}", sessionId, e.getMessage());
    return new ApiException.Unavailable(
        "the command could not be started just now; retry shortly",
        "sandbox_unavailable",
        Map.of());
  }

  private static ApiException sandboxUnavailable(String reason) {
    return new ApiException.NotImplemented(
        "commands cannot run on this server: " + reason, "sandbox_unavailable");
  }
}
