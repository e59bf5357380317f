"""Model files are checked by SHA-256 before loading: a tampered file is refused with a message naming it, the
feature shows as unavailable in `doctor`, and a cached ONNX export that changed is exported again, never loaded."""
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from mediarec.extract.models import musicnn_net, verify


def _flip(path, offset=1000):
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size and mtime: only ctime tells


def test_every_recorded_file_that_is_installed_matches():
    from mediarec.extract.extractors.emotion_music import model_path
    from mediarec.extract.models import efficientnet_lite, minilm, whisper

    checked = 0
    for name in verify.expected():
        if name.startswith("musicnn/"):
            verify.verify(musicnn_net.SHIPPED_DIR / name.split("/")[1], name, "t")
            checked += 1
    for loader in (efficientnet_lite.weights_path, minilm.model_files, whisper._tiny_en):
        try:
            loader()  # each verifies what it returns
            checked += 1
        except verify.ModelRefused:
            raise
        except Exception as exc:  # noqa: BLE001 - a package not installed here
            print("skipped:", exc)
    if model_path():
        verify.verify(model_path(), "vibenet/efficientnet_model.onnx", "t")
        checked += 1
    assert checked >= 2


@pytest.fixture
def local_musicnn(app_dirs):
    folder = app_dirs["models"] / "musicnn"
    shutil.copytree(musicnn_net.SHIPPED_DIR, folder)
    assert musicnn_net.weights_dir(app_dirs["models"]) == folder
    return folder


