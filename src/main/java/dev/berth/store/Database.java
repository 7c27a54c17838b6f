package dev.berth.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * can lose the last transactions. All writes go through one writer thread ({@link GroupCommit});
 * its transactions start {@code IMMEDIATE}, so a writer from outside the server (a {@code sqlite3}
 * shell, say) makes it wait on the busy timeout rather than fail halfway.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);
  private final HikariDataSource pool;
  private final GroupCommit writer;
  private final ScheduledExecutorService checkpointer =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("berth-wal-checkpoint").daemon().unstarted(r));

  private Database(HikariDataSource pool, String migrations) {
    this.pool = pool;
    Flyway.configure()
        .dataSource(pool)
        .locations(migrations)
        .failOnMissingLocations(true)
        .load()
        .migrate();
    this.writer = new GroupCommit(pool);
  }

  /** The embedded default: one SQLite file under {@code dataDir}. */
  public static Database sqlite(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create data directory " + dataDir + ": " + e, e);
    }
    var sqlite = new SQLiteConfig();
    sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
    sqlite.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    sqlite.setBusyTimeout(30_000);
    sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    sqlite.enforceForeignKeys(true);
    var source = new SQLiteDataSource(sqlite);
    source.setUrl("jdbc:sqlite:" + dataDir.resolve("berth.db").toAbsolutePath());
    var hikari = new HikariConfig();
    hikari.setDataSource(source);
    hikari.setPoolName("berth-sqlite");
    hikari.setMaximumPoolSize(8);
    hikari.setConnectionTimeout(30_000);
    // Checkpoints copy the WAL back into the database and fsync it; done by a committing writer
    // they stall every writer queued behind it. A background thread checkpoints every second, so
    // SQLite's own automatic checkpoint (kept as the bound on the WAL's size) rarely has work.
    var db = new Database(new HikariDataSource(hikari), "classpath:db/migration/sqlite");
    db.checkpointer.scheduleWithFixedDelay(db::checkpoint, 1, 1, TimeUnit.SECONDS);
    return db;
  }

  /**
   * Runs {@code work} in one transaction and commits it, or rolls it back if it throws. SQLite has
   * one writer at a time: writes are queued, in order, to a single writer thread that commits what
   * has queued up together ({@link GroupCommit}), rather than polling the database's busy handler.
   */
  public <T> T write(SqlWork<T> work) {
    return writer.write(work);
  }

  /** Runs {@code work} on a connection in auto-commit mode. */
  public <T> T read(SqlWork<T> work) {
    try (Connection c = pool.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  /** True when {@code e} reports a broken UNIQUE or PRIMARY KEY constraint. */
  public static boolean isUniqueViolation(SQLException e) {
    String state = e.getSQLState();
    String message = String.valueOf(e.getMessage());
    return "23505".equals(state)
        || message.contains("SQLITE_CONSTRAINT_UNIQUE")
        || message.contains("SQLITE_CONSTRAINT_PRIMARYKEY");
  }

  private static RuntimeException unavailable(SQLException e) {
    return new StoreFailure("metadata store failed: " + e.getMessage(), e);
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
    writer.close();
    checkpointer.shutdownNow();
    pool.close();
  }

  /** Work done with a JDBC connection. */
  @FunctionalInterface
  public interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  /** A database failure that is not the client's fault; answered as a 5xx. */
  public static final class StoreFailure extends RuntimeException {
    StoreFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
