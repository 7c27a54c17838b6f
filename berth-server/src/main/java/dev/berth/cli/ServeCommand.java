package dev.berth.cli;

import dev.berth.Berth;
import dev.berth.Logging;
import dev.berth.config.BerthConfig;
import dev.berth.config.BerthConfig.ApiKeyGrant;
import dev.berth.config.LogFormat;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code berth serve}: every setting of the server, as flags and environment variables (README
 * "Configuration"), made into one {@link BerthConfig}; then the server runs until it is stopped.
 */
@Command(
    name = "serve",
    customSynopsis = "berth serve [OPTIONS]",
    sortOptions = false,
    description = {
      "Run the Berth server until Ctrl-C or SIGTERM.",
      "Every option is also an environment variable (Env:); a flag wins over it.",
      ""
    })
public final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Spec CommandSpec spec;
  @Mixin HelpOption help;
  @Mixin StorageOptions storage;

  @Setting(env = "BERTH_HOST")
  @Option(
      names = "--host",
      paramLabel = "ADDR",
      defaultValue = "127.0.0.1",
      converter = Converters.Text.class,
      description = "The address to listen on.")
  String host;

  @Setting(env = "BERTH_PORT")
  @Option(
      names = "--port",
      paramLabel = "N",
      defaultValue = "8080",
      converter = Converters.Port.class,
      description = "The port, 0 to 65535; 0 picks a free one.")
  int port;

  @Setting(env = "BERTH_API_KEYS", secret = true)
  @Option(
      names = "--api-key",
      paramLabel = "KEY[@WORKSPACE]",
      converter = Converters.Grant.class,
      description = {
        "An API key (16 characters or more) and the workspace it opens (default: 'default').",
        "Repeatable; the variable takes a comma-separated list."
      })
  List<ApiKeyGrant> apiKeys = new ArrayList<>();

  @Setting(env = "BERTH_MAX_UPLOAD_BYTES")
  @Option(
      names = "--max-upload-bytes",
      paramLabel = "N",
      defaultValue = "524288000",
      converter = Converters.PositiveLong.class,
      description = "Larger uploads get 413 (524288000 is 500 MiB).")
  long maxUploadBytes;

  @Setting(env = "BERTH_MAX_JSON_BYTES")
  @Option(
      names = "--max-json-bytes",
      paramLabel = "N",
      defaultValue = "10485760",
      converter = Converters.JsonBytes.class,
      description = "Larger JSON bodies get 413; at least 1024.")
  long maxJsonBytes;

  @Setting(env = "BERTH_MAX_FILES_PER_SESSION")
  @Option(
      names = "--max-files-per-session",
      paramLabel = "N",
      defaultValue = "100",
      converter = Converters.PositiveInt.class,
      description = "File resources one session may hold.")
  int maxFilesPerSession;

  @Setting(env = "BERTH_MAX_OUTPUTS_PER_SESSION")
  @Option(
      names = "--max-outputs-per-session",
      paramLabel = "N",
      defaultValue = "1000",
      converter = Converters.PositiveInt.class,
      description = "Output files catalogued per session.")
  int maxOutputsPerSession;

  @Setting(env = "BERTH_UPLOADS_DOWNLOADABLE")
  @Option(
      names = "--uploads-downloadable",
      paramLabel = "true|false",
      arity = "0..1",
      fallbackValue = "true",
      defaultValue = "false",
      converter = Converters.Bool.class,
      description = "Allow downloading uploaded files.")
  boolean uploadsDownloadable;

  @Setting(env = "BERTH_S3_BUCKET", unset = "none (blobs in the data directory)")
  @Option(
      names = "--s3-bucket",
      paramLabel = "NAME",
      converter = Converters.Text.class,
      description = "Keep file bytes in this S3 bucket (created if missing).")
  @Nullable String s3Bucket;

  @Setting(env = "BERTH_S3_ENDPOINT", unset = "AWS")
  @Option(
      names = "--s3-endpoint",
      paramLabel = "URL",
      converter = Converters.HttpUrl.class,
      description = "An S3-compatible server (path-style addressing).")
  @Nullable URI s3Endpoint;

  @Setting(env = "BERTH_S3_REGION")
  @Option(
      names = "--s3-region",
      paramLabel = "NAME",
      defaultValue = "us-east-1",
      converter = Converters.Text.class,
      description = "The signing region.")
  String s3Region;

  @Setting(env = "BERTH_S3_ACCESS_KEY_ID", unset = "the AWS default credentials")
  @Option(
      names = "--s3-access-key-id",
      paramLabel = "ID",
      converter = Converters.Text.class,
      description = "With --s3-secret-access-key; both or neither.")
  @Nullable String s3AccessKeyId;

  @Setting(env = "BERTH_S3_SECRET_ACCESS_KEY", secret = true)
  @Option(
      names = "--s3-secret-access-key",
      paramLabel = "KEY",
      converter = Converters.Text.class,
      description = "The secret of --s3-access-key-id.")
  @Nullable String s3SecretAccessKey;

  @Setting(env = "BERTH_S3_PART_SIZE")
  @Option(
      names = "--s3-part-size",
      paramLabel = "BYTES",
      defaultValue = "16777216",
      converter = Converters.S3PartBytes.class,
      description =
          "Larger blobs go up and come down in parts of this size (16777216 is 16 MiB);"
              + " 5 MiB to 5 GiB.")
  long s3PartBytes;

  @Setting(env = "BERTH_S3_PARALLELISM")
  @Option(
      names = "--s3-parallelism",
      paramLabel = "N",
      defaultValue = "8",
      converter = Converters.S3Parallelism.class,
      description =
          "Parts in flight at once, all transfers together (and S3 connections for them).")
  int s3Parallelism;

  @Setting(env = "BERTH_LEASE_SECONDS")
  @Option(
      names = "--lease-seconds",
      paramLabel = "N",
      defaultValue = "15",
      converter = Converters.LeaseSeconds.class,
      description = "How long a node holds a session without renewing (several nodes); at least 2.")
  int leaseSeconds;

  @Setting(env = "BERTH_EXEC_BWRAP")
  @Option(
      names = "--exec-bwrap",
      paramLabel = "PATH",
      defaultValue = "bwrap",
      converter = Converters.Text.class,
      description = "The bubblewrap binary commands run under (a name on the PATH, or a path).")
  String execBwrap;

  @Setting(env = "BERTH_EXEC_TIMEOUT_MS")
  @Option(
      names = "--exec-timeout-ms",
      paramLabel = "N",
      defaultValue = "30000",
      converter = Converters.PositiveLong.class,
      description = "A command's wall time when the request gives no timeout_ms.")
  long execTimeoutMs;

  @Setting(env = "BERTH_EXEC_MAX_TIMEOUT_MS")
  @Option(
      names = "--exec-max-timeout-ms",
      paramLabel = "N",
      defaultValue = "600000",
      converter = Converters.PositiveLong.class,
      description = "The largest timeout_ms a request may ask for.")
  long execMaxTimeoutMs;

  @Setting(env = "BERTH_EXEC_MAX_OUTPUT_BYTES")
  @Option(
      names = "--exec-max-output-bytes",
      paramLabel = "N",
      defaultValue = "1048576",
      converter = Converters.PositiveLong.class,
      description = "How much a command may write to stdout, and again to stderr.")
  long execMaxOutputBytes;

  @Setting(env = "BERTH_SESSION_MAX_PROCESSES", unset = "1024")
  @Option(
      names = "--session-max-processes",
      paramLabel = "N",
      converter = Converters.PositiveInt.class,
      description = "Processes (threads included) one session's commands may have.")
  @Nullable Integer sessionMaxProcesses;

  @Setting(env = "BERTH_EXEC_MAX_PROCESSES")
  @Option(
      names = "--exec-max-processes",
      paramLabel = "N",
      converter = Converters.PositiveInt.class,
      description = "The older name of --session-max-processes, which wins over it.")
  @Nullable Integer execMaxProcesses;

  @Setting(env = "BERTH_SESSION_MAX_MEMORY_BYTES")
  @Option(
      names = "--session-max-memory-bytes",
      paramLabel = "N",
      defaultValue = "2147483648",
      converter = Converters.MemoryBytes.class,
      description = "Memory one session's commands may use together; at least 16777216 (16 MiB).")
  long sessionMaxMemoryBytes;

  @Setting(env = "BERTH_SESSION_CPU_WEIGHT")
  @Option(
      names = "--session-cpu-weight",
      paramLabel = "N",
      defaultValue = "100",
      converter = Converters.CpuWeight.class,
      description = "A session's share of the CPU against other sessions, 1 to 10000.")
  int sessionCpuWeight;

  @Setting(env = "BERTH_SESSION_MAX_CONCURRENT_COMMANDS")
  @Option(
      names = "--session-max-concurrent-commands",
      paramLabel = "N",
      defaultValue = "8",
      converter = Converters.PositiveInt.class,
      description = "Commands one session may run at once; more get 429.")
  int sessionMaxConcurrentCommands;

  @Setting(env = "BERTH_EXEC_MAX_CONCURRENT_COMMANDS")
  @Option(
      names = "--exec-max-concurrent-commands",
      paramLabel = "N",
      defaultValue = "64",
      converter = Converters.PositiveInt.class,
      description = "Commands the server runs at once, all sessions together; more get 429.")
  int execMaxConcurrentCommands;

  @Setting(env = "BERTH_EXEC_WAITING_LAUNCHERS")
  @Option(
      names = "--exec-waiting-launchers",
      paramLabel = "N",
      defaultValue = "16",
      converter = Converters.NonNegativeInt.class,
      description =
          "Sessions that may each keep a launcher waiting in their control groups for their next"
              + " command, which then starts sooner; 0 starts none.")
  int execWaitingLaunchers;

  @Setting(env = "BERTH_SESSION_DISK_QUOTA_BYTES")
  @Option(
      names = "--session-disk-quota-bytes",
      paramLabel = "N",
      defaultValue = "1073741824",
      converter = Converters.PositiveLong.class,
      description = "What a session's outputs and workspace may hold together (1 GiB).")
  long sessionDiskQuotaBytes;

  @Setting(env = "BERTH_SESSION_MAX_INODES")
  @Option(
      names = "--session-max-inodes",
      paramLabel = "N",
      defaultValue = "65536",
      converter = Converters.Inodes.class,
      description = "Files, directories and links they may hold together, 16 to 2147483648.")
  long sessionMaxInodes;

  @Setting(env = "BERTH_SESSION_DISK_MECHANISM")
  @Option(
      names = "--session-disk-mechanism",
      paramLabel = "auto|loop|walk",
      defaultValue = "auto",
      converter = Converters.DiskMechanism.class,
      description = "How the quota is enforced: a volume per session (loop), a walk, or auto.")
  BerthConfig.DiskMechanism sessionDiskMechanism;

  @Setting(
      env = "BERTH_MAX_CONNECTIONS",
      unset = "half the descriptor limit past 128, at most 10000")
  @Option(
      names = "--max-connections",
      paramLabel = "N",
      converter = Converters.PositiveInt.class,
      description = "HTTP connections open at once.")
  @Nullable Integer maxConnections;

  @Setting(env = "BERTH_GITHUB_URL")
  @Option(
      names = "--github-url",
      paramLabel = "URL",
      defaultValue = "https://github.com",
      converter = Converters.GithubUrl.class,
      description = "Where https://github.com/OWNER/REPO is fetched from, as URL/OWNER/REPO.")
  URI githubUrl;

  @Setting(env = "BERTH_REPOSITORY_MAX_BYTES")
  @Option(
      names = "--repository-max-bytes",
      paramLabel = "N",
      defaultValue = "1073741824",
      converter = Converters.PositiveLong.class,
      description = "The most a repository's download, and its checked-out files, may take.")
  long repositoryMaxBytes;

  @Setting(env = "BERTH_REPOSITORY_CLONE_TIMEOUT_MS")
  @Option(
      names = "--repository-clone-timeout-ms",
      paramLabel = "N",
      defaultValue = "600000",
      converter = Converters.PositiveLong.class,
      description = "How long fetching and checking out one repository may take.")
  long repositoryCloneTimeoutMs;

  @Setting(env = "BERTH_REPOSITORY_WAIT_MS")
  @Option(
      names = "--repository-wait-ms",
      paramLabel = "N",
      defaultValue = "300000",
      converter = Converters.NonNegativeLong.class,
      description = "How long a command waits for its session's checkouts before a 503.")
  long repositoryWaitMs;

  @Setting(env = "BERTH_REPOSITORY_CHECKOUT")
  @Option(
      names = "--repository-checkout",
      paramLabel = "auto|overlay|copy",
      defaultValue = "auto",
      converter = Converters.CheckoutMechanism.class,
      description = "How a session's checkout is made.")
  BerthConfig.CheckoutMechanism repositoryCheckout;

  @Setting(env = "BERTH_SECRETS_KEY_FILE", unset = "secrets.key in the data directory")
  @Option(
      names = "--secrets-key-file",
      paramLabel = "PATH",
      converter = Converters.FilePath.class,
      description = "The AES-256 key repository tokens are encrypted under; made on first start.")
  @Nullable Path secretsKeyFile;

  @Setting(env = "BERTH_METRICS_PUBLIC")
  @Option(
      names = "--metrics-public",
      paramLabel = "true|false",
      arity = "0..1",
      fallbackValue = "true",
      defaultValue = "false",
      converter = Converters.Bool.class,
      description = "Serve /berth/v1/metrics without an API key.")
  boolean metricsPublic;

  @Setting(env = "BERTH_LOG_FORMAT")
  @Option(
      names = "--log-format",
      paramLabel = "text|json",
      defaultValue = "text",
      converter = Converters.LogFormats.class,
      description = "How log lines are written: plain text, or one JSON object per line.")
  LogFormat logFormat;

  private final PrintStream out;

  ServeCommand(PrintStream out) {
    this.out = out;
  }

  /**
   * The configuration {@code berth serve ARGS} runs with in the environment {@code env}, for code
   * that starts Berth itself (tests, say) from the settings a user would give.
   *
   * @throws IllegalArgumentException naming the setting that is wrong, as {@code berth} says it
   */
  public static BerthConfig config(List<String> args, Map<String, String> env) {
    var all = new ArrayList<String>();
    all.add("serve");
    all.addAll(args);
    return ((ServeCommand) Cli.parse(all, env).commandSpec().userObject()).config();
  }

  /** The settings as one {@link BerthConfig}; its records check what spans several settings. */
  BerthConfig config() {
    Path dataDir = storage.dataDir;
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
        new BerthConfig.Shared(storage.databaseUrl(), s3(), leaseSeconds),
        new BerthConfig.Exec(
            execBwrap,
            Duration.ofMillis(execTimeoutMs),
            Duration.ofMillis(execMaxTimeoutMs),
            execMaxOutputBytes,
            sessionDiskQuotaBytes,
            sessionMaxProcesses != null
                ? sessionMaxProcesses
                : execMaxProcesses != null
                    ? execMaxProcesses
                    : BerthConfig.Exec.DEFAULT_MAX_PROCESSES,
            sessionMaxMemoryBytes,
            sessionCpuWeight,
            sessionMaxConcurrentCommands,
            execMaxConcurrentCommands,
            sessionDiskMechanism,
            sessionMaxInodes,
            execWaitingLaunchers),
        maxConnections == null ? OptionalInt.empty() : OptionalInt.of(maxConnections),
        new BerthConfig.Repositories(
            githubUrl,
            repositoryMaxBytes,
            Duration.ofMillis(repositoryCloneTimeoutMs),
            Duration.ofMillis(repositoryWaitMs),
            repositoryCheckout,
            secretsKeyFile != null ? secretsKeyFile : dataDir.resolve("secrets.key")),
        metricsPublic,
        logFormat);
  }

  /** The bucket, when one is named; the other S3 settings mean nothing without it. */
  private Optional<BerthConfig.S3Settings> s3() {
    if (s3Bucket == null) {
      if (s3Endpoint != null || s3AccessKeyId != null || s3SecretAccessKey != null) {
        throw new IllegalArgumentException(
            "--s3-endpoint, --s3-access-key-id and --s3-secret-access-key need --s3-bucket"
                + " (BERTH_S3_BUCKET), which chooses the S3 blob store");
      }
      return Optional.empty();
    }
    return Optional.of(
        new BerthConfig.S3Settings(
            Optional.ofNullable(s3Endpoint),
            s3Bucket,
            s3Region,
            Optional.ofNullable(s3AccessKeyId),
            Optional.ofNullable(s3SecretAccessKey),
            s3PartBytes,
            s3Parallelism));
  }

  @Override
  public Integer call() throws InterruptedException {
    BerthConfig config;
    try {
      config = config();
    } catch (IllegalArgumentException e) {
      throw new Cli.SettingException(spec.commandLine(), String.valueOf(e.getMessage()));
    }
    Logging.use(config.logFormat());
    Berth berth = Berth.start(config);
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  berth.close();
                  stopped.countDown();
                },
                "berth-shutdown"));
    berth.generatedKey().ifPresent(key -> printKey(out, key));
    log.info(
        "Berth listening on http://{}:{} with data in {}",
        config.host(),
        berth.port(),
        config.dataDir().toAbsolutePath());
    stopped.await(); // until Ctrl-C or SIGTERM has stopped the server
    return 0;
  }

  /**
   * Prints the key made on the first start, in one write: log lines from the server's threads go to
   * the same terminal or pipe meanwhile, and a notice written piece by piece (as {@code printf}
   * writes its pieces) could have one land between the indent and the key, so that the key's line
   * no longer reads as one.
   */
  static void printKey(PrintStream out, String key) {
    String nl = System.lineSeparator();
    out.print(
        nl
            + "Created workspace 'default' and its API key (shown only this once):"
            + nl
            + nl
            + "    "
            + key
            + nl
            + nl);
    out.flush();
  }
}
