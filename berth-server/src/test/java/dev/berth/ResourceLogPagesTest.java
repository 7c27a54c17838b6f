package dev.berth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.berth.testing.Fixtures;
import dev.berth.testing.TestServer;
import dev.berth.testing.TestStores;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On the embedded default, adding a file resource and deleting it each write six pages to SQLite's
 * write-ahead log, which its commit then writes out: the session's copy of the file (the files
 * table and its scope and blob indexes), the session's file count, and the resource (the
 * session_resources table and its mount-path index). The tables are stored in their primary keys,
 * resources are found by file within their session, and the memory-store index holds no file
 * resource (migration V9); before, each took 11.
 *
 * <p>Pages are counted, not timed: a reader holding a snapshot keeps the log from starting over, so
 * its frame count only grows, and a passive checkpoint reports it.
 */
class ResourceLogPagesTest {
  private TestServer server;
  private Connection snapshot;
  private Connection counter;

  @BeforeEach
  void start() throws SQLException {
    assumeFalse(TestStores.sharedBackend(), "SQLite's log; PostgreSQL has its own");
    server = TestServer.start();
    snapshot = server.metadata();
    counter = server.metadata();
  }

  @AfterEach
  void stop() throws SQLException {
    if (server != null) {
      snapshot.close();
      counter.close();
      server.close();
    }
  }

  @Test
  void addingAFileResourceAndDeletingItEachWriteSixPagesToTheLog() throws SQLException {
    String session = Fixtures.session(server.http());
    String file = Fixtures.upload(server.http(), "notes.txt", "hello");
    pinTheLog();

    long before = frames();
    var added =
        server
            .http()
            .post(
                "/v1/sessions/" + session + "/resources",
                "{\"type\":\"file\",\"file_id\":\"" + file + "\"}");
    assertThat(added.status()).as("%s", added.json()).isEqualTo(200);
    long afterAdd = frames();
    var deleted =
        server
            .http()
            .delete("/v1/sessions/" + session + "/resources/" + added.json().get("id").asText());
    assertThat(deleted.status()).as("%s", deleted.json()).isEqualTo(200);
    long afterDelete = frames();

    assertThat(afterAdd - before).as("pages the add wrote").isEqualTo(6);
    assertThat(afterDelete - afterAdd).as("pages the delete wrote").isEqualTo(6);
  }

  /** Opens a read transaction that sees the database as it is now, and keeps it open. */
  private void pinTheLog() throws SQLException {
    snapshot.setAutoCommit(false);
    try (var st = snapshot.createStatement();
        var rs = st.executeQuery("SELECT COUNT(*) FROM sessions")) {
      assertThat(rs.next()).isTrue();
    }
  }

  /** The frames in the log: the second column of a passive checkpoint's answer. */
  private long frames() throws SQLException {
    try (var st = counter.createStatement();
        var rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      assertThat(rs.next()).isTrue();
      return rs.getLong(2);
    }
  }
}
