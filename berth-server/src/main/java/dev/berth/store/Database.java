package dev.berth.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.berth.config.BerthConfig;
import dev.berth.error.StartupFailure;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The metadata database: a pooled connection source, the versioned schema (Flyway), and
 * transactions. Stores run their SQL inside {@link #write} or {@link #read}; a write commits before
 * it returns, so an acknowledged change is in the database before the client hears of it.
 *
 * <p>SQLite runs in WAL mode with {@code synchronous=NORMAL}: a commit survives the process being
 * killed at any point (the WAL is written before commit returns); only an operating-system crash
 * can lose the last transactions. With {@code secure_delete} on, what a change removes or
 * overwrites (a redacted memory version's content, say) is overwritten with zeros in the database
 * file rather than left in free space; {@link #truncateLogSoon} clears the log of it too. All
 * writes go through one writer thread ({@link GroupCommit}); its transactions start {@code
 * IMMEDIATE}, so a writer from outside the server (a {@code sqlite3} shell, say) makes it wait on
 * the busy timeout rather than fail halfway.
 *
 * <p>PostgreSQL serves several nodes at once, so nothing here may rely on one process: each write
 * is a transaction of its own on the caller's thread, and the rules hold through constraints,
 * conditional updates and row locks ({@link Sql#forUpdate}), which make racing nodes get the same
 * outcomes as racing requests on one node. When the database cannot be reached a request fails
 * within {@link #POSTGRES_WAIT_MILLIS} (a 503 the client may retry) and the pool reconnects by
 * itself when it is back.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  /** How long a request waits for a PostgreSQL connection before it is answered 503. */
  static final int POSTGRES_WAIT_MILLIS = 3_000;

  /**
   * The advisory lock space of {@link #exclusively}, so other users of the database never clash.
   */
  private static final int LOCK_SPACE = 0x62657274; // "bert"

  private static final int STRIPES = 64;

  /**
   * How many pages SQLite's write-ahead log may hold before a commit folds it back into the
   * database itself (its automatic checkpoint, 1,000 pages by default): 64 MiB of log. That
   * checkpoint runs in the connection that just committed, inside a request, and flushes the log
   * and the database to disk. At the default bound one client's resource adds and deletes reached
   * it about eight times a second, so requests did the checkpointing that the background pass
   * ({@link #checkpoint}, every second) is there to do. At this bound the background pass does it
   * at one client, and under the heaviest load measured requests meet the bound a few times a
   * second instead of dozens (BENCHMARKS.md, "The log's checkpoints off the request path").
   */
  static final int LOG_PAGES_BEFORE_CHECKPOINT = 16_384;

  /** How many connections SQLite's pool holds, for reads and writes alike. */
  static final int SQLITE_CONNECTIONS = 8;

  /**
   * The last migration script, the same on both backends ({@code db/migration/*}); a new script
   * moves this with it, which {@code SchemaCurrentTest} checks.
   */
  static final String LATEST_MIGRATION = "V9__compact_resource_tables.sql";

  private final HikariDataSource pool;
  private final GroupCommit writer; // SQLite's; null for PostgreSQL
  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
  private final String postgresUrl;
  private final ScheduledExecutorService checkpointer =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("berth-wal-checkpoint").daemon().unstarted(r));

  private Database(HikariDataSource pool, String migrations, String postgresUrl) {
    this.pool = pool;
    this.postgresUrl = postgresUrl;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
    if (!schemaCurrent(pool)) {
      Flyway.configure()
          .dataSource(pool)
          .locations(migrations)
          .callbacks(new RenumberedMigrations())
          .failOnMissingLocations(true)
          .load()
          .migrate();
    }
    this.writer = postgresUrl == null ? new GroupCommit(pool) : null;
  }

  /**
   * Whether the schema history ends with {@link #LATEST_MIGRATION}, applied, and holds no failed
   * migration: then there is nothing for Flyway to do, and starting it (a scan of the jar for
   * scripts, and a validation of every applied one against them) was a quarter of the server's
   * start. Anything else, a new or older database, a failed or a newer migration, or a history that
   * cannot be read, goes to Flyway as before. Migrations apply in order, so the last one applied
   * means every earlier one was.
   */
  static boolean schemaCurrent(DataSource pool) {
    try (Connection c = pool.getConnection();
        var history =
            c.prepareStatement(
                "SELECT (SELECT script FROM flyway_schema_history WHERE success"
                    + " ORDER BY installed_rank DESC LIMIT 1),"
                    + " (SELECT COUNT(*) FROM flyway_schema_history WHERE NOT success)");
        var row = history.executeQuery()) {
      return row.next() && LATEST_MIGRATION.equals(row.getString(1)) && row.getLong(2) == 0;
    } catch (SQLException noHistoryYet) {
      return false;
    }
  }

  /** PostgreSQL when the configuration names a database URL, else SQLite in the data directory. */
  public static Database open(BerthConfig config) {
    return config
        .shared()
        .databaseUrl()
        .map(Database::postgres)
        .orElseGet(() -> sqlite(config.dataDir()));
  }

  /** A PostgreSQL database shared by every node; its schema is migrated by the first to start. */
  public static Database postgres(String jdbcUrl) {
    var hikari = new HikariConfig();
    hikari.setJdbcUrl(jdbcUrl);
    hikari.setPoolName("berth-postgresql");
    hikari.setMaximumPoolSize(16);
    hikari.setConnectionTimeout(POSTGRES_WAIT_MILLIS);
    // Without these a connection to a database that vanished mid-query waits forever; the URL can
    // still set its own values.
    hikari.addDataSourceProperty("connectTimeout", "3");
    hikari.addDataSourceProperty("socketTimeout", "30");
    hikari.addDataSourceProperty("tcpKeepAlive", "true");
    hikari.addDataSourceProperty("ApplicationName", "berth");
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(hikari);
    } catch (RuntimeException e) { // HikariCP's PoolInitializationException
      throw new StartupFailure(
          "cannot connect to the database at "
              + withoutCredentials(jdbcUrl)
              + " ("
              + firstLine(e)
              + "); check --database-url (BERTH_DATABASE_URL) and that PostgreSQL is up",
          e);
    }
    return new Database(pool, "classpath:db/migration/postgresql", jdbcUrl);
  }

  /** The URL without its query and user, where a password would be. */
  static String withoutCredentials(String jdbcUrl) {
    String url = jdbcUrl.replaceFirst("\\?.*$", "");
    return url.replaceFirst("//[^/@]*@", "//");
  }

  /** What the driver said at the bottom of {@code e}, in one line. */
  private static String firstLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String message = root.getMessage() != null ? root.getMessage() : root.toString();
    return message.lines().findFirst().orElse(message).strip();
  }

  /** The embedded default: one SQLite file under {@code dataDir}. */
  public static Database sqlite(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create data directory " + dataDir + ": " + e, e);
    }
    SqliteLibrary.useCopyIn(dataDir);
    var sqlite = new SQLiteConfig();
    sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
    sqlite.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    sqlite.setBusyTimeout(30_000);
    sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    sqlite.enforceForeignKeys(true);
    sqlite.setPragma(SQLiteConfig.Pragma.SECURE_DELETE, "true");
    sqlite.setPragma(
        SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, Integer.toString(LOG_PAGES_BEFORE_CHECKPOINT));
    // Otherwise the driver follows every INSERT with a query for the new row's key, prepared anew
    // each time: a tenth of a resource add's CPU time, for keys nothing asks for (ids are made
    // here).
    sqlite.setGetGeneratedKeys(false);
    var source = new SQLiteDataSource(sqlite);
    source.setUrl("jdbc:sqlite:" + dataDir.resolve("berth.db").toAbsolutePath());
    var hikari = new HikariConfig();
    hikari.setDataSource(source);
    hikari.setPoolName("berth-sqlite");
    hikari.setMaximumPoolSize(SQLITE_CONNECTIONS);
    hikari.setConnectionTimeout(30_000);
    // Checkpoints copy the WAL back into the database and fsync it; done by a committing writer
    // they stall every writer queued behind it. A background thread checkpoints every second, so
    // SQLite's own automatic checkpoint (kept as the bound on the WAL's size, set high enough for
    // that: LOG_PAGES_BEFORE_CHECKPOINT) rarely has work.
    var db = new Database(new HikariDataSource(hikari), "classpath:db/migration/sqlite", null);
    // checkpoint() logs its own failures and close() stops the thread: nothing waits on this.
    var unused = db.checkpointer.scheduleWithFixedDelay(db::checkpoint, 1, 1, TimeUnit.SECONDS);
    return db;
  }

  /**
   * Runs {@code work} in one transaction and commits it, or rolls it back if it throws. SQLite has
   * one writer at a time: writes are queued, in order, to a single writer thread that commits what
   * has queued up together ({@link GroupCommit}), rather than polling the database's busy handler.
   * PostgreSQL has many writers, so each runs its own transaction.
   */
  public <T> T write(Work<T> work) {
    return writer != null ? writer.write(work) : transaction(work);
  }

  /**
   * A write's result and its place in the order this server's writes take effect in: of two writes,
   * the one with the higher sequence took effect later. PostgreSQL, written by several nodes at
   * once, has no such order here, and its sequence is -1.
   */
  public record Ordered<T>(T value, long sequence) {}

  /** {@link #write}, with the transaction's place in the order of writes. */
  public <T> Ordered<T> writeOrdered(Work<T> work) {
    return writer != null ? writer.writeOrdered(work) : new Ordered<>(transaction(work), -1);
  }

  /**
   * No write a read that has already finished could see has a later {@link Ordered#sequence} than
   * this; -1 where there is no order (PostgreSQL) or no write yet.
   */
  public long visibleSequence() {
    return writer != null ? writer.visibleUpTo() : -1;
  }

  /**
   * How many writes wait for SQLite's writer now (none wait on PostgreSQL); lets a test see that
   * writes have queued.
   */
  int queuedWrites() {
    return writer != null ? writer.queued() : 0;
  }

  /** One PostgreSQL transaction on the caller's thread. */
  private <T> T transaction(Work<T> work) {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      T result;
      try {
        result = work.run(new Tx(c, true));
        c.commit();
      } catch (SQLException | RuntimeException e) {
        // On a connection that broke, the rollback fails too; the first failure says why.
        try {
          c.rollback();
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      }
      c.setAutoCommit(true);
      return result;
    } catch (SQLException e) {
      throw SqlFailures.classify(e);
    }
  }

  /** Runs {@code work} on a connection in auto-commit mode. */
  public <T> T read(Work<T> work) {
    try (Connection c = pool.getConnection()) {
      return work.run(new Tx(c, isShared()));
    } catch (SQLException e) {
      throw SqlFailures.classify(e);
    }
  }

  /**
   * Runs a trivial query, which the database must answer within {@code timeoutSeconds} once a
   * connection is had; throws ({@link SqlFailures#classify}) when it cannot be reached or fails.
   */
  public void ping(int timeoutSeconds) {
    try (Connection c = pool.getConnection();
        var statement = c.createStatement()) {
      statement.setQueryTimeout(timeoutSeconds);
      statement.execute("SELECT 1");
    } catch (SQLException e) {
      throw SqlFailures.classify(e);
    }
  }

  /** Reports the pool's connections (in use, idle, waited for) to {@code registry}. */
  public void reportPoolTo(MeterRegistry registry) {
    pool.setMetricRegistry(registry);
  }

  /** Whether several nodes may share this database (PostgreSQL) rather than one owning it. */
  public boolean isShared() {
    return postgresUrl != null;
  }

  /** The JDBC URL of a shared database, for connections that must live outside the pool. */
  public String sharedUrl() {
    if (postgresUrl == null) {
      throw new IllegalStateException("an SQLite database is not shared");
    }
    return postgresUrl;
  }

  /**
   * Runs {@code work} while no other holder of the lock {@code name}, on this node or, with a
   * shared database, on any node, runs. With PostgreSQL that is a session advisory lock held on a
   * pooled connection; the server drops it if the connection breaks, so a dead node never keeps it.
   */
  public <T> T exclusively(String name, Supplier<T> work) {
    ReentrantLock local = stripes[Math.floorMod(name.hashCode(), STRIPES)];
    local.lock();
    try {
      if (postgresUrl == null) {
        return work.get();
      }
      try (Connection c = pool.getConnection()) {
        advisory(c, "pg_advisory_lock", name);
        try {
          return work.get();
        } finally {
          try {
            advisory(c, "pg_advisory_unlock", name);
          } catch (SQLException e) {
            log.warn("advisory unlock of {} failed; the server drops it with the connection", name);
            c.abort(Runnable::run);
          }
        }
      } catch (SQLException e) {
        throw SqlFailures.classify(e);
      }
    } finally {
      local.unlock();
    }
  }

  private static void advisory(Connection c, String function, String name) throws SQLException {
    try (var st = c.prepareStatement("SELECT " + function + "(?, ?)")) {
      st.setInt(1, LOCK_SPACE);
      st.setInt(2, name.hashCode());
      st.executeQuery().close();
    }
  }

  /** How often {@link #truncateLogSoon} tries again while readers keep the log in use. */
  private static final int TRUNCATE_ATTEMPTS = 60;

  /**
   * Soon empties SQLite's write-ahead log: once an erasure has committed, the log may still hold
   * the pages as they were before it, until they are copied back into the database and the log is
   * truncated. Done in the background, after the erasure was acknowledged; it waits for readers of
   * older snapshots, trying every second for a minute. The future completes when the log is empty
   * (at once on PostgreSQL, which has no such file of Berth's).
   */
  public CompletableFuture<Void> truncateLogSoon() {
    var done = new CompletableFuture<Void>();
    if (writer == null) {
      done.complete(null);
      return done;
    }
    truncateLog(done, TRUNCATE_ATTEMPTS);
    return done;
  }

  private void truncateLog(CompletableFuture<Void> done, int attemptsLeft) {
    try {
      var unused =
          checkpointer.schedule(
              () -> {
                try (Connection c = pool.getConnection();
                    var st = c.createStatement();
                    var rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                  if (rs.next() && rs.getInt(1) == 0) {
                    done.complete(null);
                  } else if (attemptsLeft > 1) {
                    truncateLog(done, attemptsLeft - 1);
                  } else {
                    log.warn("the write-ahead log is still in use; it is not truncated this time");
                    done.completeExceptionally(new IllegalStateException("log still in use"));
                  }
                } catch (SQLException | RuntimeException e) {
                  log.warn("truncating the write-ahead log failed: {}", e.getMessage());
                  done.completeExceptionally(e);
                }
              },
              attemptsLeft == TRUNCATE_ATTEMPTS ? 0 : 1,
              TimeUnit.SECONDS);
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(e); // closing
    }
  }

  /** Folds the WAL into the database without blocking readers or writers. */
  private void checkpoint() {
    try (Connection c = pool.getConnection();
        var st = c.createStatement()) {
      st.execute("PRAGMA wal_checkpoint(PASSIVE)");
    } catch (SQLException | RuntimeException e) {
      log.warn("WAL checkpoint failed; will retry: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    if (writer != null) {
      writer.close();
    }
    checkpointer.shutdownNow(); // idle for PostgreSQL, which checkpoints by itself
    pool.close();
  }

  /** Work done in one transaction, or on one connection in auto-commit mode. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Tx tx);
  }
}
