-- The host holding a template made from a capsule: its snapshot lives there, so creates from it go there.
ALTER TABLE templates ADD COLUMN host_id TEXT;
