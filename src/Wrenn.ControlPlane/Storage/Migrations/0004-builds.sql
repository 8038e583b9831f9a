-- Template builds from recipes (docs/builds.md). A build's uploaded archive lives in
-- <data>/builds/<id>.archive until the build ends; its step log lives in build_logs.
CREATE TABLE IF NOT EXISTS builds (
  id             TEXT PRIMARY KEY,
  team_id        TEXT NOT NULL,
  name           TEXT NOT NULL,
  base_template  TEXT NOT NULL,
  recipe         TEXT NOT NULL,           -- JSON array of the recipe's lines
  healthcheck    TEXT,
  vcpus          BIGINT NOT NULL,
  memory_mb      BIGINT NOT NULL,
  skip_pre_post  BIGINT NOT NULL,
  has_archive    BIGINT NOT NULL,
  content_hash   TEXT NOT NULL,           -- what the template is made of; equal hashes build once
  status         TEXT NOT NULL,           -- pending, running, success, failed, cancelled
  current_step   BIGINT NOT NULL DEFAULT 0,
  total_steps    BIGINT NOT NULL,
  error          TEXT,
  capsule_id     TEXT,
  runtime_name   TEXT,                    -- the host template the build made (or reused)
  size_bytes     BIGINT,
  default_user   TEXT,
  default_env    TEXT,                    -- JSON object
  cached_from    TEXT,                    -- the earlier build whose template was reused
  actor_type     TEXT NOT NULL,
  actor_id       TEXT,
  actor_name     TEXT,
  created_at     BIGINT NOT NULL,
  started_at     BIGINT,
  completed_at   BIGINT,
  platform       BIGINT NOT NULL DEFAULT 0  -- an admin's build of a template every team sees
);
CREATE INDEX IF NOT EXISTS builds_by_team ON builds (team_id, created_at);
CREATE INDEX IF NOT EXISTS builds_by_content ON builds (team_id, content_hash, status);

CREATE TABLE IF NOT EXISTS build_logs (
  build_id   TEXT NOT NULL,
  step       BIGINT NOT NULL,
  phase      TEXT NOT NULL,
  cmd        TEXT NOT NULL,
  stdout     TEXT NOT NULL,
  stderr     TEXT NOT NULL,
  exit_code  BIGINT NOT NULL,
  ok         BIGINT NOT NULL,
  elapsed_ms BIGINT NOT NULL,
  PRIMARY KEY (build_id, step)
);

-- What a template built from a recipe gives its capsules (null for snapshots of capsules).
-- Platform templates built by admins are rows of the team '' (TemplateCatalog.Platform).
ALTER TABLE templates ADD COLUMN default_user TEXT;
ALTER TABLE templates ADD COLUMN default_env TEXT;
