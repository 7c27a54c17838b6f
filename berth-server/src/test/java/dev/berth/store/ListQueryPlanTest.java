package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.model.PageRequest;
import dev.berth.model.SessionFilter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pages of {@code GET /v1/files} and {@code GET /v1/sessions} are each one range of an index,
 * read in the list's order from the cursor on, on the embedded default: SQLite's plan for the very
 * query the store runs is a search of an index bound by the workspace and every equality the filter
 * has, with no scan of the table and no sort of its own ({@code USE TEMP B-TREE}). So a page costs
 * the same in a workspace of a thousand rows and of a million (BENCHMARKS.md, "Flat costs").
 */
class ListQueryPlanTest {
  private static final String WORKSPACE = "wrkspc_01plan";
  private static final PageRequest FIRST = PageRequest.first(20);
  private static final PageRequest AFTER = new PageRequest(20, Optional.of("x"), false);
  private static final PageRequest BEFORE = new PageRequest(20, Optional.of("x"), true);

  @TempDir Path dataDir;
  private Database db;

  @BeforeEach
  void open() {
    db = Database.sqlite(dataDir);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aPageOfWorkspaceFilesIsOneRangeOfTheScopeIndexFromTheCursorOn() {
    Optional<String> workspaceLevel = Optional.empty();
    assertThat(plan(FileStore.listQuery(WORKSPACE, workspaceLevel, FIRST)))
        .containsExactly(
            "SEARCH files USING INDEX files_by_scope (workspace_id=? AND scope_session_id=?)");
    assertThat(plan(FileStore.listQuery(WORKSPACE, workspaceLevel, AFTER)))
        .containsExactly(
            "SEARCH files USING INDEX files_by_scope"
                + " (workspace_id=? AND scope_session_id=? AND id<?)");
    assertThat(plan(FileStore.listQuery(WORKSPACE, workspaceLevel, BEFORE)))
        .containsExactly(
            "SEARCH files USING INDEX files_by_scope"
                + " (workspace_id=? AND scope_session_id=? AND id>?)");
  }

  @Test
  void aPageOfOneSessionsFilesIsOneRangeOfTheScopeIndexFromTheCursorOn() {
    assertThat(plan(FileStore.listQuery(WORKSPACE, Optional.of("sesn_01x"), AFTER)))
        .containsExactly(
            "SEARCH files USING INDEX files_by_scope"
                + " (workspace_id=? AND scope_session_id=? AND id<?)");
  }

  @Test
  void aPageOfSessionsIsOneRangeOfTheWorkspaceIndexInEitherOrder() {
    assertThat(plan(SessionStore.listQuery(WORKSPACE, filter(Optional.empty(), true), FIRST)))
        .containsExactly("SEARCH sessions USING INDEX sessions_by_workspace (workspace_id=?)");
    assertThat(plan(SessionStore.listQuery(WORKSPACE, filter(Optional.empty(), true), AFTER)))
        .containsExactly(
            "SEARCH sessions USING INDEX sessions_by_workspace (workspace_id=? AND id<?)");
    assertThat(plan(SessionStore.listQuery(WORKSPACE, filter(Optional.empty(), false), BEFORE)))
        .containsExactly(
            "SEARCH sessions USING INDEX sessions_by_workspace (workspace_id=? AND id<?)");
  }

  @Test
  void aPageOfOneAgentsSessionsIsOneRangeOfTheAgentIndexNotAWalkOfTheWorkspace() {
    assertThat(
            plan(SessionStore.listQuery(WORKSPACE, filter(Optional.of("agent_01x"), true), FIRST)))
        .containsExactly(
            "SEARCH sessions USING INDEX sessions_by_agent (workspace_id=? AND agent_id=?)");
    assertThat(
            plan(SessionStore.listQuery(WORKSPACE, filter(Optional.of("agent_01x"), false), AFTER)))
        .containsExactly(
            "SEARCH sessions USING INDEX sessions_by_agent"
                + " (workspace_id=? AND agent_id=? AND id>?)");
  }

  @Test
  void aPageOfTheSessionsOfAMemoryStoreReadsItsResourcesAndThoseSessionsOnly() {
    var f =
        new SessionFilter(
            false,
            Optional.empty(),
            Optional.empty(),
            Optional.of("memstore_01x"),
            List.of(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            true,
            false);
    assertThat(plan(SessionStore.listQuery(WORKSPACE, f, AFTER)))
        .containsExactly(
            "SEARCH sessions USING INDEX sessions_by_workspace (workspace_id=? AND id=?)",
            "LIST SUBQUERY 1",
            "SEARCH session_resources USING INDEX session_resources_by_memory_store"
                + " (memory_store_id=?)");
  }

  private static SessionFilter filter(Optional<String> agentId, boolean descending) {
    return new SessionFilter(
        false,
        agentId,
        Optional.empty(),
        Optional.empty(),
        List.of(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        descending,
        false);
  }

  /** The details of SQLite's plan for the query with its values bound, in the order shown. */
  private List<String> plan(Keyset.Query query) {
    return db.read(
        tx ->
            Jdbc.on(
                tx,
                c -> {
                  try (var st = c.prepareStatement("EXPLAIN QUERY PLAN " + query.sql())) {
                    for (int i = 0; i < query.params().size(); i++) {
                      st.setObject(i + 1, query.params().get(i));
                    }
                    List<String> details = new ArrayList<>();
                    try (var rs = st.executeQuery()) {
                      while (rs.next()) {
                        details.add(rs.getString("detail"));
                      }
                    }
                    return details;
                  }
                }));
  }
}
