"""The isolating pool: a crashing or hanging task costs one task, not the run; models load once per worker."""
import time
from concurrent.futures import wait

import pytest

from mediarec.extract.pool import IsolatingPool, TaskTimedOut, WorkerDied

import pool_tasks


@pytest.fixture
def pool():
    p = IsolatingPool(2, initializer=pool_tasks.init, initargs=("x",), task_timeout=3.0)
    yield p
    p.shutdown(wait=True, cancel_futures=True)


def test_results_come_back_and_the_initializer_runs_once_per_worker(pool):
    futures = [pool.submit(pool_tasks.whoami, i) for i in range(20)]
    results = [f.result(timeout=60) for f in futures]
    assert [r[0] for r in results] == [2 * i for i in range(20)]
    assert len({r[1] for r in results}) <= 2
    assert all(r[2] == 1 for r in results)


def test_exceptions_are_returned_as_themselves(pool):
    with pytest.raises(ValueError, match="bad input"):
        pool.submit(pool_tasks.fail, 1).result(timeout=60)


def test_a_segfault_fails_one_task_and_the_pool_goes_on(pool):
    futures = [pool.submit(pool_tasks.whoami, 1), pool.submit(pool_tasks.crash, 0),
               pool.submit(pool_tasks.whoami, 2), pool.submit(pool_tasks.whoami, 3)]
    wait(futures, timeout=60)
    assert isinstance(futures[1].exception(), WorkerDied)
    assert "SIGSEGV" in str(futures[1].exception())
    assert [f.result()[0] for i, f in enumerate(futures) if i != 1] == [2, 4, 6]


def test_a_hung_task_times_out_and_its_worker_is_replaced(pool):
    t = time.monotonic()
    hung = pool.submit(pool_tasks.hang, 0)
    ok = [pool.submit(pool_tasks.whoami, i) for i in range(4)]
    with pytest.raises(TaskTimedOut):
        hung.result(timeout=60)
    assert time.monotonic() - t < 30
    assert [f.result(timeout=60)[0] for f in ok] == [0, 2, 4, 6]
    assert pool.submit(pool_tasks.whoami, 5).result(timeout=60)[0] == 10


def test_kill_running_stops_work_at_once(pool):
    hung = pool.submit(pool_tasks.hang, 0)
    time.sleep(1.0)
    pool.kill_running()
    with pytest.raises(WorkerDied):
        hung.result(timeout=30)


def test_workers_do_not_run_the_parents_main_script(tmp_path):
    """A spawned worker would import the script that started the pool (for the app: the GUI and PySide6)."""
    import subprocess
    import sys
    from pathlib import Path

    ran = tmp_path / "ran"
    script = tmp_path / "main_script.py"
    script.write_text(f"""
import os, sys
sys.path[:0] = {[str(Path(__file__).parent), str(Path(__file__).parents[2])]!r}
with open({str(ran)!r}, "a") as f:
    f.write(f"{{os.getpid()}}\\n")  # what a heavy top-level import would cost each worker
import pool_tasks
from mediarec.extract.pool import IsolatingPool
if __name__ == "__main__":
    pool = IsolatingPool(2, initializer=pool_tasks.init, initargs=("x",))
    print(pool.submit(pool_tasks.whoami, 1).result(timeout=60)[1], pool.submit(pool_tasks.whoami, 2).result(timeout=60)[1])
    pool.shutdown()
""")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True)
    workers = set(out.stdout.split())
    started = ran.read_text().split()
    assert workers and len(started) == 1 and started[0] not in workers  # the script ran in the parent only
