-- The control plane's first schema. Times are Unix milliseconds (UTC).
-- Every migration runs on SQLite and on PostgreSQL alike: whole numbers (flags 0/1 too) are BIGINT,
-- 64-bit on both (INTEGER affinity on SQLite), so rows map to the same .NET types.
CREATE TABLE IF NOT EXISTS settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS teams (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  slug       TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  is_admin      BIGINT NOT NULL,
  active        BIGINT NOT NULL,
  default_team  TEXT NOT NULL,
  created_at    BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS memberships (
  team_id   TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role      TEXT NOT NULL,
  joined_at BIGINT NOT NULL,
  PRIMARY KEY (team_id, user_id)
);

CREATE TABLE IF NOT EXISTS api_keys (
  id           TEXT PRIMARY KEY,
  team_id      TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  key_hash     TEXT NOT NULL UNIQUE,
  key_prefix   TEXT NOT NULL,
  created_by   TEXT,
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT
);

CREATE TABLE IF NOT EXISTS capsules (
  id             TEXT PRIMARY KEY,
  team_id        TEXT NOT NULL,
  status         TEXT NOT NULL,
  status_reason  TEXT,
  template       TEXT NOT NULL,
  vcpus          BIGINT NOT NULL,
  memory_mb      BIGINT NOT NULL,
  timeout_sec    BIGINT NOT NULL,
  created_at     BIGINT NOT NULL,
  started_at     BIGINT,
  last_active_at BIGINT,
  last_updated   BIGINT NOT NULL,
  metadata       TEXT NOT NULL,
  idempotency    TEXT,
  request_hash   TEXT
);
CREATE INDEX IF NOT EXISTS capsules_by_team ON capsules (team_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX IF NOT EXISTS capsules_by_idempotency ON capsules (team_id, idempotency) WHERE idempotency IS NOT NULL;

-- Snapshot templates of teams; `runtime_name` is the host's template (never reused, so replacing
-- a name leaves capsules of the old template intact).
CREATE TABLE IF NOT EXISTS templates (
  team_id      TEXT NOT NULL,
  name         TEXT NOT NULL,
  runtime_name TEXT NOT NULL,
  vcpus        BIGINT NOT NULL,
  memory_mb    BIGINT NOT NULL,
  size_bytes   BIGINT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (team_id, name)
);

CREATE TABLE IF NOT EXISTS audit_logs (
  id            TEXT PRIMARY KEY,
  seq           BIGINT NOT NULL,
  team_id       TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  actor_type    TEXT NOT NULL,
  actor_id      TEXT,
  actor_name    TEXT,
  resource_type TEXT NOT NULL,
  resource_id   TEXT,
  action        TEXT NOT NULL,
  status        TEXT NOT NULL,
  metadata      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_team ON audit_logs (team_id, seq DESC);

-- Reserved capacity of each team's running capsules, sampled every 10 s (team stats and usage).
CREATE TABLE IF NOT EXISTS team_samples (
  team_id   TEXT NOT NULL,
  at        BIGINT NOT NULL,
  running   BIGINT NOT NULL,
  vcpus     BIGINT NOT NULL,
  memory_mb BIGINT NOT NULL,
  PRIMARY KEY (team_id, at)
);
