-- Memory stores, their memories and every version of those (the Memory Stores API), and an id for
-- each API key, which versions record as their author: the SQLite schema's V5, table for table.
-- V4 is another change's number.
--
-- A key's id names it without the secret or its hash; keys made before this version get one here.
ALTER TABLE api_keys ADD COLUMN id TEXT COLLATE "C";
UPDATE api_keys SET id = 'apikey_01' || upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 22));
CREATE UNIQUE INDEX api_keys_by_id ON api_keys (id);

-- revision counts the memory versions written so far: every memory write takes the next number
-- (the version's seq) in the transaction that records it, holding the store's row, so it only ever
-- grows, and a reader that kept it can tell whether the store's memories changed since.
CREATE TABLE memory_stores (
  id           TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id),
  name         TEXT COLLATE "C" NOT NULL,
  description  TEXT COLLATE "C" NOT NULL,
  metadata     TEXT COLLATE "C" NOT NULL,
  revision     BIGINT NOT NULL DEFAULT 0,
  archived_at  TEXT COLLATE "C",
  created_at   TEXT COLLATE "C" NOT NULL,
  updated_at   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX memory_stores_by_workspace ON memory_stores (workspace_id, id);

-- One row per version, kept after its memory is deleted (memory_id is then no row's). The content
-- lives here only: a memory's content is its current version's. Redaction sets path and the
-- content columns to NULL and fills redacted_*; deleted versions never had content.
CREATE TABLE memory_versions (
  id                 TEXT COLLATE "C" PRIMARY KEY,
  store_id           TEXT COLLATE "C" NOT NULL REFERENCES memory_stores (id),
  memory_id          TEXT COLLATE "C" NOT NULL,
  seq                BIGINT NOT NULL,
  operation          TEXT COLLATE "C" NOT NULL,             -- created | modified | deleted
  path               TEXT COLLATE "C",
  content            TEXT COLLATE "C",
  content_sha256     TEXT COLLATE "C",
  content_size_bytes BIGINT,
  actor_kind         TEXT COLLATE "C" NOT NULL,             -- api_key | session
  actor_id           TEXT COLLATE "C" NOT NULL,
  created_at         TEXT COLLATE "C" NOT NULL,
  redacted_at        TEXT COLLATE "C",
  redacted_by_kind   TEXT COLLATE "C",
  redacted_by_id     TEXT COLLATE "C",
  UNIQUE (store_id, seq)
);
CREATE INDEX memory_versions_by_memory ON memory_versions (store_id, memory_id, seq);

-- The live memories: one row each, deleted with the memory. A path is unique in its store; that no
-- path lies above or below another is checked by the write, which holds the store's row.
CREATE TABLE memories (
  id                 TEXT COLLATE "C" PRIMARY KEY,
  store_id           TEXT COLLATE "C" NOT NULL REFERENCES memory_stores (id),
  path               TEXT COLLATE "C" NOT NULL,
  content_sha256     TEXT COLLATE "C" NOT NULL,
  content_size_bytes BIGINT NOT NULL,
  version_id         TEXT COLLATE "C" NOT NULL REFERENCES memory_versions (id),
  created_at         TEXT COLLATE "C" NOT NULL,
  updated_at         TEXT COLLATE "C" NOT NULL,
  UNIQUE (store_id, path)
);
