package dev.berth.cli;

import dev.berth.domain.Workspaces;
import dev.berth.error.StartupFailure;
import dev.berth.model.ApiKey;
import dev.berth.store.Database;
import dev.berth.store.WorkspaceStore;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code berth keys create | list | revoke}: API keys, made and revoked in the data directory or
 * the PostgreSQL database a server uses, while it runs or not. Servers see a new key at once and
 * refuse a revoked one within a second ({@code Workspaces}). Keys are stored as hashes only: a new
 * key is printed once, and nothing else ever prints one.
 *
 * <p>A server holds no lock of its own on its data directory. On SQLite (WAL) this command reads
 * beside the server's readers and writes as a second writer: its transaction starts IMMEDIATE and
 * waits on the busy timeout while the server's writer commits, as the server's waits on it.
 */
@Command(
    name = "keys",
    synopsisSubcommandLabel = "COMMAND",
    description = {
      "Create, list and revoke API keys in the data directory or database a server uses,",
      "while it runs or not. Give the same --data-dir or --database-url as the server."
    })
final class KeysCommand implements Runnable {
  @Spec CommandSpec spec;
  @Mixin HelpOption help;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "missing COMMAND: create, list or revoke");
  }

  static CommandLine commandLine(PrintStream out, PrintStream err) {
    return new CommandLine(new KeysCommand())
        .addSubcommand(new Create(out, err))
        .addSubcommand(new ListKeys(out))
        .addSubcommand(new Revoke(err));
  }

  /** Runs {@code work} on the keys of the server's metadata, opened for this command alone. */
  static <T> T onKeys(StorageOptions storage, Function<Workspaces, T> work) {
    try (Database db = open(storage)) {
      return work.apply(new Workspaces(new WorkspaceStore(db)));
    }
  }

  /**
   * The server's database. An SQLite file must be there already: a key written into a new file in a
   * mistyped directory would be one no server ever reads.
   */
  private static Database open(StorageOptions storage) {
    Optional<String> url = storage.databaseUrl();
    if (url.isPresent()) {
      return Database.postgres(url.get());
    }
    Path file = storage.dataDir.resolve("berth.db");
    if (!Files.isRegularFile(file)) {
      throw new StartupFailure(
          "no Berth database in "
              + storage.dataDir.toAbsolutePath()
              + "; name the server's directory with --data-dir (BERTH_DATA_DIR), or its database"
              + " with --database-url (BERTH_DATABASE_URL)");
    }
    return Database.sqlite(storage.dataDir);
  }

  /** A workspace's name: text without control characters, at most 255 of them. */
  static final class WorkspaceName implements ITypeConverter<String> {
    @Override
    public String convert(String text) {
      if (text.isBlank()
          || text.codePointCount(0, text.length()) > 255
          || text.codePoints().anyMatch(Character::isISOControl)) {
        throw new TypeConversionException(
            "must be a workspace name: 1 to 255 characters, no control characters");
      }
      return text;
    }
  }

  @Command(
      name = "create",
      description = {
        "Make a new API key for a workspace (created if missing) and print it once on",
        "standard output; its id goes to standard error. It works at once on every server."
      })
  static final class Create implements Callable<Integer> {
    @Mixin HelpOption help;
    @Mixin StorageOptions storage;

    @Option(
        names = "--workspace",
        paramLabel = "NAME",
        defaultValue = "default",
        converter = WorkspaceName.class,
        description = {"The workspace the key opens.", "Default: ${DEFAULT-VALUE}"})
    String workspace;

    private final PrintStream out;
    private final PrintStream err;

    Create(PrintStream out, PrintStream err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() {
      Workspaces.NewKey key = onKeys(storage, keys -> keys.createKey(workspace));
      out.println(key.key());
      err.printf(
          "Created API key %s for workspace '%s'; it is shown only this once.%n",
          key.id(), workspace);
      return 0;
    }
  }

  @Command(
      name = "list",
      description = {
        "List every key: id, workspace, when it was created and when it was revoked.",
        "Secrets are never shown: Berth keeps only their hashes."
      })
  static final class ListKeys implements Callable<Integer> {
    @Mixin HelpOption help;
    @Mixin StorageOptions storage;

    private final PrintStream out;

    ListKeys(PrintStream out) {
      this.out = out;
    }

    @Override
    public Integer call() {
      List<ApiKey> keys = onKeys(storage, Workspaces::listKeys);
      int idWidth = "ID".length();
      int workspaceWidth = "WORKSPACE".length();
      int createdWidth = "CREATED".length();
      for (ApiKey key : keys) {
        idWidth = Math.max(idWidth, key.id().length());
        workspaceWidth = Math.max(workspaceWidth, key.workspace().length());
        createdWidth = Math.max(createdWidth, key.createdAt().length());
      }
      String row = "%-" + idWidth + "s  %-" + workspaceWidth + "s  %-" + createdWidth + "s  %s%n";
      out.printf(row, "ID", "WORKSPACE", "CREATED", "REVOKED");
      for (ApiKey key : keys) {
        out.printf(row, key.id(), key.workspace(), key.createdAt(), key.revokedAt().orElse("-"));
      }
      return 0;
    }
  }

  @Command(
      name = "revoke",
      description = {
        "Revoke a key: every server answers it 401 within a second. It stays listed.",
        "Revoking the last key locks every client out until 'berth keys create'."
      })
  static final class Revoke implements Callable<Integer> {
    @Mixin HelpOption help;
    @Mixin StorageOptions storage;

    @Parameters(paramLabel = "ID", description = "The key's id (apikey_…), as 'keys list' shows.")
    String id;

    private final PrintStream err;

    Revoke(PrintStream err) {
      this.err = err;
    }

    @Override
    public Integer call() {
      record Outcome(Optional<ApiKey> key, long active) {}
      Outcome outcome = onKeys(storage, keys -> new Outcome(keys.revokeKey(id), keys.activeKeys()));
      if (outcome.key().isEmpty()) {
        err.println("berth: no API key " + id + "; 'berth keys list' shows the keys");
        return Cli.FAILED;
      }
      ApiKey key = outcome.key().get();
      err.printf(
          "%s (workspace '%s') is revoked since %s; every server refuses it within a second.%n",
          id, key.workspace(), key.revokedAt().orElseThrow());
      if (outcome.active() == 0) {
        err.println(
            "No key is left: every request gets 401 until 'berth keys create' makes one."
                + " Restarting Berth does not make one.");
      }
      return 0;
    }
  }
}
