-- Which control plane runs a lifecycle step of the capsule now, and until when (renewed while it runs):
-- several control planes sharing the database never run two steps of one capsule at once.
ALTER TABLE capsules ADD COLUMN lease_owner TEXT;
ALTER TABLE capsules ADD COLUMN lease_until BIGINT;
