"""A worker that grows past its memory limit is ended and its task fails; the pool goes on."""
import sys
from pathlib import Path

import pytest

from mediarec.extract.pool import IsolatingPool, MemoryExceeded, WorkerDied, default_memory_limit, resident_bytes

sys.path.insert(0, str(Path(__file__).parent))
import balloon  # noqa: E402


@pytest.mark.skipif(resident_bytes(1) is None and not Path("/proc/self/statm").exists(), reason="needs /proc")
def test_a_worker_over_its_memory_limit_is_killed_and_the_next_task_runs():
    pool = IsolatingPool(1, task_timeout=60.0, memory_limit=300 * 2**20)
    try:
        big = pool.submit(balloon.balloon, 20, 100)  # would reach 2 GB
        after = pool.submit(balloon.small, 1)
        with pytest.raises(MemoryExceeded, match="300 MiB"):
            big.result(timeout=60)
        assert isinstance(big.exception(), WorkerDied)  # the runner records it as a crash of that file
        assert after.result(timeout=60) == 2
        under = pool.submit(balloon.balloon, 10, 5)  # 50 MB: fine
        assert under.result(timeout=60) == 50 * 2**20
    finally:
        pool.shutdown()


def test_the_default_limit_follows_the_environment(monkeypatch):
    monkeypatch.setenv("MEDIAREC_WORKER_MEMORY_MB", "512")
    assert default_memory_limit(4) == 512 * 2**20
    monkeypatch.setenv("MEDIAREC_WORKER_MEMORY_MB", "0")
    assert default_memory_limit(4) is None
    monkeypatch.delenv("MEDIAREC_WORKER_MEMORY_MB")
    assert default_memory_limit(2) >= 2 * 2**30
