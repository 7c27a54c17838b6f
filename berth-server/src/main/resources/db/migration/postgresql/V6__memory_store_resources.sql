-- The memory store a memory_store resource mounts (NULL for other resources), in a column of its
-- own so that sessions can be listed by the stores attached to them.
ALTER TABLE session_resources ADD COLUMN memory_store_id TEXT COLLATE "C";
CREATE INDEX session_resources_by_memory_store ON session_resources (memory_store_id, session_id);
