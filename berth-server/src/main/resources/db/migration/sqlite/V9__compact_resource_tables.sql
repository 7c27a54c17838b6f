-- Fewer pages written per resource add and delete. An add wrote 11 B-tree pages: the session's copy
-- of the file (the table, its primary-key index and two indexes), the session's file count, and the
-- resource (the table, its primary-key index and four indexes). Each changed page is a frame in the
-- write-ahead log, and the commit writes them all.
--
-- * files and session_resources become WITHOUT ROWID tables, each stored in its primary key, so the
--   separate primary-key index goes.
-- * session_resources is keyed by (session_id, id): every read of a resource names its session, and
--   a session's resources in id order are one range of that key, which takes the place of
--   session_resources_by_session. Ids are made unique where they are made.
-- * session_resources_by_file goes: its one query, whether a session's copy of a file is mounted,
--   names the copy's session and searches that session's resources in the primary key.
-- * The memory-store index holds only the rows that have a store: a file resource never writes it.
--   Its query asks for an equality, which SQLite knows implies IS NOT NULL.
--
-- That is 6 pages per add of a file resource instead of 11.
--
-- SQLite rebuilds a table by copying it: the rows are kept aside in plain copies, the tables dropped
-- and made anew, and the rows put back. session_outputs references files, so it is rebuilt with it
-- (unchanged), children dropped before their parent and filled after it: every foreign key is still
-- checked, row by row, inside this migration's one transaction.

CREATE TABLE files_kept AS SELECT * FROM files;
CREATE TABLE session_outputs_kept AS SELECT * FROM session_outputs;
CREATE TABLE session_resources_kept AS SELECT * FROM session_resources;

DROP TABLE session_outputs;
DROP TABLE session_resources;
DROP TABLE files;

CREATE TABLE files (
  id               TEXT PRIMARY KEY,
  workspace_id     TEXT NOT NULL REFERENCES workspaces (id),
  filename         TEXT NOT NULL,
  mime_type        TEXT NOT NULL,
  size_bytes       INTEGER NOT NULL,
  sha256           TEXT NOT NULL,           -- the blob holding the bytes
  downloadable     INTEGER NOT NULL,
  scope_session_id TEXT,                    -- set for session-scoped copies and outputs
  source_file_id   TEXT,                    -- the original a session copy was made from
  created_at       TEXT NOT NULL,
  expires_at       TEXT
) WITHOUT ROWID;
CREATE INDEX files_by_scope ON files (workspace_id, scope_session_id, id);
CREATE INDEX files_by_blob ON files (sha256);

-- What a session's agent wrote under /mnt/session/outputs (V3, unchanged).
CREATE TABLE session_outputs (
  session_id TEXT NOT NULL REFERENCES sessions (id),
  path       TEXT NOT NULL,
  file_id    TEXT UNIQUE REFERENCES files (id),
  size_bytes INTEGER NOT NULL,
  mtime_ns   INTEGER NOT NULL,
  inode      TEXT NOT NULL,
  PRIMARY KEY (session_id, path)
);

CREATE TABLE session_resources (
  session_id      TEXT NOT NULL REFERENCES sessions (id),
  id              TEXT NOT NULL,
  workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
  type            TEXT NOT NULL,
  file_id         TEXT,                     -- file: the session's copy
  sha256          TEXT,                     -- file: the blob to materialise
  mount_path      TEXT,
  body            TEXT NOT NULL,            -- type-specific wire fields other than the above
  memory_store_id TEXT,                     -- memory_store: the store it mounts (V6)
  secret          TEXT,                     -- github_repository: the encrypted token (V4)
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  PRIMARY KEY (session_id, id),
  UNIQUE (session_id, mount_path)
) WITHOUT ROWID;
CREATE INDEX session_resources_by_memory_store ON session_resources (memory_store_id, session_id)
  WHERE memory_store_id IS NOT NULL;

INSERT INTO files (id, workspace_id, filename, mime_type, size_bytes, sha256, downloadable,
                   scope_session_id, source_file_id, created_at, expires_at)
  SELECT id, workspace_id, filename, mime_type, size_bytes, sha256, downloadable,
         scope_session_id, source_file_id, created_at, expires_at
  FROM files_kept;
INSERT INTO session_outputs (session_id, path, file_id, size_bytes, mtime_ns, inode)
  SELECT session_id, path, file_id, size_bytes, mtime_ns, inode FROM session_outputs_kept;
INSERT INTO session_resources (session_id, id, workspace_id, type, file_id, sha256, mount_path,
                               body, memory_store_id, secret, created_at, updated_at)
  SELECT session_id, id, workspace_id, type, file_id, sha256, mount_path,
         body, memory_store_id, secret, created_at, updated_at
  FROM session_resources_kept;

DROP TABLE files_kept;
DROP TABLE session_outputs_kept;
DROP TABLE session_resources_kept;
