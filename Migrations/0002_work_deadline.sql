-- Bounded slow work: each pool records how long a create, reset or removal of one slot may take, and a
-- slot in creating, resetting or destroying records by when its work must end (set in the transaction
-- that claims it). `doctor` reports work past its deadline even while its worker lives.
ALTER TABLE pool ADD COLUMN create_timeout_us INTEGER CHECK (create_timeout_us > 0);
ALTER TABLE pool ADD COLUMN reset_timeout_us INTEGER CHECK (reset_timeout_us > 0);
ALTER TABLE pool ADD COLUMN destroy_timeout_us INTEGER CHECK (destroy_timeout_us > 0);
ALTER TABLE slot ADD COLUMN work_deadline INTEGER;

-- Worktree pools made before: the default limits (git 10m, setup 30m, 5s grace each), as
-- WorktreeConfig.workTimeouts computes them.
UPDATE pool SET
    create_timeout_us = 605000000 + 1805000000 * json_array_length(config, '$.setup'),
    reset_timeout_us = 5 * 605000000
        + CASE WHEN json_array_length(config, '$.lockfiles') > 0
               THEN 1805000000 * json_array_length(config, '$.setup') ELSE 0 END,
    destroy_timeout_us = 2 * 605000000
WHERE kind = 'worktree';
