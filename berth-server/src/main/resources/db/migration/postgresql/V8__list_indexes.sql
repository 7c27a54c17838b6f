-- Indexes that keep a list page one range of an index, whatever the size of the workspace.
--
-- GET /v1/sessions?agent_id= pages through this one in id order, as the unfiltered list pages
-- through sessions_by_workspace, rather than reading the workspace's sessions newest first until a
-- page of the agent's turns up: a cost that grew with the workspace, all of it for an agent with
-- few sessions.
CREATE INDEX sessions_by_agent ON sessions (workspace_id, agent_id, id);

-- GET /v1/files lists the workspace-level files (scope_session_id IS NULL). PostgreSQL does not read
-- files_by_scope in id order under IS NULL, as it does under an equality: it read every such file
-- of the workspace and sorted them for each page, or walked the primary key through the files of
-- every workspace. This index holds those files only, in id order.
CREATE INDEX files_of_workspace ON files (workspace_id, id) WHERE scope_session_id IS NULL;
