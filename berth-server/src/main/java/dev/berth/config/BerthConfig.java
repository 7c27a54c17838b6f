package dev.berth.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything Berth can be told at start-up, parsed once from the command line and the environment
 * ({@code berth serve}, the {@code cli} package) and passed down through constructors. Each record
 * checks its own values, so a configuration built in code is held to the same ranges.
 *
 * @param dataDir where the embedded default keeps metadata, blobs and sandboxes
 * @param host the address the HTTP server binds
 * @param port the HTTP port; 0 picks a free one
 * @param maxUploadBytes largest accepted file upload; larger ones get 413
 * @param maxJsonBytes largest accepted JSON request body; larger ones get 413
 * @param maxFilesPerSession most file resources one session may hold (spec Q6)
 * @param maxOutputsPerSession most files under a session's {@code /mnt/session/outputs} that are
 *     catalogued as session-scoped files; beyond it, the first ones in path order are kept
 * @param uploadsDownloadable whether uploaded files may be downloaded (spec Q30; off as in the
 *     hosted API)
 * @param apiKeys keys given by configuration, each with the workspace it belongs to
 * @param shared the stores several nodes share, when Berth runs on more than one
 * @param exec how commands run in session sandboxes ({@code POST /berth/v1/sessions/{id}/exec})
 * @param maxConnections the most HTTP connections open at once; empty derives it from the process's
 *     descriptor limit ({@code DescriptorBudget})
 * @param repositories where repositories of {@code github_repository} resources come from, and the
 *     limits of cloning them
 * @param metricsPublic whether {@code /berth/v1/metrics} answers without an API key
 * @param logFormat how log lines are written
 */
