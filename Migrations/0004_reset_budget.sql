-- A complete reset runs up to eight git commands where it ran five (operations in progress, locks,
-- submodules), and copying ignored files in adds four git limits to creates and resets: worktree pools
-- get the limits WorktreeConfig.workTimeouts now computes, from their own git and setup timeouts.
UPDATE pool SET
    create_timeout_us =
        (coalesce(json_extract(config, '$.gitTimeoutMilliseconds'), 600000) * 1000 + 5000000)
            * (1 + CASE WHEN coalesce(json_array_length(config, '$.copyPatterns'), 0) > 0 THEN 4 ELSE 0 END)
        + (coalesce(json_extract(config, '$.setupTimeoutMilliseconds'), 1800000) * 1000 + 5000000)
            * coalesce(json_array_length(config, '$.setup'), 0),
    reset_timeout_us =
        (coalesce(json_extract(config, '$.gitTimeoutMilliseconds'), 600000) * 1000 + 5000000)
            * (8 + CASE WHEN coalesce(json_array_length(config, '$.copyPatterns'), 0) > 0 THEN 4 ELSE 0 END)
        + CASE WHEN coalesce(json_array_length(config, '$.lockfiles'), 0) > 0
               THEN (coalesce(json_extract(config, '$.setupTimeoutMilliseconds'), 1800000) * 1000 + 5000000)
                    * coalesce(json_array_length(config, '$.setup'), 0)
               ELSE 0 END
WHERE kind = 'worktree';
