package dev.berth.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Session leases in PostgreSQL: which node's sandbox host holds each session, until when. Times are
 * the database's ({@code now()}), so the nodes' clocks never have to agree. Only a shared database
 * has leases; on SQLite the one node holds every session.
 */
public final class LeaseStore {
  /** The channel on which a change to a session's records is announced to its holder. */
  public static final String CHANNEL = "berth_sessions";

  private static final String EXPIRY = "now() + make_interval(secs => ?)";

  private final Database db;

  public LeaseStore(Database db) {
    this.db = db;
  }

  /** Records, in the transaction creating the session, that {@code nodeId} holds it. */
  public static void claimNew(Tx tx, String sessionId, String nodeId, int seconds) {
    Sql.update(
        tx,
        "INSERT INTO session_leases (session_id, node_id, expires_at) VALUES (?, ?, "
            + EXPIRY
            + ")",
        sessionId,
        nodeId,
        seconds);
  }

  /**
   * Extends every lease {@code nodeId} holds, expired or not, as long as no other node has taken
   * it; returns the sessions it holds now.
   */
  public Set<String> renew(String nodeId, int seconds) {
    return db.read(
        tx ->
            new HashSet<>(
                Sql.list(
                    tx,
                    "UPDATE session_leases SET expires_at = "
                        + EXPIRY
                        + " WHERE node_id = ? RETURNING session_id",
                    List.of(seconds, nodeId),
                    rs -> rs.getString(1))));
  }

  /**
   * Takes up to {@code limit} leases that expired, for {@code nodeId}. Rows another node is taking
   * at the same moment are skipped rather than waited for ({@code SKIP LOCKED}), so each expired
   * lease goes to exactly one node.
   */
  public List<String> takeExpired(String nodeId, int seconds, int limit) {
    return db.read(
        tx ->
            Sql.list(
                tx,
                "WITH free AS (SELECT session_id FROM session_leases WHERE expires_at < now()"
                    + " ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED)"
                    + " UPDATE session_leases l SET node_id = ?, expires_at = "
                    + EXPIRY
                    + " FROM free WHERE l.session_id = free.session_id RETURNING l.session_id",
                List.of(limit, nodeId, seconds),
                rs -> rs.getString(1)));
  }

  /** The node holding the session's lease; empty when the session is gone. */
  public Optional<String> holder(String sessionId) {
    return db.read(
        tx ->
            Sql.one(
                tx,
                "SELECT node_id FROM session_leases WHERE session_id = ?",
                List.of(sessionId),
                rs -> rs.getString(1)));
  }

  /** Lets every lease of {@code nodeId} expire now, so other nodes take its sessions at once. */
  public void release(String nodeId) {
    db.read(
        tx ->
            Sql.update(
                tx, "UPDATE session_leases SET expires_at = now() WHERE node_id = ?", nodeId));
  }

  /** Tells the holder of a session that its records changed; delivered once this commits. */
  public void announce(String sessionId) {
    db.read(
        tx ->
            Sql.one(tx, "SELECT pg_notify(?, ?)", List.of(CHANNEL, sessionId), rs -> Boolean.TRUE));
  }

  /** Starts listening for announcements on a connection of its own, outside the pool. */
  public Listener listen() {
    try {
      Connection c = java.sql.DriverManager.getConnection(db.sharedUrl());
      try (var st = c.createStatement()) {
        st.execute("LISTEN " + CHANNEL);
      } catch (SQLException e) {
        c.close();
        throw e;
      }
      return new Listener(c);
    } catch (SQLException e) {
      throw SqlFailures.classify(e);
    }
  }

  /** Announcements of changed sessions, as they arrive. */
  public static final class Listener implements AutoCloseable {
    private final Connection connection;

    private Listener(Connection connection) {
      this.connection = connection;
    }

    /** The sessions announced since the last call, waiting up to {@code millis} for one. */
    public List<String> poll(int millis) {
      try {
        PGNotification[] arrived = connection.unwrap(PGConnection.class).getNotifications(millis);
        if (arrived == null) {
          return List.of();
        }
        return java.util.Arrays.stream(arrived).map(PGNotification::getParameter).toList();
      } catch (SQLException e) {
        throw SqlFailures.classify(e);
      }
    }

    @Override
    public void close() {
      try {
        connection.close();
      } catch (SQLException e) {
        // the connection is broken already, which is why it is closed
      }
    }
  }
}
