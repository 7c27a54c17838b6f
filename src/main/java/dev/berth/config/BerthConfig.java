package dev.berth.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything Berth can be told at start-up, loaded once by {@link ConfigLoader} and passed down
 * through constructors.
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
    OptionalInt maxConnections) {

  public static final long DEFAULT_MAX_UPLOAD_BYTES = 500L * 1024 * 1024;
  public static final int DEFAULT_LEASE_SECONDS = 15;
  public static final int DEFAULT_MAX_OUTPUTS_PER_SESSION = 1000;

  /**
   * Stores outside the data directory, so that several nodes can serve the same sessions.
   *
   * @param databaseUrl a {@code jdbc:postgresql:} URL; empty keeps metadata in SQLite
   * @param s3 the bucket holding file bytes; empty keeps them under the data directory
   * @param leaseSeconds how long a node's lease on a session lasts without a heartbeat
   */
  public record Shared(Optional<String> databaseUrl, Optional<S3Settings> s3, int leaseSeconds) {
    public Shared {
      databaseUrl.ifPresent(
          url -> {
            if (!url.startsWith("jdbc:postgresql:")) {
              throw new IllegalArgumentException(
                  "--database-url (BERTH_DATABASE_URL) must be a jdbc:postgresql: URL, got '"
                      + url
                      + "'");
            }
          });
      if (leaseSeconds < 2) {
        throw new IllegalArgumentException(
            "--lease-seconds (BERTH_LEASE_SECONDS) must be at least 2, got " + leaseSeconds);
      }
    }

    /** Everything under the data directory: SQLite and local blobs. */
    public static Shared none() {
      return new Shared(Optional.empty(), Optional.empty(), DEFAULT_LEASE_SECONDS);
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
   */
  public record S3Settings(
      Optional<URI> endpoint,
      String bucket,
      String region,
      Optional<String> accessKeyId,
      Optional<String> secretAccessKey) {
    public S3Settings {
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
      return "S3Settings[endpoint=" + endpoint + ", bucket=" + bucket + ", region=" + region + "]";
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
   * @param maxProcesses processes all running commands together may have (as root)
   * @param diskMechanism how the disk quota is enforced
   * @param maxInodes files, directories and links a session's outputs and workspace may hold
   *     together, where the mechanism can count them ({@link DiskMechanism#LOOP})
   */
  public record Exec(
      String bwrap,
      Duration defaultTimeout,
      Duration maxTimeout,
      long maxOutputBytes,
      long diskQuotaBytes,
      int maxProcesses,
      DiskMechanism diskMechanism,
      long maxInodes) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    public static final long DEFAULT_MAX_OUTPUT_BYTES = 1024L * 1024;
    public static final long DEFAULT_DISK_QUOTA_BYTES = 1024L * 1024 * 1024;
    public static final int DEFAULT_MAX_PROCESSES = 1024;
    public static final long DEFAULT_MAX_INODES = 65536;

    /** The most inodes a session may be given: ext4's own ceiling is 2^32. */
    public static final long MAX_INODES = 1L << 31;

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
            "--exec-max-processes (BERTH_EXEC_MAX_PROCESSES) must be positive, got "
                + maxProcesses);
      }
      if (maxInodes < 16 || maxInodes > MAX_INODES) {
        throw new IllegalArgumentException(
            "--session-max-inodes (BERTH_SESSION_MAX_INODES) must be between 16 and "
                + MAX_INODES
                + ", got "
                + maxInodes);
      }
    }

    /** The same limits, the disk quota enforced by {@code mechanism} with {@code maxInodes}. */
    public Exec withDisk(DiskMechanism mechanism, long maxInodes) {
      return new Exec(
          bwrap,
          defaultTimeout,
          maxTimeout,
          maxOutputBytes,
          diskQuotaBytes,
          maxProcesses,
          mechanism,
          maxInodes);
    }

    public static Exec defaults() {
      return new Exec(
          "bwrap",
          DEFAULT_TIMEOUT,
          MAX_TIMEOUT,
          DEFAULT_MAX_OUTPUT_BYTES,
          DEFAULT_DISK_QUOTA_BYTES,
          DEFAULT_MAX_PROCESSES,
          DiskMechanism.AUTO,
          DEFAULT_MAX_INODES);
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
    WALK;

    /** {@code auto}, {@code loop} or {@code walk}, as the setting spells it. */
    public static DiskMechanism parse(String value) {
      for (var m : values()) {
        if (m.name().toLowerCase(java.util.Locale.ROOT).equals(value)) {
          return m;
        }
      }
      throw new IllegalArgumentException(
          "--session-disk-mechanism (BERTH_SESSION_DISK_MECHANISM) must be auto, loop or walk,"
              + " got '"
              + value
              + "'");
    }
  }

  /** An API key given by configuration and the name of the workspace it opens. */
  public record ApiKeyGrant(String key, String workspace) {}

  public BerthConfig {
    apiKeys = List.copyOf(apiKeys);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
    }
    if (maxUploadBytes < 1) {
      throw new IllegalArgumentException(
          "max upload bytes must be positive, got " + maxUploadBytes);
    }
    if (maxJsonBytes < 1024) {
      throw new IllegalArgumentException(
          "max JSON bytes must be at least 1024, got " + maxJsonBytes);
    }
    if (maxFilesPerSession < 1) {
      throw new IllegalArgumentException(
          "max files per session must be positive, got " + maxFilesPerSession);
    }
    if (maxOutputsPerSession < 1) {
      throw new IllegalArgumentException(
          "max outputs per session must be positive, got " + maxOutputsPerSession);
    }
    if (maxConnections.isPresent() && maxConnections.getAsInt() < 1) {
      throw new IllegalArgumentException(
          "max connections must be positive, got " + maxConnections.getAsInt());
    }
  }

  /** The embedded default: everything under {@code dataDir}, listening on {@code port}. */
  public static BerthConfig defaults(Path dataDir, int port) {
    return new BerthConfig(
        dataDir,
        "127.0.0.1",
        port,
        DEFAULT_MAX_UPLOAD_BYTES,
        10L * 1024 * 1024,
        100,
        DEFAULT_MAX_OUTPUTS_PER_SESSION,
        false,
        List.of(),
        Shared.none(),
        Exec.defaults(),
        OptionalInt.empty());
  }

  public BerthConfig withMaxUploadBytes(long bytes) {
    return new BerthConfig(
        dataDir,
        host,
        port,
        bytes,
        maxJsonBytes,
        maxFilesPerSession,
        maxOutputsPerSession,
        uploadsDownloadable,
        apiKeys,
        shared,
        exec,
        maxConnections);
  }

  public BerthConfig withMaxJsonBytes(long bytes) {
    return new BerthConfig(
        dataDir,
        host,
        port,
        maxUploadBytes,
        bytes,
        maxFilesPerSession,
        maxOutputsPerSession,
        uploadsDownloadable,
        apiKeys,
        shared,
        exec,
        maxConnections);
  }

  public BerthConfig withMaxFilesPerSession(int files) {
    return new BerthConfig(
        dataDir,
        host,
        port,
        maxUploadBytes,
        maxJsonBytes,
        files,
        maxOutputsPerSession,
        uploadsDownloadable,
        apiKeys,
        shared,
        exec,
        maxConnections);
  }

  public BerthConfig withMaxOutputsPerSession(int outputs) {
    return new BerthConfig(
        dataDir,
        host,
        port,
        maxUploadBytes,
        maxJsonBytes,
        maxFilesPerSession,
        outputs,
        uploadsDownloadable,
        apiKeys,
        shared,
        exec,
        maxConnections);
  }

  public BerthConfig withUploadsDownloadable(boolean downloadable) {
    return new BerthConfig(
        dataDir,
        host,
        port,
        maxUploadBytes,
        maxJsonBytes,
        maxFilesPerSession,
        maxOutputsPerSession,
        downloadable,
        apiKeys,
        shared,
        exec,
        maxConnections);
  }

  public BerthConfig withApiKeys(List<ApiKeyGrant> keys) {
    return new BerthConfig(
        dataDir,
        host,
        port,
        maxUploadBytes,
        maxJsonBytes,
        maxFilesPerSession,
        maxOutputsPerSession,
        uploadsDownloadable,
        keys,
        shared,
        exec,
        maxConnections);
  }

  public BerthConfig withShared(Shared stores) {
    return new BerthConfig(
        dataDir,
        host,
        port,
        maxUploadBytes,
        maxJsonBytes,
        maxFilesPerSession,
        maxOutputsPerSession,
        uploadsDownloadable,
        apiKeys,
        stores,
        exec,
        maxConnections);
  }

  public BerthConfig withExec(Exec commands) {
    return new BerthConfig(
        dataDir,
        host,
        port,
        maxUploadBytes,
        maxJsonBytes,
        maxFilesPerSession,
        maxOutputsPerSession,
        uploadsDownloadable,
        apiKeys,
        shared,
        commands,
        maxConnections);
  }

  public BerthConfig withMaxConnections(int connections) {
    return new BerthConfig(
        dataDir,
        host,
        port,
        maxUploadBytes,
        maxJsonBytes,
        maxFilesPerSession,
        maxOutputsPerSession,
        uploadsDownloadable,
        apiKeys,
        shared,
        exec,
        OptionalInt.of(connections));
  }
}
