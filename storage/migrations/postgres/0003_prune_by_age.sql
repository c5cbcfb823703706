-- Processed update ids are kept for a week (redeliveries come within a day), then pruned by
-- age: this index lets the daily prune find old rows without reading the whole table.
CREATE INDEX processed_updates_by_age ON processed_updates (at);
