-- Which node's sandbox host holds each session (README "Several nodes"). Only PostgreSQL has it:
-- an SQLite database has exactly one node, which holds every session.
CREATE TABLE session_leases (
  session_id TEXT COLLATE "C" PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
  node_id    TEXT COLLATE "C" NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL            -- the database's clock, so nodes' clocks never matter
);
CREATE INDEX session_leases_by_node ON session_leases (node_id);
CREATE INDEX session_leases_by_expiry ON session_leases (expires_at);
