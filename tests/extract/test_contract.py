"""The contract every registered extractor passes (implicit's recommender contract, for extractors):
right shape and dtype, finite values, the same output twice, silence and a 0.5 s file handled, and a
corrupt file turned into a file_status row while the batch goes on."""
import os

import numpy as np
import pytest

from mediarec.extract import registry
from mediarec.extract.base import FeatureResult, MediaInput, Runtime
from mediarec.extract.runner import analyze
from mediarec.jobs import run_job
from mediarec.paths import AppPaths
from mediarec.scan.scanner import scan
from mediarec.settings import Settings
from media_factory import write_audio, write_video

NAMES = [n for n in registry.names() if not n.startswith("test.")]


def _music(seconds: float, rate: int = 22050) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) * 0.15
    beat = (np.sin(2 * np.pi * 60 * t) * np.exp(-((t % 0.5) * 20))) * 0.5
    return np.tile((chord + beat).astype(np.float32), (2, 1))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("contract")
    return {
        "music": write_audio(d / "music.flac", signal=_music(6.0)),
        "silence": write_audio(d / "silence.flac", signal=np.zeros((2, 22050 * 3), np.float32)),
        "short": write_audio(d / "short.flac", signal=_music(0.5)),
        "video": write_video(d / "clip.mp4", seconds=3.0, motion=3.0,
                             audio_signal=_music(3.0, 22050)[:1]),
    }


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    cache: dict = {}
    root = tmp_path_factory.mktemp("runtime")
    runtime = Runtime(models_dir=str(root / "models"), cache_dir=str(root / "cache"), settings=Settings())

    def get(name):
        if name not in cache:
            ext = registry.create(name)
            reason = ext.check(runtime)
            if reason:
                pytest.skip(f"{name} unavailable here: {reason}")
            ext.load(runtime)
            cache[name] = ext
        return cache[name]
    return get


def _run_chain(loaded, name, path, kind):
    """Run the extractor after the extractors it reads, on one shared decode, as the worker does."""
    media = MediaInput({"id": None, "path": str(path), "kind": kind, "duration": None, "title": "t",
                        "artist": None, "album": None, "genre": None, "tags": {}})
    chain = [n for n in (name, *registry.create(name).spec.after) if n in registry.REGISTRY]
    for dep in registry.ordered(chain):
        if dep == name:
            continue
        if kind in registry.create(dep).spec.kinds:
            media.results[dep] = loaded(dep).extract(media)
    return loaded(name).extract(media)


def _check(name, result):
    spec = registry.create(name).spec
    assert isinstance(result, FeatureResult)
    if spec.dim and result.vector is None:
        # "Nothing to describe" (no speech in the file, say) is a result, and it must say why.
        assert result.attrs.get("reason") or result.attrs.get("skipped"), result.attrs
    elif spec.dim:
        assert result.vector.dtype == np.float32 and result.vector.shape == (spec.dim,)
        assert np.all(np.isfinite(result.vector))
    for key, value in result.attrs.items():
        if isinstance(value, float):
            assert np.isfinite(value), key


def _input_for(name, files, which):
    kinds = registry.create(name).spec.kinds
    if "audio" in kinds:
        return files[which], "audio"
    return files["video"], "video"


@pytest.mark.parametrize("name", NAMES)
def test_shape_dtype_finite_and_deterministic(name, files, loaded):
    path, kind = _input_for(name, files, "music")
    first = _run_chain(loaded, name, path, kind)
    second = _run_chain(loaded, name, path, kind)
    _check(name, first)
    if first.vector is not None:
        np.testing.assert_allclose(first.vector, second.vector, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("which", ["silence", "short"])
def test_silence_and_half_a_second(name, which, files, loaded):
    if "audio" not in registry.create(name).spec.kinds:
        pytest.skip("not an audio extractor")
    _check(name, _run_chain(loaded, name, files[which], "audio"))


@pytest.mark.parametrize("name", NAMES)
def test_a_corrupt_file_is_recorded_and_the_batch_goes_on(name, lib, tmp_path, files):
    spec = registry.create(name).spec
    ext = "flac" if "audio" in spec.kinds else "mp4"
    root = tmp_path / "lib"
    root.mkdir()
    good = root / f"good.{ext}"
    bad = root / f"bad.{ext}"
    src = files["music"] if ext == "flac" else files["video"]
    good.write_bytes(src.read_bytes())
    bad.write_bytes(src.read_bytes())
    lib.roots.add(root)
    run_job(scan(lib))
    # The file rots after the scan: same size and mtime, nothing but zeros after its first bytes.
    st = os.stat(bad)
    data = bytearray(bad.read_bytes())
    data[400:] = bytes(len(data) - 400)
    bad.write_bytes(bytes(data))
    os.utime(bad, ns=(st.st_atime_ns, st.st_mtime_ns))
    deps = [d for d in spec.after if d in registry.REGISTRY]
    report = run_job(analyze(lib, AppPaths.resolve(), Settings(), only=[*deps, name], in_process=True))
    assert report.results.get(name) == 1
    rows = lib.file_status.list(f"analyze:{name}")
    assert [os.path.basename(r["path"]) for r in rows] == ["bad." + ext]
    assert rows[0]["kind"] in ("corrupt", "unsupported", "extract") and rows[0]["message"]
    assert lib.features.get(lib.media.by_path(str(good))["id"], name) is not None
