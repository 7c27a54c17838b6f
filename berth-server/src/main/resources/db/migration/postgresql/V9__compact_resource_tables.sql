-- session_resources_by_file goes: its one query, whether a session's copy of a file is mounted,
-- names the copy's session and searches that session's resources (session_resources_by_session).
-- The memory-store index holds only the rows that have a store, so adding a file resource no longer
-- writes to it. Its query asks for an equality, which the planner knows implies IS NOT NULL.
-- (SQLite's V9 also stores files and session_resources in their primary keys; a PostgreSQL table
-- is a heap beside its indexes either way, so that part is SQLite's alone.)
DROP INDEX session_resources_by_file;
DROP INDEX session_resources_by_memory_store;
CREATE INDEX session_resources_by_memory_store ON session_resources (memory_store_id, session_id)
  WHERE memory_store_id IS NOT NULL;
