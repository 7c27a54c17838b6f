-- Berth metadata on PostgreSQL, version 1: the SQLite schema of the same version, table for
-- table, with the same keys, unique constraints and indexes, so that the same statements enforce
-- the same rules. Text compares byte by byte (COLLATE "C"), as in SQLite: ids and timestamps sort
-- in creation order and the mount path range of an overlap query holds exactly the descendants,
-- whatever the database's default collation is.

CREATE TABLE workspaces (
  id         TEXT COLLATE "C" PRIMARY KEY,
  name       TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE api_keys (
  key_hash     TEXT COLLATE "C" PRIMARY KEY,            -- SHA-256 of the key; the key itself is never stored
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id),
  created_at   TEXT COLLATE "C" NOT NULL
);

CREATE TABLE files (
  id               TEXT COLLATE "C" PRIMARY KEY,
  workspace_id     TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id),
  filename         TEXT COLLATE "C" NOT NULL,
  mime_type        TEXT COLLATE "C" NOT NULL,
  size_bytes       BIGINT NOT NULL,
  sha256           TEXT COLLATE "C" NOT NULL,           -- the blob holding the bytes
  downloadable     INTEGER NOT NULL,
  scope_session_id TEXT COLLATE "C",                    -- set for session-scoped copies and outputs
  source_file_id   TEXT COLLATE "C",                    -- the original a session copy was made from
  created_at       TEXT COLLATE "C" NOT NULL,
  expires_at       TEXT COLLATE "C"
);
CREATE INDEX files_by_scope ON files (workspace_id, scope_session_id, id);
CREATE INDEX files_by_blob ON files (sha256);

CREATE TABLE environments (
  id           TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id),
  name         TEXT COLLATE "C" NOT NULL,
  description  TEXT COLLATE "C",
  config       TEXT COLLATE "C" NOT NULL,
  metadata     TEXT COLLATE "C" NOT NULL,
  scope        TEXT COLLATE "C" NOT NULL,
  archived_at  TEXT COLLATE "C",
  created_at   TEXT COLLATE "C" NOT NULL,
  updated_at   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX environments_by_workspace ON environments (workspace_id, id);

CREATE TABLE agents (
  id           TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id),
  version      INTEGER NOT NULL,             -- the latest version
  archived_at  TEXT COLLATE "C",
  created_at   TEXT COLLATE "C" NOT NULL,
  updated_at   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX agents_by_workspace ON agents (workspace_id, id);

CREATE TABLE agent_versions (
  agent_id   TEXT COLLATE "C" NOT NULL REFERENCES agents (id),
  version    INTEGER NOT NULL,
  body       TEXT COLLATE "C" NOT NULL,                  -- the agent object as of this version
  created_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (agent_id, version)
);

CREATE TABLE sessions (
  id             TEXT COLLATE "C" PRIMARY KEY,
  workspace_id   TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id),
  agent_id       TEXT COLLATE "C" NOT NULL,
  agent_version  INTEGER NOT NULL,
  agent          TEXT COLLATE "C" NOT NULL,              -- the resolved agent copied at creation
  environment_id TEXT COLLATE "C" NOT NULL,
  title          TEXT COLLATE "C",
  metadata       TEXT COLLATE "C" NOT NULL,
  vault_ids      TEXT COLLATE "C" NOT NULL,
  budget         TEXT COLLATE "C",
  status         TEXT COLLATE "C" NOT NULL,
  file_count     INTEGER NOT NULL DEFAULT 0, -- file resources held; capped in the same UPDATE that adds one
  archived_at    TEXT COLLATE "C",
  created_at     TEXT COLLATE "C" NOT NULL,
  updated_at     TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sessions_by_workspace ON sessions (workspace_id, id);

CREATE TABLE session_resources (
  id           TEXT COLLATE "C" PRIMARY KEY,
  session_id   TEXT COLLATE "C" NOT NULL REFERENCES sessions (id),
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id),
  type         TEXT COLLATE "C" NOT NULL,
  file_id      TEXT COLLATE "C",                         -- file: the session's copy
  sha256       TEXT COLLATE "C",                         -- file: the blob to materialise
  mount_path   TEXT COLLATE "C",
  body         TEXT COLLATE "C" NOT NULL,                -- type-specific wire fields other than the above
  created_at   TEXT COLLATE "C" NOT NULL,
  updated_at   TEXT COLLATE "C" NOT NULL,
  UNIQUE (session_id, mount_path)
);
CREATE INDEX session_resources_by_session ON session_resources (session_id, id);
CREATE INDEX session_resources_by_file ON session_resources (file_id);
