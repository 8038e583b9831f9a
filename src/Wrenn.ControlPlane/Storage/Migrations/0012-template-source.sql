-- The capsule a snapshot template was taken from (E2B's snapshot list filters by it; docs/e2b.md).
ALTER TABLE templates ADD COLUMN source_capsule TEXT;
