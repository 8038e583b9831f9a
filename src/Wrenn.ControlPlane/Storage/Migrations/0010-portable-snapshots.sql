-- Portable snapshots: the pause generation of a paused capsule's latest snapshot, and the latest one
-- its host has put in the snapshot store (equal: it can resume on any host).
ALTER TABLE capsules ADD COLUMN snapshot_generation BIGINT;
ALTER TABLE capsules ADD COLUMN stored_generation BIGINT;
-- A template made from a capsule: its build, and whether that build is in the store (creates from it
-- then go to any host).
ALTER TABLE templates ADD COLUMN build_id TEXT;
ALTER TABLE templates ADD COLUMN stored BIGINT NOT NULL DEFAULT 0;
