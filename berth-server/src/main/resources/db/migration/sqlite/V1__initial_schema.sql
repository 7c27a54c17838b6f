-- Berth metadata, version 1. Timestamps are RFC 3339 UTC text with a fixed microsecond width,
-- so they compare in time order. JSON columns hold the wire shape of nested objects.

CREATE TABLE workspaces (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
  key_hash     TEXT PRIMARY KEY,            -- SHA-256 of the key; the key itself is never stored
  workspace_id TEXT NOT NULL REFERENCES workspaces (id),
  created_at   TEXT NOT NULL
);

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
);
CREATE INDEX files_by_scope ON files (workspace_id, scope_session_id, id);
CREATE INDEX files_by_blob ON files (sha256);

CREATE TABLE environments (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id),
  name         TEXT NOT NULL,
  description  TEXT,
  config       TEXT NOT NULL,
  metadata     TEXT NOT NULL,
  scope        TEXT NOT NULL,
  archived_at  TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX environments_by_workspace ON environments (workspace_id, id);

CREATE TABLE agents (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id),
  version      INTEGER NOT NULL,             -- the latest version
  archived_at  TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX agents_by_workspace ON agents (workspace_id, id);

CREATE TABLE agent_versions (
  agent_id   TEXT NOT NULL REFERENCES agents (id),
  version    INTEGER NOT NULL,
  body       TEXT NOT NULL,                  -- the agent object as of this version
  created_at TEXT NOT NULL,
  PRIMARY KEY (agent_id, version)
);

CREATE TABLE sessions (
  id             TEXT PRIMARY KEY,
  workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
  agent_id       TEXT NOT NULL,
  agent_version  INTEGER NOT NULL,
  agent          TEXT NOT NULL,              -- the resolved agent copied at creation
  environment_id TEXT NOT NULL,
  title          TEXT,
  metadata       TEXT NOT NULL,
  vault_ids      TEXT NOT NULL,
  budget         TEXT,
  status         TEXT NOT NULL,
  file_count     INTEGER NOT NULL DEFAULT 0, -- file resources held; capped in the same UPDATE that adds one
  archived_at    TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE INDEX sessions_by_workspace ON sessions (workspace_id, id);

CREATE TABLE session_resources (
  id           TEXT PRIMARY KEY,
  session_id   TEXT NOT NULL REFERENCES sessions (id),
  workspace_id TEXT NOT NULL REFERENCES workspaces (id),
  type         TEXT NOT NULL,
  file_id      TEXT,                         -- file: the session's copy
  sha256       TEXT,                         -- file: the blob to materialise
  mount_path   TEXT,
  body         TEXT NOT NULL,                -- type-specific wire fields other than the above
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  UNIQUE (session_id, mount_path)
);
CREATE INDEX session_resources_by_session ON session_resources (session_id, id);
CREATE INDEX session_resources_by_file ON session_resources (file_id);
