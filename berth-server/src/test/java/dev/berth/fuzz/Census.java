package dev.berth.fuzz;

import dev.berth.testing.TestServer;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a server stores, read from its metadata store and blob store: every row of the tables that
 * hold files, sessions, resources, outputs, agents, environments and memory stores with their
 * memories and versions (of every workspace), and the digests of the stored blobs. Two censuses
 * taken around a rejected request must hold the same rows; blobs may only go (a deleted file's blob
 * is collected a moment after its delete was answered), never come.
 *
 * @param rows table → each row, its columns joined
 * @param blobs the blob store's digests
 */
record Census(Map<String, Set<String>> rows, Set<String> blobs) {
  private static final List<String> TABLES =
      List.of(
          "files",
          "sessions",
          "session_resources",
          "session_outputs",
          "agents",
          "agent_versions",
          "environments",
          "memory_stores",
          "memories",
          "memory_versions");

  /** Reads the rows through {@code metadata}, a connection to {@code server}'s metadata store. */
  static Census take(TestServer server, Connection metadata) throws IOException, SQLException {
    Map<String, Set<String>> rows = new TreeMap<>();
    try (var statement = metadata.createStatement()) {
      for (String table : TABLES) {
        Set<String> all = new TreeSet<>();
        try (ResultSet r = statement.executeQuery("SELECT * FROM " + table)) {
          int columns = r.getMetaData().getColumnCount();
          while (r.next()) {
            var row = new StringBuilder();
            for (int i = 1; i <= columns; i++) {
              row.append(i > 1 ? " | " : "").append(r.getString(i));
            }
            all.add(row.toString());
          }
        }
        rows.put(table, all);
      }
    }
    return new Census(rows, new TreeSet<>(server.blobs().digests()));
  }

  /** The rows {@code after} added or dropped, and the blobs it added; empty if none. */
  String differences(Census after) {
    var out = new StringBuilder();
    rows.forEach(
        (table, before) -> {
          Set<String> now = after.rows.getOrDefault(table, Set.of());
          Set<String> added = new TreeSet<>(now);
          added.removeAll(before);
          Set<String> dropped = new TreeSet<>(before);
          dropped.removeAll(now);
          if (!added.isEmpty() || !dropped.isEmpty()) {
            out.append(table).append(": added ").append(added).append(", dropped ");
            out.append(dropped).append('\n');
          }
        });
    Set<String> newBlobs = new TreeSet<>(after.blobs);
    newBlobs.removeAll(blobs);
    if (!newBlobs.isEmpty()) {
      out.append("new blobs: ").append(newBlobs).append('\n');
    }
    return out.toString();
  }
}
