-- The file and memory-store indexes of session_resources hold only the rows that have such a
-- value: adding a file resource no longer writes to the memory-store index, nor a repository or a
-- memory store to the file one. Their queries ask for an equality, which the planner knows implies
-- IS NOT NULL. (SQLite's V9 also stores files and session_resources in their primary keys; a
-- PostgreSQL table is a heap beside its indexes either way, so that part is SQLite's alone.)
DROP INDEX session_resources_by_file;
CREATE INDEX session_resources_by_file ON session_resources (file_id) WHERE file_id IS NOT NULL;
DROP INDEX session_resources_by_memory_store;
CREATE INDEX session_resources_by_memory_store ON session_resources (memory_store_id, session_id)
  WHERE memory_store_id IS NOT NULL;
