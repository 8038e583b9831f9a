-- The host template a build's base name resolved to when it was submitted: the build runs on what
-- its content hash names, even if the team replaces the base template meanwhile.
ALTER TABLE builds ADD COLUMN base_runtime TEXT;
