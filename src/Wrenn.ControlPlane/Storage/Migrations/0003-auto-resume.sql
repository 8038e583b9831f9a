-- A paused capsule with auto_resume is resumed by traffic for it: the port proxy, exec and files calls.
ALTER TABLE capsules ADD COLUMN auto_resume BIGINT NOT NULL DEFAULT 0;
