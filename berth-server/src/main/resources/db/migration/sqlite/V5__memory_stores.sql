-- Memory stores, their memories and every version of those (the Memory Stores API), and an id for
-- each API key, which versions record as their author. V4 is another change's number.
--
-- A key's id names it without the secret or its hash; keys made before this version get one here.
ALTER TABLE api_keys ADD COLUMN id TEXT;
UPDATE api_keys SET id = 'apikey_01' || hex(randomblob(11));
CREATE UNIQUE INDEX api_keys_by_id ON api_keys (id);

-- revision counts the memory versions written so far: every memory write takes the next number
-- (the version's seq) in the transaction that records it, so it only ever grows, and a reader that
-- kept it can tell whether the store's memories changed since.
CREATE TABLE memory_stores (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id),
  name         TEXT NOT NULL,
  description  TEXT NOT NULL,
  metadata     TEXT NOT NULL,
  revision     INTEGER NOT NULL DEFAULT 0,
  archived_at  TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX memory_stores_by_workspace ON memory_stores (workspace_id, id);

-- One row per version, kept after its memory is deleted (memory_id is then no row's). The content
-- lives here only: a memory's content is its current version's. Redaction sets path and the
-- content columns to NULL and fills redacted_*; deleted versions never had content.
CREATE TABLE memory_versions (
  id                 TEXT PRIMARY KEY,
  store_id           TEXT NOT NULL REFERENCES memory_stores (id),
  memory_id          TEXT NOT NULL,
  seq                INTEGER NOT NULL,
  operation          TEXT NOT NULL,             -- created | modified | deleted
  path               TEXT,
  content            TEXT,
  content_sha256     TEXT,
  content_size_bytes INTEGER,
  actor_kind         TEXT NOT NULL,             -- api_key | session
  actor_id           TEXT NOT NULL,
  created_at         TEXT NOT NULL,
  redacted_at        TEXT,
  redacted_by_kind   TEXT,
  redacted_by_id     TEXT,
  UNIQUE (store_id, seq)
);
CREATE INDEX memory_versions_by_memory ON memory_versions (store_id, memory_id, seq);

-- The live memories: one row each, deleted with the memory. A path is unique in its store; that no
-- path lies above or below another is checked by the write, which holds the store's row.
CREATE TABLE memories (
  id                 TEXT PRIMARY KEY,
  store_id           TEXT NOT NULL REFERENCES memory_stores (id),
  path               TEXT NOT NULL,
  content_sha256     TEXT NOT NULL,
  content_size_bytes INTEGER NOT NULL,
  version_id         TEXT NOT NULL REFERENCES memory_versions (id),
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL,
  UNIQUE (store_id, path)
);
