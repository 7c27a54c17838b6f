package dev.berth.config;

import dev.berth.config.BerthConfig.ApiKeyGrant;
import dev.berth.config.BerthConfig.Exec;
import dev.berth.config.BerthConfig.S3Settings;
import dev.berth.config.BerthConfig.Shared;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Builds a {@link BerthConfig} from defaults, then environment variables, then command-line flags
 * (each later source wins). Every setting has both forms; the README lists them.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  public static BerthConfig load(List<String> args, Map<String, String> env) {
    var values = new java.util.HashMap<String, String>();
    List<String> keys = new ArrayList<>();
    for (var setting : Setting.values()) {
      String fromEnv = env.get(setting.env);
      if (fromEnv != null && !fromEnv.isBlank()) {
        values.put(setting.flag, fromEnv.strip());
      }
    }
    String envKeys = env.get("BERTH_API_KEYS");
    if (envKeys != null) {
      for (String k : envKeys.split(",", -1)) {
        if (!k.isBlank()) {
          keys.add(k.strip());
        }
      }
    }
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if ((name.equals("--uploads-downloadable") || name.equals("--metrics-public"))
          && value == null) {
        values.put(name, "true");
        continue;
      }
      boolean known = name.equals("--api-key") || Setting.byFlag(name).isPresent();
      if (!known) {
        throw new IllegalArgumentException("unknown option " + arg + " (see README.md)");
      }
      if (value == null) {
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException(name + " needs a value");
        }
        value = args.get(++i);
      }
      if (name.equals("--api-key")) {
        keys.add(value);
      } else {
        values.put(name, value);
      }
    }
    return new BerthConfig(
        Path.of(values.getOrDefault("--data-dir", "berth-data")),
        values.getOrDefault("--host", "127.0.0.1"),
        intValue(values, "--port", 8080),
        longValue(values, "--max-upload-bytes", BerthConfig.DEFAULT_MAX_UPLOAD_BYTES),
        longValue(values, "--max-json-bytes", 10L * 1024 * 1024),
        intValue(values, "--max-files-per-session", 100),
        intValue(values, "--max-outputs-per-session", BerthConfig.DEFAULT_MAX_OUTPUTS_PER_SESSION),
        Boolean.parseBoolean(values.getOrDefault("--uploads-downloadable", "false")),
        keys.stream().map(ConfigLoader::grant).toList(),
        new Shared(
            Optional.ofNullable(values.get("--database-url")),
            s3(values),
            intValue(values, "--lease-seconds", BerthConfig.DEFAULT_LEASE_SECONDS)),
        new Exec(
            values.getOrDefault("--exec-bwrap", "bwrap"),
            Duration.ofMillis(
                longValue(values, "--exec-timeout-ms", Exec.DEFAULT_TIMEOUT.toMillis())),
            Duration.ofMillis(
                longValue(values, "--exec-max-timeout-ms", Exec.MAX_TIMEOUT.toMillis())),
            longValue(values, "--exec-max-output-bytes", Exec.DEFAULT_MAX_OUTPUT_BYTES),
            longValue(values, "--session-disk-quota-bytes", Exec.DEFAULT_DISK_QUOTA_BYTES),
            intValue(
                values,
                values.containsKey("--session-max-processes")
                    ? "--session-max-processes"
                    : "--exec-max-processes",
                Exec.DEFAULT_MAX_PROCESSES),
            longValue(values, "--session-max-memory-bytes", Exec.DEFAULT_MAX_MEMORY_BYTES),
            intValue(values, "--session-cpu-weight", Exec.DEFAULT_CPU_WEIGHT),
            intValue(
                values,
                "--session-max-concurrent-commands",
                Exec.DEFAULT_SESSION_MAX_CONCURRENT_COMMANDS),
            intValue(
                values, "--exec-max-concurrent-commands", Exec.DEFAULT_MAX_CONCURRENT_COMMANDS),
            BerthConfig.DiskMechanism.parse(
                values.getOrDefault("--session-disk-mechanism", "auto")),
            longValue(values, "--session-max-inodes", Exec.DEFAULT_MAX_INODES)),
        values.containsKey("--max-connections")
            ? OptionalInt.of(intValue(values, "--max-connections", 0))
            : OptionalInt.empty(),
        repositories(values),
        booleanValue(values, "--metrics-public"),
        BerthConfig.LogFormat.parse(values.getOrDefault("--log-format", "text")));
  }

  /** A switch: absent or {@code false} is off, {@code true} on; anything else is refused. */
  private static boolean booleanValue(Map<String, String> values, String flag) {
    String v = values.getOrDefault(flag, "false");
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException(
          flag
              + " ("
              + Setting.byFlag(flag).orElseThrow().env
              + ") must be true or false, got '"
              + v
              + "'");
    }
    return v.equals("true");
  }

  private static BerthConfig.Repositories repositories(Map<String, String> values) {
    Path dataDir = Path.of(values.getOrDefault("--data-dir", "berth-data"));
    URI githubUrl;
    String given = values.get("--github-url");
    try {
      githubUrl =
          given == null
              ? BerthConfig.Repositories.DEFAULT_GITHUB_URL
              : new URI(given.endsWith("/") ? given.substring(0, given.length() - 1) : given);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(
          "--github-url (BERTH_GITHUB_URL) is not a URL: '" + given + "'");
    }
    return new BerthConfig.Repositories(
        githubUrl,
        longValue(values, "--repository-max-bytes", BerthConfig.Repositories.DEFAULT_MAX_BYTES),
        Duration.ofMillis(
            longValue(
                values,
                "--repository-clone-timeout-ms",
                BerthConfig.Repositories.DEFAULT_CLONE_TIMEOUT.toMillis())),
        Duration.ofMillis(
            longValue(
                values,
                "--repository-wait-ms",
                BerthConfig.Repositories.DEFAULT_COMMAND_WAIT.toMillis())),
        BerthConfig.CheckoutMechanism.parse(values.getOrDefault("--repository-checkout", "auto")),
        Optional.ofNullable(values.get("--secrets-key-file"))
            .map(Path::of)
            .orElse(dataDir.resolve("secrets.key")));
  }

  /** The bucket, when one is named; the other S3 settings mean nothing without it. */
  private static Optional<S3Settings> s3(Map<String, String> values) {
    String bucket = values.get("--s3-bucket");
    if (bucket == null) {
      for (String flag : List.of("--s3-endpoint", "--s3-access-key-id", "--s3-secret-access-key")) {
        if (values.containsKey(flag)) {
          throw new IllegalArgumentException(
              flag + " needs --s3-bucket (BERTH_S3_BUCKET) to choose the S3 blob store");
        }
      }
      return Optional.empty();
    }
    Optional<URI> endpoint;
    try {
      endpoint = Optional.ofNullable(values.get("--s3-endpoint")).map(URI::create);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--s3-endpoint (BERTH_S3_ENDPOINT) is not a URL: '" + values.get("--s3-endpoint") + "'");
    }
    return Optional.of(
        new S3Settings(
            endpoint,
            bucket,
            values.getOrDefault("--s3-region", "us-east-1"),
            Optional.ofNullable(values.get("--s3-access-key-id")),
            Optional.ofNullable(values.get("--s3-secret-access-key"))));
  }

  /** {@code KEY} opens the default workspace; {@code KEY@WORKSPACE} opens the named one. */
  static ApiKeyGrant grant(String spec) {
    int at = spec.lastIndexOf('@');
    String key = at < 0 ? spec : spec.substring(0, at);
    String workspace = at < 0 ? "default" : spec.substring(at + 1);
    if (key.length() < 16) {
      throw new IllegalArgumentException("API keys must be at least 16 characters long");
    }
    if (workspace.isBlank()) {
      throw new IllegalArgumentException("workspace name missing after '@' in an API key");
    }
    return new ApiKeyGrant(key, workspace);
  }

  private static int intValue(Map<String, String> values, String flag, int fallback) {
    long v = longValue(values, flag, fallback);
    if (v != (int) v) {
      throw new IllegalArgumentException(
          flag
              + " ("
              + Setting.byFlag(flag).orElseThrow().env
              + ") must be at most "
              + Integer.MAX_VALUE
              + ", got "
              + v);
    }
    return (int) v;
  }

  private static long longValue(Map<String, String> values, String flag, long fallback) {
    String v = values.get(flag);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          flag
              + " ("
              + Setting.byFlag(flag).orElseThrow().env
              + ") must be a whole number, got '"
              + v
              + "'");
    }
  }

  private enum Setting {
    DATA_DIR("--data-dir", "BERTH_DATA_DIR"),
    HOST("--host", "BERTH_HOST"),
    PORT("--port", "BERTH_PORT"),
    MAX_UPLOAD("--max-upload-bytes", "BERTH_MAX_UPLOAD_BYTES"),
    MAX_JSON("--max-json-bytes", "BERTH_MAX_JSON_BYTES"),
    MAX_FILES("--max-files-per-session", "BERTH_MAX_FILES_PER_SESSION"),
    MAX_OUTPUTS("--max-outputs-per-session", "BERTH_MAX_OUTPUTS_PER_SESSION"),
    DOWNLOADABLE("--uploads-downloadable", "BERTH_UPLOADS_DOWNLOADABLE"),
    DATABASE_URL("--database-url", "BERTH_DATABASE_URL"),
    S3_ENDPOINT("--s3-endpoint", "BERTH_S3_ENDPOINT"),
    S3_BUCKET("--s3-bucket", "BERTH_S3_BUCKET"),
    S3_REGION("--s3-region", "BERTH_S3_REGION"),
    S3_ACCESS_KEY_ID("--s3-access-key-id", "BERTH_S3_ACCESS_KEY_ID"),
    S3_SECRET_ACCESS_KEY("--s3-secret-access-key", "BERTH_S3_SECRET_ACCESS_KEY"),
    LEASE_SECONDS("--lease-seconds", "BERTH_LEASE_SECONDS"),
    EXEC_BWRAP("--exec-bwrap", "BERTH_EXEC_BWRAP"),
    EXEC_TIMEOUT("--exec-timeout-ms", "BERTH_EXEC_TIMEOUT_MS"),
    EXEC_MAX_TIMEOUT("--exec-max-timeout-ms", "BERTH_EXEC_MAX_TIMEOUT_MS"),
    EXEC_MAX_OUTPUT("--exec-max-output-bytes", "BERTH_EXEC_MAX_OUTPUT_BYTES"),
    /** The older name of {@link #SESSION_MAX_PROCESSES}, which wins when both are given. */
    EXEC_MAX_PROCESSES("--exec-max-processes", "BERTH_EXEC_MAX_PROCESSES"),
    SESSION_MAX_PROCESSES("--session-max-processes", "BERTH_SESSION_MAX_PROCESSES"),
    SESSION_MAX_MEMORY("--session-max-memory-bytes", "BERTH_SESSION_MAX_MEMORY_BYTES"),
    SESSION_CPU_WEIGHT("--session-cpu-weight", "BERTH_SESSION_CPU_WEIGHT"),
    SESSION_MAX_CONCURRENT(
        "--session-max-concurrent-commands", "BERTH_SESSION_MAX_CONCURRENT_COMMANDS"),
    EXEC_MAX_CONCURRENT("--exec-max-concurrent-commands", "BERTH_EXEC_MAX_CONCURRENT_COMMANDS"),
    DISK_QUOTA("--session-disk-quota-bytes", "BERTH_SESSION_DISK_QUOTA_BYTES"),
    DISK_MECHANISM("--session-disk-mechanism", "BERTH_SESSION_DISK_MECHANISM"),
    MAX_INODES("--session-max-inodes", "BERTH_SESSION_MAX_INODES"),
    MAX_CONNECTIONS("--max-connections", "BERTH_MAX_CONNECTIONS"),
    GITHUB_URL("--github-url", "BERTH_GITHUB_URL"),
    REPOSITORY_MAX_BYTES("--repository-max-bytes", "BERTH_REPOSITORY_MAX_BYTES"),
    REPOSITORY_CLONE_TIMEOUT("--repository-clone-timeout-ms", "BERTH_REPOSITORY_CLONE_TIMEOUT_MS"),
    REPOSITORY_WAIT("--repository-wait-ms", "BERTH_REPOSITORY_WAIT_MS"),
    REPOSITORY_CHECKOUT("--repository-checkout", "BERTH_REPOSITORY_CHECKOUT"),
    SECRETS_KEY_FILE("--secrets-key-file", "BERTH_SECRETS_KEY_FILE"),
    METRICS_PUBLIC("--metrics-public", "BERTH_METRICS_PUBLIC"),
    LOG_FORMAT("--log-format", "BERTH_LOG_FORMAT");

    final String flag;
    final String env;

    Setting(String flag, String env) {
      this.flag = flag;
      this.env = env;
    }

    static Optional<Setting> byFlag(String flag) {
      for (var s : values()) {
        if (s.flag.equals(flag)) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }
  }
}
