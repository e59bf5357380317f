"""Optimised ONNX graphs are cached: a worker's second start loads the saved graph instead of
optimising again, with the same outputs; a cached file that was changed is never loaded."""
import numpy as np
import onnxruntime as ort
import pytest

from mediarec.extract import onnx_cache
from mediarec.extract.extractors.emotion_music import model_path


@pytest.fixture
def loads(monkeypatch):
    """The model paths onnxruntime is asked to load, in order."""
    seen = []
    real = ort.InferenceSession

    def recording(path, *args, **kwargs):
        seen.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(ort, "InferenceSession", recording)
    return seen


def run(session):
    x = np.random.default_rng(0).standard_normal((1, 128, 301)).astype(np.float32)
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def test_the_second_start_loads_the_optimised_graph_with_equal_outputs(tmp_path, loads):
    vibenet = model_path()
    assert vibenet is not None, "vibenet is a declared dependency"
    first = onnx_cache.session(vibenet, models_dir=tmp_path)
    saved = list((tmp_path / onnx_cache.OPTIMIZED_DIR).glob("*.onnx"))
    assert len(saved) == 1 and loads == [str(vibenet)]
    second = onnx_cache.session(vibenet, models_dir=tmp_path)
    assert loads[-1] == str(saved[0])  # not optimised again from the package's file
    np.testing.assert_allclose(run(second), run(first), rtol=1e-5, atol=1e-6)


def test_a_changed_cached_graph_is_made_again_not_loaded(tmp_path, loads):
    vibenet = model_path()
    onnx_cache.session(vibenet, models_dir=tmp_path)
    saved = next((tmp_path / onnx_cache.OPTIMIZED_DIR).glob("*.onnx"))
    saved.write_bytes(saved.read_bytes()[:-10] + b"0123456789")
    again = onnx_cache.session(vibenet, models_dir=tmp_path)
    assert loads == [str(vibenet), str(vibenet)]
    assert run(again).shape == (1, 7) and onnx_cache.session(vibenet, models_dir=tmp_path) is not None
    assert loads[-1] == str(saved)  # the graph saved again is whole and used
