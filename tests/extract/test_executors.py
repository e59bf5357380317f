"""Analysis on a dask.distributed cluster gives the rows the local pool gives; failures still leave a row."""
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from mediarec.errors import ConfigError, MediarecError
from mediarec.extract import executors
from mediarec.extract.executors import map_path, map_task, parse_executor
from mediarec.extract.plan import Task
from mediarec.extract.runner import analyze
from mediarec.jobs import run_job
from mediarec.paths import AppPaths
from mediarec.scan.scanner import scan
from mediarec.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
import runner_extractors  # noqa: E402,F401  (registers test.level and test.double)

ONLY = ["test.level", "test.double", "audio.dsp"]
MODULES = ("runner_extractors",)


def test_executor_specs():
    assert parse_executor("local") is None and parse_executor("") is None
    assert parse_executor("dask://sched.lan:8786") == "tcp://sched.lan:8786"
    for bad in ("dask://host", "dask://:8786", "tcp://h:1", "dask://h:99999", "ray://h:1"):
        with pytest.raises(ConfigError, match="dask://HOST:PORT"):
            parse_executor(bad)


def test_path_map_rewrites_whole_components_longest_prefix_first():
    m = {"/mnt/nas": "/data/nas", "/mnt/nas/video": "/v"}
    assert map_path("/mnt/nas/music/a.flac", m) == "/data/nas/music/a.flac"
    assert map_path("/mnt/nas/video/b.mkv", m) == "/v/b.mkv"
    assert map_path("/mnt/nasty/c.mp3", m) == "/mnt/nasty/c.mp3"
    task = Task({"id": 1, "path": "/mnt/nas/x.wav"}, ["test.level"])
    assert map_task(task, m).item["path"] == "/data/nas/x.wav" and task.item["path"] == "/mnt/nas/x.wav"


def test_bad_executor_settings_are_configuration_errors(tmp_path):
    f = tmp_path / "settings.toml"
    f.write_text('[analyze]\nexecutor = "dask://nohost"\n')
    with pytest.raises(ConfigError, match="analyze.executor"):
        Settings.load(f)
    f.write_text('[analyze]\npath_map = {"nas" = "/data"}\n')
    with pytest.raises(ConfigError, match="analyze.path_map"):
        Settings.load(f)


def test_a_missing_scheduler_is_one_clear_error(lib, media_dir, monkeypatch):
    pytest.importorskip("distributed")
    lib.roots.add(media_dir)
    run_job(scan(lib))
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1.0)
    with pytest.raises(MediarecError, match="cannot reach the dask scheduler at tcp://127.0.0.1:9"):
        run_job(analyze(lib, AppPaths.resolve(), Settings(), only=["test.level"], modules=MODULES,
                        executor="dask://127.0.0.1:9"))
    assert lib.query("SELECT COUNT(*) AS n FROM features")[0]["n"] == 0


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    import dask

    # The scheduler re-runs a task whose worker died (a neighbour of the crashing file on the same worker
    # succeeds on its retry); the crashing file fails after `allowed-failures` deaths with KilledWorker.
    # Saturation 1.0: the scheduler keeps one task per worker thread, so a neighbour is rarely on the dying
    # worker; 4 allowed deaths make a neighbour hit every time (and reported as crashed) all but impossible.
    with dask.config.set({"distributed.scheduler.allowed-failures": 4,
                          "distributed.scheduler.worker-saturation": 1.0}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                      worker_dashboard_address=None) as c:
            yield c


def _rows(lib) -> dict:
    rows = lib.query("SELECT m.path, f.extractor, f.version, f.vector, f.attrs FROM features f "
                     "JOIN media m ON m.id = f.media_id")
    from mediarec.library.features import decode_vector

    return {(r["path"], r["extractor"]): (r["version"], decode_vector(r["vector"]), r["attrs"]) for r in rows}


@pytest.mark.slow
def test_dask_cluster_gives_the_local_pools_rows_and_failures_still_get_a_row(lib, media_dir, cluster):
    for name in ("crash.wav", "reject.wav"):
        shutil.copy(media_dir / "music" / "song1.wav", media_dir / "music" / name)
    lib.roots.add(media_dir)
    run_job(scan(lib))
    paths, settings = AppPaths.resolve(), Settings()

    local = run_job(analyze(lib, paths, settings, only=ONLY, modules=MODULES, workers=2))
    expected = _rows(lib)
    expected_status = {(r["path"], r["stage"]): r["kind"] for r in lib.file_status.list("analyze:")}
    with lib.transaction():
        lib.conn.execute("DELETE FROM features")
        lib.conn.execute("DELETE FROM file_status")

    port = cluster.scheduler_address.rsplit(":", 1)[1]
    remote = run_job(analyze(lib, paths, settings, only=ONLY, modules=MODULES,
                             executor=f"dask://127.0.0.1:{port}"))
    got = _rows(lib)
    assert remote.results == local.results and remote.results["audio.dsp"] == 10
    assert got.keys() == expected.keys()
    for key, (version, vector, attrs) in expected.items():
        assert got[key][0] == version and got[key][2] == attrs, key
        if vector is None:
            assert got[key][1] is None
        else:
            np.testing.assert_allclose(got[key][1], vector, rtol=1e-5, atol=1e-6, err_msg=str(key))
    status = {(r["path"], r["stage"]): r["kind"] for r in lib.file_status.list("analyze:")}
    assert status == expected_status
    crash = str(media_dir / "music" / "crash.wav")
    assert status[(crash, "analyze:test.level")] == "crash"
    assert status[(str(media_dir / "music" / "reject.wav"), "analyze:test.level")] == "corrupt"


@pytest.mark.slow
@pytest.mark.parametrize("batch", ["off", "on"])
def test_paths_are_mapped_for_the_workers(lib, media_dir, tmp_path, cluster, batch, monkeypatch):
    """The library knows the files under one folder, the workers see them under another (a group of files
    with batching on, too)."""
    monkeypatch.setenv("MEDIAREC_BATCH", batch)
    lib.roots.add(media_dir)
    run_job(scan(lib))
    mounted = tmp_path / "mounted"
    shutil.move(str(media_dir), mounted)  # the files now exist only where the "workers" look
    settings = Settings()
    settings.analyze.path_map = {str(media_dir): str(mounted)}
    port = cluster.scheduler_address.rsplit(":", 1)[1]
    report = run_job(analyze(lib, AppPaths.resolve(), settings, only=["test.level"], modules=MODULES,
                             executor=f"dask://127.0.0.1:{port}"))
    assert report.results == {"test.level": 9} and not report.failed
    stored = {r["path"] for r in lib.query("SELECT m.path FROM features f JOIN media m ON m.id = f.media_id")}
    assert all(p.startswith(str(media_dir) + os.sep) for p in stored)  # stored under the library's paths
