-- A lighter acquire/release cycle: every write transaction appends each page it changes to the log, and the
-- event index was one more page in each of a cycle's three transactions (about a tenth of its log writes).
-- Events are read only by `stats`, which reads a pool's history in id order: a scan of the table, which
-- is the order it is stored in.
DROP INDEX event_by_pool_time;
