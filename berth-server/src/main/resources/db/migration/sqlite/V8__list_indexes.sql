-- Indexes that keep a list page one range of an index, whatever the size of the workspace.
--
-- GET /v1/sessions?agent_id= pages through this one in id order, as the unfiltered list pages
-- through sessions_by_workspace, rather than reading the workspace's sessions newest first until a
-- page of the agent's turns up: a cost that grew with the workspace, all of it for an agent with
-- few sessions. (The workspace-level files need nothing more here: SQLite reads files_by_scope
-- with scope_session_id IS NULL as an equality, in id order.)
CREATE INDEX sessions_by_agent ON sessions (workspace_id, agent_id, id);