public record BerthConfig(
    Path dataDir,
    String host,
    int port,
    long maxUploadBytes,
    long maxJsonBytes,
    int maxFilesPerSession,
    int maxOutputsPerSession,
    boolean uploadsDownloadable,
    List<ApiKeyGrant> apiKeys,
    Shared shared,
    Exec exec,
    OptionalInt maxConnections,
    Repositories repositories,
    boolean metricsPublic,
    LogFormat logFormat) {

  public static final int MAX_PORT = 65535;
  public static final long MIN_JSON_BYTES = 1024;
  public static final int MIN_LEASE_SECONDS = 2;

  /**
   * Stores outside the data directory, so that several nodes can serve the same sessions.
   *
   * @param databaseUrl a {@code jdbc:postgresql:} URL; empty keeps metadata in SQLite
   * @param s3 the bucket holding file bytes; empty keeps them under the data directory
   * @param leaseSeconds how long a node's lease on a session lasts without a heartbeat
   */
  public record Shared(Optional<String> databaseUrl, Optional<S3Settings> s3, int leaseSeconds) {
    public static final String DATABASE_URL_PREFIX = "jdbc:postgresql:";

    public Shared {
      databaseUrl.ifPresent(
          url -> {
            if (!url.startsWith(DATABASE_URL_PREFIX)) {
              throw new IllegalArgumentException(
                  "--database-url (BERTH_DATABASE_URL) must be a jdbc:postgresql: URL");
            }
          });
      if (leaseSeconds < MIN_LEASE_SECONDS) {
        throw new IllegalArgumentException(
            "--lease-seconds (BERTH_LEASE_SECONDS) must be at least 2, got " + leaseSeconds);
      }
    }
  }

  /**
   * An S3-compatible bucket.
   *
   * @param endpoint the server's URL; empty means AWS itself, in {@code region}
   * @param bucket the bucket's name; created on start if it does not exist
   * @param region the signing region
   * @param accessKeyId with {@code secretAccessKey}; both empty use the AWS default credentials
   * @param secretAccessKey the secret of {@code accessKeyId}
   * @param partBytes the size of the parts a large blob is uploaded and downloaded in; larger blobs
   *     go as a multipart upload and come back as ranged GETs, smaller ones in one request
   * @param parallelism how many part requests this node has in flight at once, all transfers
   *     together, and so the size of the connection pool they use
   */
  public record S3Settings(
      Optional<URI> endpoint,
      String bucket,
      String region,
      Optional<String> accessKeyId,
      Optional<String> secretAccessKey,
      long partBytes,
      int parallelism) {
    /** S3 refuses smaller parts (except a multipart upload's last). */
    public static final long MIN_PART_BYTES = 5L * 1024 * 1024;

    /** S3 refuses larger parts. */
    public static final long MAX_PART_BYTES = 5L * 1024 * 1024 * 1024;

    public static final long DEFAULT_PART_BYTES = 16L * 1024 * 1024;
    public static final int DEFAULT_PARALLELISM = 8;
    public static final int MAX_PARALLELISM = 256;

    /** The default part size and parallelism. */
    public S3Settings(
        Optional<URI> endpoint,
        String bucket,
        String region,
        Optional<String> accessKeyId,
        Optional<String> secretAccessKey) {
      this(
          endpoint,
          bucket,
          region,
          accessKeyId,
          secretAccessKey,
          DEFAULT_PART_BYTES,
          DEFAULT_PARALLELISM);
    }

    public S3Settings {
      if (partBytes < MIN_PART_BYTES || partBytes > MAX_PART_BYTES) {
        throw new IllegalArgumentException(
            "--s3-part-size (BERTH_S3_PART_SIZE) must be from "
                + MIN_PART_BYTES
                + " (5 MiB) to "
                + MAX_PART_BYTES
                + " (5 GiB) bytes, the part sizes S3 accepts: "
                + partBytes);
      }
      if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
        throw new IllegalArgumentException(
            "--s3-parallelism (BERTH_S3_PARALLELISM) must be from 1 to "
                + MAX_PARALLELISM
                + ": "
                + parallelism);
      }
      if (bucket.isBlank()) {
        throw new IllegalArgumentException("--s3-bucket (BERTH_S3_BUCKET) must not be empty");
      }
      if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
        throw new IllegalArgumentException(
            "--s3-access-key-id and --s3-secret-access-key must be given together");
      }
    }

    @Override
    public String toString() { // keeps the secret out of logs
      return "S3Settings[endpoint="
          + endpoint
          + ", bucket="
          + bucket
          + ", region="
          + region
          + ", partBytes="
          + partBytes
          + ", parallelism="
          + parallelism
          + "]";
    }
  }

  /**
   * Commands run inside a session's sandbox with bubblewrap, and their limits.
   *
   * @param bwrap the bubblewrap binary: a name looked up on the PATH, or a path
   * @param defaultTimeout wall time a command gets when the request names none
   * @param maxTimeout the most wall time a request may ask for
   * @param maxOutputBytes how much of each of stdout and stderr a command may write
   * @param diskQuotaBytes how much a session's outputs and workspace may hold together
   * @param maxProcesses how many processes (threads included) one session's commands may have
   *     together ({@code --session-max-processes}; {@code --exec-max-processes} is its older name)
   * @param maxMemoryBytes how much memory one session's commands may use together
   * @param cpuWeight a session's share of the CPU against the others, 1 to 10000 (100 is even)
   * @param sessionMaxConcurrentCommands how many commands one session may run at once
   * @param maxConcurrentCommands how many commands the server runs at once, all sessions together
   * @param diskMechanism how the disk quota is enforced
   * @param maxInodes files, directories and links a session's outputs and workspace may hold
   *     together, where the mechanism can count them ({@link DiskMechanism#LOOP})
   * @param waitingLaunchers how many sessions may each keep a launcher waiting for their next
   *     command, started ahead in the session's control groups; 0 starts none
   */
  public record Exec(
      String bwrap,
      Duration defaultTimeout,
      Duration maxTimeout,
      long maxOutputBytes,
      long diskQuotaBytes,
      int maxProcesses,
      long maxMemoryBytes,
      int cpuWeight,
      int sessionMaxConcurrentCommands,
      int maxConcurrentCommands,
      DiskMechanism diskMechanism,
      long maxInodes,
      int waitingLaunchers) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    public static final long DEFAULT_MAX_OUTPUT_BYTES = 1024L * 1024;
    public static final long DEFAULT_DISK_QUOTA_BYTES = 1024L * 1024 * 1024;
    public static final int DEFAULT_MAX_PROCESSES = 1024;
    public static final long DEFAULT_MAX_INODES = 65536;
    public static final long MIN_INODES = 16;

    /** The most inodes a session may be given: ext4's own ceiling is 2^32. */
    public static final long MAX_INODES = 1L << 31;

    public static final long DEFAULT_MAX_MEMORY_BYTES = 2L * 1024 * 1024 * 1024;

    /** Below this, bubblewrap and the shell that starts it may not fit. */
    public static final long MIN_MEMORY_BYTES = 16L * 1024 * 1024;

    public static final int DEFAULT_CPU_WEIGHT = 100;
    public static final int MAX_CPU_WEIGHT = 10_000;
    public static final int DEFAULT_SESSION_MAX_CONCURRENT_COMMANDS = 8;
    public static final int DEFAULT_MAX_CONCURRENT_COMMANDS = 64;
    public static final int DEFAULT_WAITING_LAUNCHERS = 16;

    public Exec {
      if (bwrap.isBlank()) {
        throw new IllegalArgumentException("--exec-bwrap (BERTH_EXEC_BWRAP) must not be empty");
      }
      if (maxTimeout.toMillis() < 1) {
        throw new IllegalArgumentException(
            "--exec-max-timeout-ms (BERTH_EXEC_MAX_TIMEOUT_MS) must be positive, got "
                + maxTimeout.toMillis());
      }
      if (defaultTimeout.toMillis() < 1 || defaultTimeout.compareTo(maxTimeout) > 0) {
        throw new IllegalArgumentException(
            "--exec-timeout-ms (BERTH_EXEC_TIMEOUT_MS) must be between 1 and the maximum "
                + maxTimeout.toMillis()
                + ", got "
                + defaultTimeout.toMillis());
      }
      if (maxOutputBytes < 1) {
        throw new IllegalArgumentException(
            "--exec-max-output-bytes (BERTH_EXEC_MAX_OUTPUT_BYTES) must be positive, got "
                + maxOutputBytes);
      }
      if (diskQuotaBytes < 1) {
        throw new IllegalArgumentException(
            "--session-disk-quota-bytes (BERTH_SESSION_DISK_QUOTA_BYTES) must be positive, got "
                + diskQuotaBytes);
      }
      if (maxProcesses < 1) {
        throw new IllegalArgumentException(
            "--session-max-processes (BERTH_SESSION_MAX_PROCESSES) must be positive, got "
                + maxProcesses);
      }
      if (maxInodes < MIN_INODES || maxInodes > MAX_INODES) {
        throw new IllegalArgumentException(
            "--session-max-inodes (BERTH_SESSION_MAX_INODES) must be between 16 and "
                + MAX_INODES
                + ", got "
                + maxInodes);
      }
      if (maxMemoryBytes < MIN_MEMORY_BYTES) {
        throw new IllegalArgumentException(
            "--session-max-memory-bytes (BERTH_SESSION_MAX_MEMORY_BYTES) must be at least "
                + MIN_MEMORY_BYTES
                + ", got "
                + maxMemoryBytes);
      }
      if (cpuWeight < 1 || cpuWeight > MAX_CPU_WEIGHT) {
        throw new IllegalArgumentException(
            "--session-cpu-weight (BERTH_SESSION_CPU_WEIGHT) must be between 1 and "
                + MAX_CPU_WEIGHT
                + ", got "
                + cpuWeight);
      }
      if (sessionMaxConcurrentCommands < 1) {
        throw new IllegalArgumentException(
            "--session-max-concurrent-commands (BERTH_SESSION_MAX_CONCURRENT_COMMANDS) must be"
                + " positive, got "
                + sessionMaxConcurrentCommands);
      }
      if (maxConcurrentCommands < 1) {
        throw new IllegalArgumentException(
            "--exec-max-concurrent-commands (BERTH_EXEC_MAX_CONCURRENT_COMMANDS) must be"
                + " positive, got "
                + maxConcurrentCommands);
      }
      if (waitingLaunchers < 0) {
        throw new IllegalArgumentException(
            "--exec-waiting-launchers (BERTH_EXEC_WAITING_LAUNCHERS) must not be negative, got "
                + waitingLaunchers);
      }
    }

    /**
     * The documented defaults (those {@code berth serve} starts with), the disk quota enforced by
     * {@code mechanism}: for code that has no command line, such as a sandbox host on its own.
     */
    public static Exec defaults(DiskMechanism mechanism) {
      return new Exec(
          "bwrap",
          DEFAULT_TIMEOUT,
          MAX_TIMEOUT,
          DEFAULT_MAX_OUTPUT_BYTES,
          DEFAULT_DISK_QUOTA_BYTES,
          DEFAULT_MAX_PROCESSES,
          DEFAULT_MAX_MEMORY_BYTES,
          DEFAULT_CPU_WEIGHT,
          DEFAULT_SESSION_MAX_CONCURRENT_COMMANDS,
          DEFAULT_MAX_CONCURRENT_COMMANDS,
          mechanism,
          DEFAULT_MAX_INODES,
          DEFAULT_WAITING_LAUNCHERS);
    }
  }

  /**
   * How a session's disk quota is enforced (README "Limits"): {@link #LOOP}, a filesystem of the
   * quota's size per session, which the kernel fills up; {@link #WALK}, a walk that sums file sizes
   * while a command runs; {@link #AUTO}, the first where the machine allows it.
   */
  public enum DiskMechanism {
    AUTO,
    LOOP,
    WALK
  }

  /**
   * Repositories of {@code github_repository} resources (README "GitHub repositories").
   *
   * @param githubUrl the base that {@code https://github.com/OWNER/REPO} is fetched from, as {@code
   *     <githubUrl>/OWNER/REPO}: GitHub itself, or a GitHub Enterprise, Gitea or Forgejo server or
   *     a mirror; {@code https}, or {@code http} when configured so explicitly
   * @param maxBytes the most bytes one repository's download, and its checked-out files, may take
   * @param cloneTimeout how long fetching and checking out one repository may take
   * @param commandWait how long a command waits for its session's repositories to be checked out
   * @param checkout how a session's checkout is made ({@link CheckoutMechanism})
   * @param secretsKeyFile the key that encrypts repository tokens at rest; made on first start when
   *     missing. Every node of a cluster needs the same one.
   */
  public record Repositories(
      URI githubUrl,
      long maxBytes,
      Duration cloneTimeout,
      Duration commandWait,
      CheckoutMechanism checkout,
      Path secretsKeyFile) {
    public static final URI DEFAULT_GITHUB_URL = URI.create("https://github.com");
    public static final long DEFAULT_MAX_BYTES = 1024L * 1024 * 1024;
    public static final Duration DEFAULT_CLONE_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_COMMAND_WAIT = Duration.ofMinutes(5);

    /** What {@link #acceptsGithubUrl} accepts, as an error message says it. */
    public static final String GITHUB_URL_RULE =
        "an https:// or http:// URL of a host, with no user, query or fragment";

    public Repositories {
      if (!acceptsGithubUrl(githubUrl)) {
        throw new IllegalArgumentException(
            "--github-url (BERTH_GITHUB_URL) must be "
                + GITHUB_URL_RULE
                + ", got '"
                + githubUrl
                + "'");
      }
      if (maxBytes < 1) {
        throw new IllegalArgumentException(
            "--repository-max-bytes (BERTH_REPOSITORY_MAX_BYTES) must be positive, got "
                + maxBytes);
      }
      if (cloneTimeout.isNegative() || cloneTimeout.isZero()) {
        throw new IllegalArgumentException(
            "--repository-clone-timeout-ms (BERTH_REPOSITORY_CLONE_TIMEOUT_MS) must be positive,"
                + " got "
                + cloneTimeout.toMillis());
      }
      if (commandWait.isNegative()) {
        throw new IllegalArgumentException(
            "--repository-wait-ms (BERTH_REPOSITORY_WAIT_MS) must not be negative, got "
                + commandWait.toMillis());
      }
    }

    /** Whether repositories may be fetched from under {@code url}: {@link #GITHUB_URL_RULE}. */
    public static boolean acceptsGithubUrl(URI url) {
      String scheme = url.getScheme();
      return ("https".equals(scheme) || "http".equals(scheme))
          && url.getHost() != null
          && url.getRawQuery() == null
          && url.getRawFragment() == null
          && url.getRawUserInfo() == null;
    }
  }

  /**
   * How a session's checkout of a repository is made (README "GitHub repositories"): {@link
   * #OVERLAY}, an overlay of the node's cached checkout of the same commit, so it costs the same
   * for any size and only what the session changes is written to its volume; {@link #COPY}, a
   * checkout of its own from the node's mirror; {@link #AUTO}, the overlay where the machine allows
   * it (Berth runs as root and the kernel has overlayfs).
   */
  public enum CheckoutMechanism {
    AUTO,
    OVERLAY,
    COPY
  }

  /** An API key given by configuration and the name of the workspace it opens. */
  public record ApiKeyGrant(String key, String workspace) {
    /** The shortest key Berth accepts from configuration. */
    public static final int MIN_KEY_LENGTH = 16;

    public ApiKeyGrant {
      if (key.length() < MIN_KEY_LENGTH) {
        throw new IllegalArgumentException("API keys must be at least 16 characters long");
      }
      if (workspace.isBlank()) {
        throw new IllegalArgumentException("an API key's workspace name must not be blank");
      }
    }

    @Override
    public String toString() { // keeps the key out of logs
      return "ApiKeyGrant[workspace=" + workspace + "]";
    }
  }

  public BerthConfig {
    apiKeys = List.copyOf(apiKeys);
    if (port < 0 || port > MAX_PORT) {
      throw new IllegalArgumentException(
          "--port (BERTH_PORT) must be between 0 and 65535, got " + port);
    }
    if (maxUploadBytes < 1) {
      throw new IllegalArgumentException(
          "--max-upload-bytes (BERTH_MAX_UPLOAD_BYTES) must be positive, got " + maxUploadBytes);
    }
    if (maxJsonBytes < MIN_JSON_BYTES) {
      throw new IllegalArgumentException(
          "--max-json-bytes (BERTH_MAX_JSON_BYTES) must be at least 1024, got " + maxJsonBytes);
    }
    if (maxFilesPerSession < 1) {
      throw new IllegalArgumentException(
          "--max-files-per-session (BERTH_MAX_FILES_PER_SESSION) must be positive, got "
              + maxFilesPerSession);
    }
    if (maxOutputsPerSession < 1) {
      throw new IllegalArgumentException(
          "--max-outputs-per-session (BERTH_MAX_OUTPUTS_PER_SESSION) must be positive, got "
              + maxOutputsPerSession);
    }
    if (maxConnections.isPresent() && maxConnections.getAsInt() < 1) {
      throw new IllegalArgumentException(
          "--max-connections (BERTH_MAX_CONNECTIONS) must be positive, got "
              + maxConnections.getAsInt());
    }
  }
}
