"""extract/fft.py gives scipy.fft's numbers without scipy.fft's imports in an analysis worker."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.fft

from mediarec.extract import fft

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("shape, axis, n, dtype", [
    ((4, 512, 187), -2, None, np.float32),  # musicnn's mel blocks
    ((64, 2048), -1, None, np.float32),  # audio.dsp's STFT blocks
    ((30, 640), -1, 1024, np.float32),  # vibenet: zero-padded to n
    ((10, 300), -1, 200, np.float64),  # cut to n
    ((3, 256), -1, None, np.float16),  # promoted as scipy does
    ((5, 100), 0, None, np.int16),
])
def test_rfft_is_scipys_bit_for_bit(shape, axis, n, dtype):
    x = (np.random.default_rng(7).standard_normal(shape) * 100).astype(dtype)
    ours, theirs = fft.rfft(x, n=n, axis=axis), scipy.fft.rfft(x, n=n, axis=axis, workers=1)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dct_is_scipys_bit_for_bit(dtype):
    x = (np.random.default_rng(3).standard_normal((128, 300)) * 40).astype(dtype)
    np.testing.assert_array_equal(fft.dct_ortho(x, axis=-2), scipy.fft.dct(x, axis=-2, type=2, norm="ortho"))


def test_bad_input_is_refused_as_scipy_refuses_it():
    with pytest.raises(TypeError):
        fft.rfft(np.ones(8, np.complex64))
    with pytest.raises(ValueError):
        fft.rfft(np.ones(8, np.float32), n=0)


def test_a_music_worker_does_not_import_scipy_fft():
    """audio.dsp, musicnn and vibenet loaded and run as a worker does, in a fresh process."""
    code = (
        "import sys, json\n"
        "from mediarec.extract.worker import init_worker\n"
        "from mediarec.extract.base import Runtime\n"
        "from mediarec.media.audio import ExcerptPolicy\n"
        "from mediarec.paths import AppPaths\n"
        "from mediarec.settings import Settings\n"
        "p = AppPaths.resolve()\n"
        "names = ['audio.dsp', 'audio.musicnn', 'emotion.music']\n"
        "init_worker(names, Runtime(str(p.models), str(p.cache), settings=Settings()), ExcerptPolicy())\n"
        "from mediarec.extract import worker\n"
        "print(json.dumps({'loaded': sorted(worker._EXTRACTORS), 'errors': worker._LOAD_ERRORS,\n"
        "                  'scipy.fft': 'scipy.fft' in sys.modules}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    state = json.loads(done.stdout.strip().splitlines()[-1])
    if state["errors"]:
        pytest.skip(f"extractors unavailable here: {state['errors']}")
    assert state["loaded"] == ["audio.dsp", "audio.musicnn", "emotion.music"]
    assert state["scipy.fft"] is False
