"""audio.musicnn's faster models: the exported graph without its dead filters computes what every filter
does, the int8 MTT model stays close to fp32 on generated music and runs int8 kernels, and an int8 model
that cannot be built, or is rejected by its check, leaves fp32 running, with the reason logged (and a
rejection remembered instead of rebuilt at every start)."""
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from mediarec.extract import registry
from mediarec.extract.base import MediaInput, Runtime
from mediarec.extract.models import musicnn_int8
from mediarec.extract.models import musicnn_net as net
from mediarec.settings import Settings
from media_factory import write_audio
from music_signals import chords, drum_loop, soft_slow_chords, stereo

MTT = net.weights_dir() / "MTT_musicnn.npz"
MSD = net.weights_dir() / "MSD_musicnn.npz"
MAX_TAG_DIFFERENCE = 0.02
"""Largest difference of an MTT tag allowed between int8 and fp32 on a file (measured on generated
music and the dev corpus: 0.0054 at most)."""


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("musicnn-fast") / "models"


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture(scope="module")
def extractors(models_dir):
    """The extractor as configured by default (MTT in int8) and with int8 turned off, and what each said
    when it loaded. Whether int8 is faster is the benchmark's business (bench/musicnn_speed.py): a busy
    or VNNI-less test machine must not change what these tests check, so the build's speed check is off."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(musicnn_int8, "MAX_TIME_RATIO", float("inf"))
        return _load_both(models_dir)


def _load_both(models_dir):
    out = {}
    logger = logging.getLogger("mediarec.extract.extractors.musicnn")
    level = logger.level
    for int8 in (True, False):
        settings = Settings()
        settings.audio.musicnn_int8 = int8
        ext, said = registry.create("audio.musicnn"), _Lines()
        logger.addHandler(said)
        logger.setLevel(logging.INFO)
        try:
            ext.load(Runtime(models_dir=str(models_dir), cache_dir=str(models_dir.parent / "cache"), settings=settings))
        finally:
            logger.removeHandler(said)
            logger.setLevel(level)
        out["int8" if int8 else "fp32"] = (ext, " ".join(said.lines))
    return out


@pytest.fixture(scope="module")
def songs(tmp_path_factory):
    d = tmp_path_factory.mktemp("songs")
    signals = {"drums": drum_loop(bpm=128.0, seconds=24.0), "soft": soft_slow_chords(seconds=24.0),
               "chords": chords("A minor", bar_seconds=1.5, repeats=4)}
    return {name: write_audio(d / f"{name}.flac", signal=stereo(x)) for name, x in signals.items()}


def analyse(ext, path):
    return ext.extract(MediaInput({"path": str(path), "kind": "audio", "duration": None}))


def test_by_default_the_mtt_model_runs_in_int8_and_the_msd_model_in_fp32(extractors):
    assert "MTT_musicnn via onnx int8" in extractors["int8"][1]
    assert "MSD_musicnn via onnx fp32" in extractors["int8"][1]
    assert "MTT_musicnn via onnx fp32" in extractors["fp32"][1]  # settings.audio.musicnn_int8 = False


@pytest.mark.parametrize("song", ["drums", "soft", "chords"])
def test_int8_tags_stay_close_to_fp32_on_generated_music(extractors, songs, song):
    fast, exact = analyse(extractors["int8"][0], songs[song]), analyse(extractors["fp32"][0], songs[song])
    diff = max(abs(fast.attrs["mtt"][tag] - p) for tag, p in exact.attrs["mtt"].items())
    assert diff <= MAX_TAG_DIFFERENCE, diff
    same_top = {t for t, _ in fast.attrs["top"]} & {t for t, _ in exact.attrs["top"]}
    assert len(same_top) >= 4, (fast.attrs["top"], exact.attrs["top"])
    np.testing.assert_allclose(fast.vector, exact.vector, rtol=0, atol=1e-5)  # the embedding is MSD's, fp32
    assert fast.attrs["msd"] == exact.attrs["msd"]


def test_the_int8_model_runs_int8_convolutions(extractors, models_dir, tmp_path):
    import onnx
    import onnxruntime as ort

    [int8] = Path(models_dir, "onnx").glob("MTT_musicnn-int8-*.onnx")
    opts = ort.SessionOptions()
    opts.optimized_model_filepath = str(tmp_path / "optimized.onnx")
    ort.InferenceSession(str(int8), opts, providers=["CPUExecutionProvider"])
    ops = [n.op_type for n in onnx.load(opts.optimized_model_filepath).graph.node]
    assert ops.count("QLinearConv") == 2  # the two timbral convolutions, as onnxruntime runs them


def test_the_exported_graph_leaves_out_dead_filters_and_computes_the_same(extractors, models_dir):
    import onnx
    import torch
    from onnx import numpy_helper

    from mediarec.extract.models.musicnn_torch import load

    model = load(MSD)
    tagger = net.Tagger(MSD, models_dir)  # the fp32 export, cached by the extractor's load
    [path] = Path(models_dir, "onnx").glob("MSD_musicnn-*.onnx")
    graph = onnx.load(str(path)).graph
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    exported = sum(weights[n.input[1]].shape[0] for n in graph.node if n.op_type == "Conv")
    trained = sum(m.out_channels for m in model.modules() if isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d)))
    assert exported < trained / 2

    # 22.05 kHz signals read as 16 kHz ones (slower, lower): any music will do to compare two graphs
    patches = net.log_mel_patches(np.concatenate([drum_loop(bpm=100.0, seconds=9.0), soft_slow_chords(seconds=9.0)]))
    with torch.inference_mode():
        tags, features = (t.numpy() for t in model(torch.from_numpy(patches)))
    onnx_tags, onnx_features = tagger.run(patches)
    assert np.abs(onnx_tags - tags).max() < 1e-5
    assert np.abs(onnx_features - features).max() < 1e-5


def _fp32_export_copied(models_dir, tmp_path) -> Path:
    """A fresh models dir holding only MTT's fp32 export (copied from the module's: exporting takes seconds)."""
    target = tmp_path / "models" / "onnx"
    target.mkdir(parents=True)
    for f in Path(models_dir, "onnx").glob("MTT_musicnn-*.onnx"):
        if "-int8-" not in f.name:
            shutil.copy(f, target / f.name)
    return tmp_path / "models"


def test_a_failed_quantization_falls_back_to_fp32_and_says_so(extractors, models_dir, tmp_path, monkeypatch,
                                                              caplog):
    def broken(fp32_path, out_path):
        raise RuntimeError("quantizer broke")

    models = _fp32_export_copied(models_dir, tmp_path)
    monkeypatch.setattr(musicnn_int8, "quantize", broken)
    with caplog.at_level(logging.WARNING):
        tagger = net.Tagger(MTT, models, int8=True)
    assert tagger.precision == "fp32" and tagger.backend == "onnx"
    assert "quantizer broke" in caplog.text and "running fp32" in caplog.text
    patches = net.log_mel_patches(drum_loop(bpm=120.0, seconds=4.0))
    np.testing.assert_array_equal(tagger.run(patches)[0], net.Tagger(MTT, models).run(patches)[0])
    assert not list((models / "onnx").glob("*.failed"))  # an error is not a verdict: the next start tries again


def test_a_rejected_int8_model_is_remembered_not_rebuilt(extractors, models_dir, tmp_path, monkeypatch, caplog):
    models = _fp32_export_copied(models_dir, tmp_path)
    monkeypatch.setattr(musicnn_int8, "quantize", lambda fp32, out: shutil.copy(fp32, out))  # fast, "int8" = fp32
    monkeypatch.setattr(musicnn_int8, "MAX_TIME_RATIO", 0.0)  # ... and so never faster than fp32
    with caplog.at_level(logging.INFO):
        assert net.Tagger(MTT, models, int8=True).precision == "fp32"
    assert "not faster than fp32" in caplog.text
    [remembered] = (models / "onnx").glob("MTT_musicnn-int8-*.failed")
    assert "not faster" in remembered.read_text()

    def must_not_run(fp32, out):
        raise AssertionError("rebuilt a rejected model")

    monkeypatch.setattr(musicnn_int8, "quantize", must_not_run)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert net.Tagger(MTT, models, int8=True).precision == "fp32"
    assert "remembered in" in caplog.text and "not faster" in caplog.text
