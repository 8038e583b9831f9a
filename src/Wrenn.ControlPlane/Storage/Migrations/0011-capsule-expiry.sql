-- An absolute end for capsules made through the E2B surface (docs/e2b.md): at expires_at (Unix ms) a
-- running capsule is killed or paused (expiry_action), whatever its activity; every start (create,
-- resume) moves it to at least expiry_ttl_sec from then. guest_env: environment
-- variables every process of the capsule gets (JSON object); guest_user: the user its E2B-surface
-- processes and files default to (NULL: root); user_metadata: the key/value pairs the user gave
-- (JSON object; E2B's sandbox metadata, also a list filter), apart from the agent facts in metadata.
ALTER TABLE capsules ADD COLUMN expires_at BIGINT;
ALTER TABLE capsules ADD COLUMN expiry_ttl_sec BIGINT;
ALTER TABLE capsules ADD COLUMN expiry_action TEXT;
ALTER TABLE capsules ADD COLUMN guest_env TEXT;
ALTER TABLE capsules ADD COLUMN guest_user TEXT;
ALTER TABLE capsules ADD COLUMN user_metadata TEXT;
