-- Disk a paused capsule's snapshot takes on its host, counted against its team's snapshot quota.
ALTER TABLE capsules ADD COLUMN stored_bytes BIGINT NOT NULL DEFAULT 0;
