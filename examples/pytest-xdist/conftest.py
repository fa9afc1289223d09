"""A pytest fixture that gives each pytest-xdist worker its own warm worktree for the whole session.

Copy this file into your test suite (or merge it into your conftest.py). It needs `shesha-pool` on PATH and
an existing worktree pool (`shesha-pool init worktree --repo . --max-size 8`); SHESHA_POOL_DB and
SHESHA_POOL choose the database and the pool as for every shesha-pool command.

- Holder: `pytest-<run>-<worker>`, from PYTEST_XDIST_TESTRUNUID (one value shared by every worker of a
  run) and PYTEST_XDIST_WORKER (gw0, gw1, ...), so two runs at once never share a lease.
- Owner: the worker process itself. The lease ends when the worker exits, even if it is killed before
  the fixture's teardown releases it.
"""

import os
import subprocess
import uuid

import pytest

# A run without xdist (plain `pytest`) has neither variable: it is one worker of its own run.
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def pool_worktree():
    """The path of this worker's leased worktree, held from its first use to the end of the session."""
    holder = f"pytest-{_RUN[:16]}-{_WORKER}"
    owner = str(os.getpid())
    acquired = subprocess.run(
        ["shesha-pool", "acquire", "--holder", holder, "--owner-pid", owner,
         "--wait", os.environ.get("SHESHA_POOL_WAIT", "10m")],
        capture_output=True, text=True,
    )
    if acquired.returncode != 0:
        pytest.fail(f"shesha-pool acquire failed ({acquired.returncode}): {acquired.stderr.strip()}")
    path = acquired.stdout.strip()
    try:
        yield path
    finally:
        subprocess.run(
            ["shesha-pool", "release", "--holder", holder, "--owner-pid", owner],
            check=False,
        )
