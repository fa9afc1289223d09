-- The ledger: who holds which pooled resource. Times are microseconds since 1970 (UTC).
-- A process is identified by (host, boot id, pid, start time in clock ticks since boot), so a recycled
-- pid is never mistaken for a live owner.

-- One row per named pool. `config` holds the kind's own settings as JSON (repository, base ref, image...).
CREATE TABLE pool (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    slot_folder TEXT NOT NULL,
    max_size INTEGER NOT NULL CHECK (max_size >= 1),
    min_idle INTEGER NOT NULL DEFAULT 0 CHECK (min_idle >= 0),
    on_exhausted TEXT NOT NULL CHECK (on_exhausted IN ('wait', 'create', 'fail')),
    config TEXT NOT NULL DEFAULT '{}',
    -- Slot numbers come from here and are never reused, so a path once handed out never names another slot.
    next_slot_number INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
) STRICT;

-- Database-wide counters; 'fencing_token' only ever grows.
CREATE TABLE counter (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;

INSERT INTO counter (name, value) VALUES ('fencing_token', 0);

-- Slots in the states creating, resetting and destroying record the process doing the slow work (the
-- worker); if it dies, the next process that looks recovers the slot.
CREATE TABLE slot (
    id INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES pool (id),
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL
        CHECK (state IN ('creating', 'idle', 'leased', 'dirty', 'resetting', 'broken', 'destroying')),
    worker_host TEXT,
    worker_boot_id TEXT,
    worker_pid INTEGER,
    worker_start_time INTEGER,
    error TEXT,
    created_at INTEGER NOT NULL,
    state_changed_at INTEGER NOT NULL,
    last_used_at INTEGER,
    use_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (pool_id, number),
    UNIQUE (pool_id, name),
    CHECK ((state IN ('creating', 'resetting', 'destroying')) = (worker_pid IS NOT NULL))
) STRICT;

-- Acquire takes the most recently used slot of a state; the index serves that ORDER BY directly, so the
-- cost does not grow with the number of slots.
CREATE INDEX slot_by_recency ON slot (pool_id, state, coalesce(last_used_at, created_at), id);

-- Live leases only; history is in `event`. The token is the fencing token.
CREATE TABLE lease (
    token INTEGER PRIMARY KEY,
    pool_id INTEGER NOT NULL REFERENCES pool (id),
    slot_id INTEGER NOT NULL UNIQUE REFERENCES slot (id),
    holder TEXT NOT NULL,
    owner_host TEXT NOT NULL,
    owner_boot_id TEXT NOT NULL,
    owner_pid INTEGER NOT NULL,
    owner_start_time INTEGER NOT NULL,
    requested_at INTEGER NOT NULL,
    acquired_at INTEGER NOT NULL,
    -- With a TTL, the lease expires ttl_us after it was taken, made ready, or last renewed.
    ttl_us INTEGER CHECK (ttl_us > 0),
    expires_at INTEGER,
    UNIQUE (pool_id, holder)
) STRICT;

-- Processes waiting for a slot, first come first served (the id gives the order).
CREATE TABLE waiter (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pool_id INTEGER NOT NULL REFERENCES pool (id),
    holder TEXT NOT NULL,
    host TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    start_time INTEGER NOT NULL,
    since INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,
    UNIQUE (pool_id, holder)
) STRICT;

-- Append-only history for stats: acquires with wait time, releases with hold time, creations, failures.
CREATE TABLE event (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    pool_id INTEGER NOT NULL REFERENCES pool (id),
    kind TEXT NOT NULL CHECK (kind IN (
        'acquire', 'release', 'reclaim', 'create', 'create_failed', 'reset', 'reset_failed',
        'destroy', 'destroy_failed', 'recover', 'exhausted', 'wait_timeout'
    )),
    slot_name TEXT,
    holder TEXT,
    token INTEGER,
    duration_us INTEGER,
    detail TEXT
) STRICT;

CREATE INDEX event_by_pool_time ON event (pool_id, at);
