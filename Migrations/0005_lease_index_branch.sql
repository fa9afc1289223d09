-- A per-lease index and a task branch. The index is the smallest integer >= 0 that no other live lease of
-- the same pool holds, chosen in the transaction that grants the lease and fixed for its life, so that
-- concurrent jobs can derive ports and test databases from it. The branch is the task branch the holder
-- asked for (worktree pools only), checked out in the slot while the lease lives; NULL for a detached slot.
ALTER TABLE lease ADD COLUMN lease_index INTEGER CHECK (lease_index >= 0);
ALTER TABLE lease ADD COLUMN branch TEXT;

-- Leases live while this runs get indexes in the order they were granted.
UPDATE lease SET lease_index = (
    SELECT count(*) FROM lease earlier WHERE earlier.pool_id = lease.pool_id AND earlier.token < lease.token
);

-- Two live leases of a pool never share an index; the grant's search for the smallest free one reads it.
CREATE UNIQUE INDEX lease_by_index ON lease (pool_id, lease_index);
-- Nor a task branch (git checks out a branch in one worktree at a time): two holders asking for the same
-- branch at once are told apart here, in the grant, before either touches git.
CREATE UNIQUE INDEX lease_by_branch ON lease (pool_id, branch);
