-- Most leases have no task branch, and an index entry for each of them was one more page written by every
-- acquire and every release. Leaving NULL out changes nothing else: a unique index never compared NULLs,
-- and the branch lookup (branch = ?) can only match a non-NULL branch.
DROP INDEX lease_by_branch;
CREATE UNIQUE INDEX lease_by_branch ON lease (pool_id, branch) WHERE branch IS NOT NULL;
