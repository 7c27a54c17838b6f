-- When a key was revoked (`berth keys revoke`); NULL while it opens its workspace. A revoked key
-- stays, so that `berth keys list` shows it and its id keeps naming the author of what it wrote,
-- and so that a database whose keys are all revoked is never taken for a new one that needs a
-- first key.
ALTER TABLE api_keys ADD COLUMN revoked_at TEXT COLLATE "C";
