package dev.berth.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The meters of one Berth, scraped in the Prometheus text format at {@code GET /berth/v1/metrics}
 * (README "Metrics" lists them). Each method records one thing an operator watches. Labels take
 * values from small fixed sets (route templates, methods, statuses, resource types, outcomes),
 * never an id, a name or a path of a tenant's objects, so the output holds no tenant data and its
 * size does not grow with use.
 *
 * <p>Every server has its own registry (passed down, never global), so several servers in one JVM,
 * as in the tests, count apart.
 */
public final class ServerMetrics implements AutoCloseable {
  /** The Prometheus text exposition format, version 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** The route label of a request no route matched. */
  public static final String UNMATCHED = "unmatched";

  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  /** Bucket bounds of the latency histograms: 5 ms to 10 min, about three per decade. */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60),
    Duration.ofMinutes(10)
  };

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter uploaded;
  private final Counter downloaded;
  private final Counter repaired;
  private final Counter failedRepairs;
  // by resource type, a set of three: looking a counter up in the registry builds its id each time
  private final Map<String, Counter> added = new ConcurrentHashMap<>();
  private final Map<String, Counter> deleted = new ConcurrentHashMap<>();
  private final JvmGcMetrics gc = new JvmGcMetrics();

  public ServerMetrics() {
    uploaded =
        Counter.builder("berth.files.uploaded")
            .baseUnit("bytes")
            .description("Bytes of files uploaded")
            .register(registry);
    downloaded =
        Counter.builder("berth.files.downloaded")
            .baseUnit("bytes")
            .description("Bytes of file content sent to clients")
            .register(registry);
    repaired =
        Counter.builder("berth.reconciler.repairs")
            .description(
                "Sandbox repairs that brought a session's sandbox in line with its records")
            .register(registry);
    failedRepairs =
        Counter.builder("berth.reconciler.failures")
            .description("Sandbox repairs that failed (the session is retried until it matches)")
            .register(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    gc.bindTo(registry);
  }

  /** The registry, for libraries that report through Micrometer themselves (HikariCP's pools). */
  public MeterRegistry registry() {
    return registry;
  }

  /** Every meter now, in the Prometheus text format ({@link #CONTENT_TYPE}). */
  public String scrape() {
    return registry.scrape(CONTENT_TYPE);
  }

  /** A request's method as it is reported: one of the standard ones, else {@code OTHER}. */
  public static String method(String method) {
    String m = method.toUpperCase(Locale.ROOT);
    return METHODS.contains(m) ? m : "OTHER";
  }

  /**
   * One HTTP request answered.
   *
   * @param method the request's method; any other than the standard ones counts as {@code OTHER}
   * @param route the template of the route that matched ({@code /v1/files/{file_id}}), or {@link
   *     #UNMATCHED}; never the path as sent
   */
  public void request(String method, String route, int status, Duration duration) {
    Timer.builder("http.server.requests")
        .description("HTTP requests by method, route template and status")
        .tag("method", method(method))
        .tag("route", route)
        .tag("status", Integer.toString(status))
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry)
        .record(duration);
  }

  /** A resource of {@code type} ({@code file}, {@code github_repository}…) added to a session. */
  public void resourceAdded(String type) {
    added.computeIfAbsent(type, t -> resources("added", t)).increment();
  }

  /** A resource of {@code type} deleted from a session. */
  public void resourceDeleted(String type) {
    deleted.computeIfAbsent(type, t -> resources("deleted", t)).increment();
  }

  private Counter resources(String change, String type) {
    return Counter.builder("berth.resources." + change)
        .description("Session resources " + change + ", by type")
        .tag("type", type)
        .register(registry);
  }

  /** A session's sandbox, or one path of it, brought in line with the records. */
  public void sandboxRepaired() {
    repaired.increment();
  }

  /** Bringing a session's sandbox in line with its records failed (it is retried). */
  public void sandboxRepairFailed() {
    failedRepairs.increment();
  }

  /**
   * A command run in a sandbox ended.
   *
   * @param outcome {@code exit_zero}, {@code exit_nonzero}, or why it was stopped ({@code timeout},
   *     {@code output_limit}, {@code disk_quota}, {@code session_removed}, {@code shutdown})
   * @param launcherWaited whether its launcher was started ahead and waiting for it
   */
  public void commandRan(String outcome, Duration duration, boolean launcherWaited) {
    Timer.builder("berth.commands")
        .description("Commands run in session sandboxes, by outcome")
        .tag("outcome", outcome)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry)
        .record(duration.toNanos(), TimeUnit.NANOSECONDS);
    Counter.builder("berth.command.launchers")
        .description("Commands run, by whether their launcher was waiting for them or new")
        .tag("launcher", launcherWaited ? "waiting" : "new")
        .register(registry)
        .increment();
  }

  /** How many launchers wait for their session's next command, read on scrape. */
  public void launchersWaiting(IntSupplier waiting) {
    Gauge.builder("berth.command.launchers.waiting", waiting::getAsInt)
        .description("Launchers started ahead, waiting for their session's next command")
        .register(registry);
  }

  public void uploaded(long bytes) {
    uploaded.increment((double) bytes);
  }

  public void downloaded(long bytes) {
    downloaded.increment((double) bytes);
  }

  /** The number of session leases this node holds (several nodes on PostgreSQL), read on scrape. */
  public void leasesHeld(IntSupplier held) {
    Gauge.builder("berth.session.leases.held", held::getAsInt)
        .description("Session leases this node holds")
        .register(registry);
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
