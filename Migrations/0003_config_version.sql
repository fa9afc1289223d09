-- Counts the changes of a pool's config (a refresh moving the base, for one). Slow work (a creation or a
-- reset) records the version it began under, and is only made ready if the version is the same when it
-- ends: otherwise the slot is reset again, so no slot goes idle at an old base.
ALTER TABLE pool ADD COLUMN config_version INTEGER NOT NULL DEFAULT 0;
