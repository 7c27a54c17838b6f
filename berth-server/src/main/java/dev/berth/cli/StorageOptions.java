package dev.berth.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** Where Berth's metadata lives: the settings {@code serve} and {@code keys} share. */
final class StorageOptions {
  @Setting(env = "BERTH_DATA_DIR")
  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "berth-data",
      converter = Converters.FilePath.class,
      description = "Where metadata (SQLite), blobs and sandboxes live.")
  Path dataDir;

  @Setting(env = "BERTH_DATABASE_URL", secret = true, unset = "none (SQLite in the data directory)")
  @Option(
      names = "--database-url",
      paramLabel = "URL",
      converter = Converters.DatabaseUrl.class,
      description = "A jdbc:postgresql: URL: keep metadata in PostgreSQL, shared by every node.")
  @Nullable String databaseUrl;

  Optional<String> databaseUrl() {
    return Optional.ofNullable(databaseUrl);
  }
}
