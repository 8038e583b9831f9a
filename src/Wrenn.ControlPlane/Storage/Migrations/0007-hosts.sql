-- Hosts that run capsules (spec §7.4): the in-process host of `wrenn serve` and registered remote
-- agents. Tokens are stored as SHA-256 hex only. Usage columns are what the host's last heartbeat
-- reported. `unreachable_from` is the status (online or draining) a host had before it stopped
-- heartbeating, restored when it heartbeats again. `audit_team_id` is the team whose audit log
-- records the host's events: its BYOC team, or the team of the admin who created it.
CREATE TABLE IF NOT EXISTS hosts (
  id                       TEXT PRIMARY KEY,
  type                     TEXT NOT NULL,
  team_id                  TEXT,
  status                   TEXT NOT NULL,
  address                  TEXT,
  arch                     TEXT,
  cpu_cores                BIGINT,
  memory_mb                BIGINT,
  disk_gb                  BIGINT,
  provider                 TEXT,
  availability_zone        TEXT,
  last_heartbeat_at        BIGINT,
  created_at               BIGINT NOT NULL,
  updated_at               BIGINT NOT NULL,
  capsules_running         BIGINT NOT NULL DEFAULT 0,
  memory_mb_used           BIGINT NOT NULL DEFAULT 0,
  disk_gb_used             BIGINT NOT NULL DEFAULT 0,
  unreachable_from         TEXT,
  audit_team_id            TEXT,
  registration_hash        TEXT,
  registration_expires_at  BIGINT,
  registration_used        BIGINT NOT NULL DEFAULT 0,
  host_token_hash          TEXT,
  host_token_expires_at    BIGINT,
  refresh_token_hash       TEXT
);
CREATE INDEX IF NOT EXISTS hosts_by_registration ON hosts (registration_hash);
CREATE INDEX IF NOT EXISTS hosts_by_host_token ON hosts (host_token_hash);
CREATE INDEX IF NOT EXISTS hosts_by_refresh_token ON hosts (refresh_token_hash);

-- The host a capsule runs on, and the status it had before its host became unreachable (`missing`).
ALTER TABLE capsules ADD COLUMN host_id TEXT;
ALTER TABLE capsules ADD COLUMN missing_from TEXT;
CREATE INDEX IF NOT EXISTS capsules_by_host ON capsules (host_id, status);
