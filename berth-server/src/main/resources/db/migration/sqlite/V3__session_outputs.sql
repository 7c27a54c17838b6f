-- What a session's agent wrote under /mnt/session/outputs, as the output catalogue last saw it:
-- one row per regular file, keyed by its path relative to outputs, so a path keeps its file id
-- while it exists. size, mtime and inode tell an unchanged file from a changed one without
-- reading it. file_id is NULL once the file record was deleted through the Files API: the path
-- stays dismissed until the agent changes the file.
CREATE TABLE session_outputs (
  session_id TEXT NOT NULL REFERENCES sessions (id),
  path       TEXT NOT NULL,
  file_id    TEXT UNIQUE REFERENCES files (id),
  size_bytes INTEGER NOT NULL,
  mtime_ns   INTEGER NOT NULL,
  inode      TEXT NOT NULL,
  PRIMARY KEY (session_id, path)
);