def test_tampered_weights_are_refused_and_doctor_says_so(local_musicnn, app_dirs, capsys):
    from mediarec.cli import main

    musicnn_net.verify_weights(local_musicnn)  # the untouched copy passes
    bad = local_musicnn / "MSD_musicnn.npz"
    _flip(bad)
    with pytest.raises(verify.ModelRefused) as info:
        musicnn_net.Tagger(bad, app_dirs["models"], backend="torch")
    assert str(bad) in str(info.value) and "SHA-256" in str(info.value)
    assert main(["doctor", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    row = next(r for r in doc["extractors"] if r["name"] == "audio.musicnn")
    assert row["available"] is False and str(bad) in row["reason"]


def test_a_swapped_file_of_the_same_size_is_hashed_again(tmp_path):
    src = musicnn_net.SHIPPED_DIR / "MTT_musicnn.npz"
    copy = tmp_path / "MTT_musicnn.npz"
    shutil.copy2(src, copy)
    verify.verify(copy, "musicnn/MTT_musicnn.npz", "t")
    t = time.perf_counter()
    verify.verify(copy, "musicnn/MTT_musicnn.npz", "t")  # cached by (path, size, mtime, ctime, inode)
    assert time.perf_counter() - t < 0.005
    _flip(copy, offset=2_000_000)
    with pytest.raises(verify.ModelRefused):
        verify.verify(copy, "musicnn/MTT_musicnn.npz", "t")


def test_unknown_or_missing_file_is_refused(tmp_path):
    f = tmp_path / "x.npz"
    f.write_bytes(b"x")
    with pytest.raises(verify.ModelRefused, match="no expected SHA-256"):
        verify.verify(f, "musicnn/nothing.npz", "t")
    with pytest.raises(verify.ModelRefused, match=str(tmp_path / "gone.npz")):
        verify.verify(tmp_path / "gone.npz", "musicnn/MTT_musicnn.npz", "t")


def test_cache_records_each_export_and_redoes_a_changed_file(tmp_path):
    from mediarec.extract.onnx_cache import cached_onnx

    calls = []

    def export(tmp):
        calls.append(tmp)
        with open(tmp, "wb") as f:
            f.write(b"exported graph %d" % len(calls))

    path = cached_onnx(tmp_path, "m", "k1", export)
    assert verify.matches_record(path) and len(calls) == 1
    assert cached_onnx(tmp_path, "m", "k1", export) == path and len(calls) == 1  # reused, unchanged
    path.write_bytes(b"something else entirely")
    assert cached_onnx(tmp_path, "m", "k1", export) == path and len(calls) == 2
    assert path.read_bytes() == b"exported graph 2" and verify.matches_record(path)
    Path(f"{path}.sha256").unlink()  # an export from before hashes were recorded: made again, once
    cached_onnx(tmp_path, "m", "k1", export)
    assert len(calls) == 3


@pytest.mark.slow
def test_cached_onnx_that_changed_is_exported_again(app_dirs):
    pytest.importorskip("onnxruntime")
    weights = musicnn_net.SHIPPED_DIR / "MTT_musicnn.npz"
    first = musicnn_net.Tagger(weights, app_dirs["models"], backend="onnx")
    assert first.backend == "onnx"
    (onnx,) = (app_dirs["models"] / "onnx").glob("MTT_musicnn-*.onnx")
    assert verify.matches_record(onnx)
    good = onnx.read_bytes()
    onnx.write_bytes(good[:-100] + b"\x00" * 100)  # swapped for something else
    assert not verify.matches_record(onnx)
    again = musicnn_net.Tagger(weights, app_dirs["models"], backend="onnx")
    assert again.backend == "onnx" and verify.matches_record(onnx)
    assert onnx.read_bytes() != good[:-100] + b"\x00" * 100


def test_joined_whisper_base_that_changed_is_joined_again(tmp_path):
    from mediarec.extract.models import whisper

    first, second = tmp_path / "pkg1", tmp_path / "pkg2"
    first.mkdir()
    second.mkdir()
    (first / "model.bin.part1").write_bytes(b"A" * 1000)
    (second / "model.bin.part2").write_bytes(b"B" * 500)
    (second / "config.json").write_text("{}")
    target = whisper.join_base(tmp_path / "models", (first, second))
    assert verify.matches_record(target / "model.bin")
    (target / "model.bin").write_bytes(b"C" * 1500)  # swapped in the user-writable models dir
    target = whisper.join_base(tmp_path / "models", (first, second))
    assert (target / "model.bin").read_bytes() == b"A" * 1000 + b"B" * 500


def test_hashes_are_kept_in_the_models_dir_and_a_replaced_file_is_hashed_again(app_dirs, tmp_path, monkeypatch):
    """A later run (fresh memory, even a fresh cache dir) reuses the digest from the models dir without
    reading the file; a file replaced by one of the same size is read and refused, in place or swapped."""
    copy = tmp_path / "MTT_musicnn.npz"
    shutil.copy2(musicnn_net.SHIPPED_DIR / "MTT_musicnn.npz", copy)
    verify.verify(copy, "musicnn/MTT_musicnn.npz", "t")
    assert (app_dirs["models"] / "model-hashes.json").is_file()

    hashed = []
    real = verify.hashlib.sha256
    monkeypatch.setattr(verify.hashlib, "sha256", lambda *a: hashed.append(1) or real(*a))
    monkeypatch.setattr(verify, "_memo", {})
    monkeypatch.setenv("MEDIAREC_CACHE_DIR", str(tmp_path / "another-cache"))
    verify.verify(copy, "musicnn/MTT_musicnn.npz", "t")
    assert hashed == []  # from the models dir's record

    _flip(copy, offset=2_000_000)  # same size, same mtime: ctime changed
    monkeypatch.setattr(verify, "_memo", {})
    with pytest.raises(verify.ModelRefused):
        verify.verify(copy, "musicnn/MTT_musicnn.npz", "t")
    assert hashed == [1]

    swapped = tmp_path / "swapped.npz"  # a copy moved over it: same size and mtime, new inode
    shutil.copy2(copy, swapped)
    os.replace(swapped, copy)
    monkeypatch.setattr(verify, "_memo", {})
    with pytest.raises(verify.ModelRefused):
        verify.verify(copy, "musicnn/MTT_musicnn.npz", "t")
    assert hashed == [1, 1]
