"""An example test that works in its worker's worktree: run `pytest -n 4` beside conftest.py."""

import os
import subprocess


def test_worktree_is_a_clean_checkout(pool_worktree):
    assert os.path.exists(os.path.join(pool_worktree, ".git"))
    status = subprocess.run(
        ["git", "-C", pool_worktree, "status", "--porcelain"], capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
