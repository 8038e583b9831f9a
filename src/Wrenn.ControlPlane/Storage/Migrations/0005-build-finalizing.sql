-- A build saving its template (finalizing = 1) can no longer be cancelled: its template is written.
ALTER TABLE builds ADD COLUMN finalizing BIGINT NOT NULL DEFAULT 0;
