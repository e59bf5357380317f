"""audio.musicnn: the torch port and its ONNX export reproduce the original TensorFlow musicnn, and the
tags mean what they say on generated music (a drum loop vs a slow, quiet chord progression)."""
import logging
from pathlib import Path

import numpy as np
import pytest

from mediarec.extract import registry
from mediarec.extract.base import MediaInput, Runtime
from mediarec.extract.models import musicnn_net as net
from mediarec.settings import Settings
from media_factory import write_audio, write_video
from music_signals import RATE, drum_loop, soft_slow_chords, stereo

REFERENCE = Path(__file__).parents[1] / "fixtures" / "musicnn_reference.npz"
TOLERANCE = 1e-4
BEAT_TAGS = {"beat", "beats", "drums", "electronic", "electro", "electronica", "techno", "dance", "house", "fast"}
CALM_TAGS = {"slow", "soft", "mellow", "quiet", "ambient", "classical", "chillout", "chill", "easy listening",
             "new age", "piano", "beautiful"}


@pytest.fixture(scope="module")
def reference():
    with np.load(REFERENCE, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    root = tmp_path_factory.mktemp("musicnn")
    return Runtime(models_dir=str(root / "models"), cache_dir=str(root / "cache"), settings=Settings())


@pytest.fixture(scope="module")
def extractor(runtime):
    ext = registry.create("audio.musicnn")
    assert ext.check(runtime) is None
    ext.load(runtime)
    return ext


@pytest.fixture(scope="module")
def songs(tmp_path_factory):
    d = tmp_path_factory.mktemp("songs")
    return {
        "drums": write_audio(d / "drums.flac", signal=stereo(drum_loop(bpm=120.0, seconds=12.0))),
        "soft": write_audio(d / "soft.flac", signal=stereo(soft_slow_chords(seconds=12.0))),
        "silence": write_audio(d / "silence.flac", signal=np.zeros((2, RATE * 3), np.float32)),
        "short": write_audio(d / "short.flac", signal=stereo(drum_loop(bpm=120.0, seconds=0.5))),
    }


def analyse(extractor, path, kind="audio", duration=None):
    return extractor.extract(MediaInput({"path": str(path), "kind": kind, "duration": duration}))


def _weights(model):
    return net.weights_dir() / f"{model}.npz"


# --- the port against the original TensorFlow code (tools/musicnn_reference.py) ----------------------

def test_log_mel_patches_match_musicnn_input(reference):
    ours = []
    for pcm, count in zip(reference["audio"], reference["patches_per_excerpt"]):
        samples = pcm.astype(np.float32) / 32768
        assert net.patch_count(len(samples)) == count
        ours.append(net.log_mel_patches(samples))
    np.testing.assert_allclose(np.concatenate(ours), reference["mel"], rtol=0, atol=TOLERANCE)
    second = net.log_mel_patches(reference["audio"][0].astype(np.float32) / 32768, [1])  # one patch alone
    np.testing.assert_allclose(second[0], reference["mel"][1], rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("model", net.MODELS)
def test_torch_port_matches_original(model, reference):
    import torch

    from mediarec.extract.models import musicnn_torch

    with torch.inference_mode():
        tags, penultimate = musicnn_torch.load(_weights(model))(torch.from_numpy(reference["mel"]))
    prefix = model[:3].lower()
    assert np.abs(tags.numpy() - reference[f"{prefix}_tags"]).max() < TOLERANCE
    assert np.abs(penultimate.numpy() - reference[f"{prefix}_penultimate"]).max() < TOLERANCE


@pytest.mark.parametrize("model", net.MODELS)
def test_onnx_path_matches_original(model, reference, runtime):
    tagger = net.Tagger(_weights(model), runtime.models_dir, backend="onnx")
    tags, penultimate = tagger.run(reference["mel"])
    prefix = model[:3].lower()
    assert tagger.backend == "onnx"
    assert np.abs(tags - reference[f"{prefix}_tags"]).max() < TOLERANCE
    assert np.abs(penultimate - reference[f"{prefix}_penultimate"]).max() < TOLERANCE


def test_a_failed_onnx_export_falls_back_to_torch_and_says_so(reference, tmp_path, monkeypatch, caplog):
    def broken_export(model, path):
        raise RuntimeError("exporter broke")

    from mediarec.extract.models import musicnn_torch
    monkeypatch.setattr(musicnn_torch, "export_onnx", broken_export)
    with caplog.at_level(logging.WARNING):
        tagger = net.Tagger(_weights("MSD_musicnn"), tmp_path / "models")
    assert tagger.backend == "torch"
    assert "exporter broke" in caplog.text
    tags, _ = tagger.run(reference["mel"])
    assert np.abs(tags - reference["msd_tags"]).max() < TOLERANCE


# --- meaning on generated music -------------------------------------------------------------------

def _ranking(result):
    """All tags of both models, most probable first, lower-cased, each once (its higher probability)."""
    best: dict[str, float] = {}
    for tags in (result.attrs["msd"], result.attrs["mtt"]):
        for tag, p in tags.items():
            best[tag.lower()] = max(p, best.get(tag.lower(), 0.0))
    return sorted(best, key=lambda t: -best[t])


def test_a_drum_loop_is_tagged_as_beat_and_electronic(extractor, songs):
    result = analyse(extractor, songs["drums"])
    top = [tag.lower() for tag, _ in result.attrs["top"]]
    assert len(top) == 5
    assert len(BEAT_TAGS.intersection(top)) >= 3, top


def test_slow_soft_chords_rank_calm_tags_higher_than_a_drum_loop(extractor, songs):
    soft, drums = analyse(extractor, songs["soft"]), analyse(extractor, songs["drums"])
    soft_rank, drum_rank = _ranking(soft), _ranking(drums)

    def mean_rank(ranking, tags):
        return np.mean([ranking.index(t) for t in tags])

    assert mean_rank(soft_rank, CALM_TAGS) < mean_rank(drum_rank, CALM_TAGS)
    assert mean_rank(soft_rank, BEAT_TAGS) > mean_rank(drum_rank, BEAT_TAGS)
    for tag in ("slow", "quiet", "soft"):  # MagnaTagATune's direct descriptors
        assert soft.attrs["mtt"][tag] > drums.attrs["mtt"][tag], tag
    assert len(CALM_TAGS.intersection(t.lower() for t, _ in soft.attrs["top"])) >= 2, soft.attrs["top"]


# --- the extractor's contract -----------------------------------------------------------------------

def _check_shape(result):
    assert result.vector.shape == (200,) and result.vector.dtype == np.float32
    assert np.all(np.isfinite(result.vector))
    assert set(result.attrs) >= {"msd", "mtt", "top", "patches"}
    for key in ("msd", "mtt"):
        assert len(result.attrs[key]) == 50
        assert all(0.0 <= p <= 1.0 and np.isfinite(p) for p in result.attrs[key].values())
    assert len(result.attrs["top"]) == 5 and all(isinstance(tag, str) for tag, _ in result.attrs["top"])


def test_the_same_file_gives_the_same_output_twice(extractor, songs):
    first, second = analyse(extractor, songs["drums"]), analyse(extractor, songs["drums"])
    np.testing.assert_allclose(first.vector, second.vector, rtol=0, atol=1e-6)
    assert first.attrs == second.attrs
    assert first.attrs["patches"] == 4  # 12 s: four whole 3 s patches


@pytest.mark.parametrize("which", ["silence", "short"])
def test_silence_and_half_a_second_give_finite_output(extractor, songs, which):
    result = analyse(extractor, songs[which])
    _check_shape(result)
    assert result.attrs["patches"] == 1  # padded to one patch
    assert result.attrs["silent"] is (which == "silence")


def test_a_video_soundtrack_is_analysed(extractor, tmp_path):
    clip = write_video(tmp_path / "clip.mp4", seconds=4.0, audio_signal=drum_loop(bpm=120.0, seconds=4.0)[None])
    result = analyse(extractor, clip, kind="video")
    _check_shape(result)
    assert result.attrs["patches"] == 1


def test_long_audio_is_limited_to_patches_spread_over_it():
    from mediarec.extract.extractors.musicnn import MAX_PATCHES, select_patches

    chosen = select_patches(60, MAX_PATCHES)
    assert len(chosen) == MAX_PATCHES and np.all(np.diff(chosen) > 0)
    assert chosen[0] < 60 / MAX_PATCHES and chosen[-1] >= 60 - 60 / MAX_PATCHES  # spans the whole file
    assert list(select_patches(3, MAX_PATCHES)) == [0, 1, 2]


def test_the_patch_budget_comes_from_settings(songs, runtime):
    settings = Settings()
    settings.audio.musicnn_patches = 2
    ext = registry.create("audio.musicnn")
    ext.load(Runtime(models_dir=runtime.models_dir, cache_dir=runtime.cache_dir, settings=settings))
    assert analyse(ext, songs["drums"]).attrs["patches"] == 2  # of the 12 s file's 4
