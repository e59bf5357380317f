"""The `emotion.music` extractor: valence, arousal and a mood label from vibenet, blended with musicnn's mood tags.

vibenet (PyPI `vibenet` 0.1.0, GPL-3.0-or-later) is an EfficientNet-B0 distilled to predict Spotify-style
audio features (valence, energy, danceability, acousticness, instrumentalness, liveness, speechiness)
from 30-second clips. We run the ONNX file it ships with onnxruntime (through `onnx_cache.session`) on
our shared decode, with its exact preprocessing reproduced in `vibenet_mel` (its own code would decode
the file again, with other libraries): 16 kHz mono, 640-sample Hann frames every 320 samples, 1024-point
FFT, 128 Slaney mel bands to 8 kHz, power in dB clipped 80 dB below the clip's peak. The network was
trained on 30-s clips, so the track is cut into 30-s windows (or, when the shared decode is an excerpt of a
long file, into the excerpt's own windows, so that none straddles a seam), at most `MAX_WINDOWS` spread
over it are run, one at a time (the exported graph has its batch size fixed at 1), and their outputs
are averaged. With batching across files on (a GPU), a derived graph that takes a batch
(models/vibenet_batched.py) runs the same-length windows of a group of files in one call.

How the two models are combined, and why:
- vibenet regresses valence and energy (Spotify's measure of intensity and activity, i.e. arousal)
  directly, so it is the base estimate of both.
- musicnn's tags are not calibrated mood scales, but several are strong, independent evidence: MagnaTagATune's
  fast/slow/loud/quiet/soft/beat/ambient are acoustic descriptors that musicnn predicts well, and MSD's
  happy/sad/party/mellow/chill are listeners' mood words. For each dimension the tags are split into
  ones that raise and ones that lower it (`AROUSAL_TAGS`, `VALENCE_TAGS`), and
      tag_score = 0.5 + 0.5 * (up - down) / (up + down + K)      (up, down: weighted tag probabilities)
  which is scale-free (it uses the balance of evidence, not the raw probabilities, which differ a lot
  between common and rare tags) and stays near 0.5 when the tags say little.
- The blend is  value = (1 - w) * vibenet + w * tag_score  with  w = W_MAX * (up + down) / (up + down + K):
  the tags get up to W_MAX of the say, and only as much as they have evidence. W_MAX is larger for
  arousal (0.4) than for valence (0.3): arousal is what audio models, both of these included, predict
  well (tempo, loudness and density are audible), while valence is the weaker dimension of every music
  emotion model and MSD's happy/sad tags are sparse; vibenet, trained on valence itself, keeps the
  larger share of it.
On the dev corpus the two arousal estimates agree (vibenet's energy against the tag score: r = 0.87 over
its 19 tracks and the two generated test tracks), so blending them averages out each one's errors
rather than mixing two different notions.
Without musicnn's result (not installed, or failed on this file) the values are vibenet's alone, and the
attributes say so (`musicnn: false`).

Vector (`DIM` = 6 float32, each in [0, 1]): [valence, arousal, energy, danceability, acousticness,
instrumentalness]: the "mood" similarity space, starting with valence and arousal like emotion.speech.
Subtract 0.5 before an angular (cosine) comparison; Euclidean distance works on it as it is."""
from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import MissingDependency
from .. import dsp_kernels as kernels
from ..base import ExtractorSpec, FeatureResult, MediaInput, Runtime, register
from ..batching import BatchedExtractor, Ready

log = logging.getLogger(__name__)

RATE = 16000  # vibenet's sample rate
WINDOW = 30 * RATE  # vibenet's training clips are 30 s long
MAX_WINDOWS = 3
"""Windows run per track (~115 ms each on one core). Measured on the 58 real tracks of the dev and album
corpora with the default excerpt (6 windows of 20 s above 2 minutes): the mean of 3 windows spread over
it follows the mean of 4 (the choice before version 2) with r >= 0.975 on each of the 7 outputs (valence
0.985, energy 0.989) and a mean absolute difference of 0.026 or less, and the mean of all 6 with
r >= 0.947 (valence 0.977, energy 0.982); 4 windows reach r >= 0.974 against all 6. The fourth window
cost 5% of a music analysis for that last 0.03 of correlation."""
MIN_TAIL = WINDOW // 3  # a last partial window shorter than 10 s adds little; it is left out
LABELS = ("acousticness", "danceability", "energy", "instrumentalness", "liveness", "speechiness", "valence")
"""The network's 7 outputs, in order (vibenet.labels)."""
LIKELIHOODS = frozenset({"acousticness", "liveness", "instrumentalness"})  # logits: sigmoid; others: clip to [0, 1]
VECTOR = ("valence", "arousal", "energy", "danceability", "acousticness", "instrumentalness")
DIM = len(VECTOR)

# musicnn tags that raise (+w) or lower (-w) each dimension; weights 1 for direct words, 0.5 for hints.
AROUSAL_TAGS = {
    "mtt": {"fast": 1.0, "loud": 1.0, "beat": 0.5, "dance": 0.5,
            "slow": -1.0, "quiet": -1.0, "soft": -1.0, "ambient": -0.5},
    "msd": {"party": 0.5, "dance": 0.5, "Mellow": -0.5, "chill": -0.5, "chillout": -0.5, "easy listening": -0.5},
}
VALENCE_TAGS = {
    "msd": {"happy": 1.0, "party": 0.5, "catchy": 0.5, "dance": 0.5, "sexy": 0.5, "beautiful": 0.5,
            "sad": -1.0},
    "mtt": {"weird": -0.5},
}
K = 0.2  # evidence (summed tag probability) at which the tags get half their maximum say
W_MAX = {"arousal": 0.4, "valence": 0.3}

from ..moods import mood_of  # noqa: E402 - the same mood words for music and speech (extract/moods.py)
from ..models.verify import problem as model_problem, verify  # noqa: E402 - hash check before loading

VIBENET_HASH_NAME = "vibenet/efficientnet_model.onnx"


def model_path() -> Path | None:
    """vibenet's ONNX file, found without importing vibenet (its modules pull in pydub, audioread ...)."""
    spec = importlib.util.find_spec("vibenet")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "artifacts" / "efficientnet_model.onnx"
        if path.is_file():
            return path
    return None


@register
class MusicEmotion(BatchedExtractor):
    spec = ExtractorSpec(
        name="emotion.music", version=2, kinds=frozenset({"audio", "video"}), dim=DIM,
        description="valence, arousal and mood (vibenet, blended with musicnn's mood tags)",
        after=("audio.musicnn",), requires=("onnxruntime", "scipy"), audio_rate=RATE)

    batch_items = 24  # windows per call of the batched graph (8 files x 3 windows)

    def __init__(self) -> None:
        self.session = None
        self.batched = None  # the batchable graph's session, with batching across files on

    def check(self, runtime: Runtime) -> str | None:
        reason = super().check(runtime)
        if reason is None and model_path() is None:
            reason = "the vibenet model is missing (PyPI package vibenet==0.1.0)"
        elif reason is None:
            reason = model_problem(model_path(), VIBENET_HASH_NAME, "emotion.music")
        return reason

    def load(self, runtime: Runtime) -> None:
        from ..onnx_cache import session

        path = model_path()
        if path is None:
            raise MissingDependency("emotion.music", "the vibenet model is missing", "pip install vibenet==0.1.0")
        verify(path, VIBENET_HASH_NAME, "emotion.music")
        self.session = session(path, runtime.device, runtime.threads, runtime.models_dir or None)
        self.predict(np.zeros(RATE, np.float32))  # imports and first-run allocations now, not on the first file
        self.batched = _batched_session(path, runtime)

    def prepare(self, media: MediaInput) -> list[np.ndarray] | Ready:
        """The mel spectrograms of the file's windows (`windows()`), or silence's result."""
        if self.session is None:  # used without the runner (a test, a script): load on the CPU
            self.load(Runtime(models_dir="", cache_dir=""))
        y = media.audio(RATE)
        if media.audio().is_silent:
            return Ready(silent_result())
        return [vibenet_mel(y[start:end]) for start, end in windows(len(y), excerpt_spans(media.audio(), RATE))]

    def infer(self, prepared: list[list[np.ndarray]]) -> list[np.ndarray]:
        """(windows, 7) vibenet outputs per file: one call per window, or with the batchable graph one call
        per batch of same-length windows across the files."""
        mels = [m for file_mels in prepared for m in file_mels]
        logits: list[np.ndarray | None] = [None] * len(mels)
        if self.batched is None:
            for i, mel in enumerate(mels):
                logits[i] = self.session.run(None, {"x": mel[np.newaxis]})[0][0]
        else:
            by_shape: dict[tuple, list[int]] = {}
            for i, mel in enumerate(mels):
                by_shape.setdefault(mel.shape, []).append(i)
            for idx in by_shape.values():
                for lo in range(0, len(idx), self.batch_items):
                    part = idx[lo:lo + self.batch_items]
                    out = self.batched.run(None, {"x": np.stack([mels[i] for i in part])})[0]
                    for i, row in zip(part, out):
                        logits[i] = row
        rows = np.asarray([[_activate(label, float(v)) for label, v in zip(LABELS, lg)] for lg in logits],
                          np.float64).reshape(len(mels), len(LABELS))
        bounds = np.cumsum([len(m) for m in prepared])[:-1]
        return np.split(rows, bounds)

    def finish(self, media: MediaInput, prepared: list[np.ndarray], rows: np.ndarray) -> FeatureResult:
        vib = {label: float(v) for label, v in zip(LABELS, rows.mean(axis=0))}
        tags = media.result("audio.musicnn")
        have_tags = tags is not None and "mtt" in tags.attrs and "msd" in tags.attrs
        arousal_parts = blend(vib["energy"], tags.attrs if have_tags else None, AROUSAL_TAGS, W_MAX["arousal"])
        valence_parts = blend(vib["valence"], tags.attrs if have_tags else None, VALENCE_TAGS, W_MAX["valence"])
        valence, arousal = valence_parts["value"], arousal_parts["value"]
        values = {"valence": valence, "arousal": arousal, **{k: vib[k] for k in VECTOR[2:]}}
        attrs: dict[str, Any] = {
            "silent": False, "valence": _r(valence), "arousal": _r(arousal), "mood": mood_of(valence, arousal),
            "musicnn": have_tags, "vibenet": {k: _r(v) for k, v in vib.items()},
            "sources": {"valence": {**valence_parts, "value": _r(valence)},
                        "arousal": {**arousal_parts, "value": _r(arousal)}},
            **{k: _r(vib[k]) for k in LABELS if k != "valence"},
            # The speech gate reads it: music instrumental in every window needs no voice probe.
            "instrumentalness_min": _r(rows[:, LABELS.index("instrumentalness")].min()),
        }
        if not have_tags:
            attrs["note"] = "vibenet alone: no musicnn tags for this file"
        return FeatureResult(np.array([values[k] for k in VECTOR], np.float32), attrs)

    def predict(self, y16: np.ndarray, spans: list[tuple[int, int]] | None = None) -> dict[str, float]:
        """vibenet's 7 outputs for a 16 kHz signal: the mean over up to MAX_WINDOWS windows of at most 30 s
        (the excerpt's own windows when it is one, so that no window straddles a seam between them)."""
        mean = self.predict_windows(y16, spans).mean(axis=0)
        return {label: float(v) for label, v in zip(LABELS, mean)}

    def predict_windows(self, y16: np.ndarray, spans: list[tuple[int, int]] | None = None) -> np.ndarray:
        """(windows, 7) vibenet outputs, one row per window `windows()` picks, columns in `LABELS` order."""
        return self.infer([[vibenet_mel(y16[start:end]) for start, end in windows(len(y16), spans)]])[0]


def _batched_session(path: Path, runtime: Runtime):
    """The batchable graph's session where batching across files is on (None elsewhere, or if the graph
    cannot be derived: windows then run one by one, as without batching)."""
    from ..device import batching

    analyze = getattr(runtime.settings, "analyze", None)
    if not runtime.models_dir or not batching(getattr(analyze, "batch", "auto"), runtime.device)[0]:
        return None
    from ..models.vibenet_batched import batched_path
    from ..onnx_cache import session

    try:
        return session(batched_path(path, runtime.models_dir), runtime.device, runtime.threads,
                       runtime.models_dir or None)
    except Exception as exc:  # noqa: BLE001 - batching is a speed-up; the per-window graph still works
        log.warning("emotion.music: no batched vibenet (%s); windows run one by one", exc)
        return None


def excerpt_spans(decoded, rate: int) -> list[tuple[int, int]] | None:
    """Sample spans, at `rate`, of the excerpt windows the shared decode joined (None: decoded whole)."""
    if len(decoded.ranges) <= 1:
        return None
    total = int(round(decoded.seconds * rate))
    spans, pos = [], 0
    for start, end in decoded.ranges:
        n = int(round((end - start) * rate))
        if min(pos + n, total) - pos > 0:
            spans.append((pos, min(pos + n, total)))
        pos += n
    return spans or None


def windows(n: int, spans: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """(start, end) sample ranges of the windows run: the whole signal when shorter than one window,
    else 30-s windows, or the excerpt's own spans (cut to 30 s) when the signal is an excerpt."""
    if spans:
        spans = [(s, min(e, s + WINDOW)) for s, e in spans]
    elif n <= WINDOW:
        return [(0, n)]
    else:
        spans = [(s, s + WINDOW) for s in range(0, n - WINDOW + 1, WINDOW)]
        if n - spans[-1][1] >= MIN_TAIL:
            spans.append((n - WINDOW, n))
    if len(spans) > MAX_WINDOWS:
        picks = np.unique(np.round(np.linspace(0, len(spans) - 1, MAX_WINDOWS)).astype(int))
        spans = [spans[i] for i in picks]
    return spans


def vibenet_mel(y: np.ndarray) -> np.ndarray:
    """vibenet.core.extract_mel(y, 16000) with its defaults, reproduced: (128, frames) float32 dB.

    Kept in step with vibenet 0.1.0 by tests/extract/test_emotion_music.py, which compares the two."""
    from numpy.lib.stride_tricks import sliding_window_view

    from ..fft import rfft

    n_fft, hop, win = 1024, 320, 640
    y = np.asarray(y, np.float32)
    if y.shape[0] < win:
        y = np.pad(y, (0, win - y.shape[0]))
    frames = sliding_window_view(y, win)[::hop] * _window(win)[None, :]
    spec = rfft(frames, n=n_fft, axis=-1)
    power = (spec.real ** 2 + spec.imag ** 2).astype(np.float32)
    mel = (_mel_filters() @ power.T).astype(np.float32)
    db = 10.0 * np.log10(np.maximum(1e-10, mel))  # ref = 1.0
    return np.maximum(db, db.max() - 80.0).astype(np.float32)


_CACHE: dict[str, np.ndarray] = {}


def _window(n: int) -> np.ndarray:
    key = f"hann{n}"
    if key not in _CACHE:
        _CACHE[key] = kernels.hann(n).astype(np.float32)  # scipy.signal.get_window("hann", n), bit for bit
    return _CACHE[key]


def _mel_filters() -> np.ndarray:
    return kernels.mel_filters(RATE, 1024, 128, 0.0, 8000.0)  # librosa.filters.mel(...), bit for bit


def _activate(label: str, logit: float) -> float:
    """vibenet's InferenceResult.from_logits: likelihoods through a sigmoid, the rest clipped to [0, 1]."""
    if label in LIKELIHOODS:
        return float(1 / (1 + np.exp(-logit)))
    return float(np.clip(logit, 0.0, 1.0))


def tag_evidence(tag_attrs: dict[str, Any], weights: dict[str, dict[str, float]]) -> tuple[float, float]:
    """(up, down): the weighted probabilities of the tags that raise and that lower one dimension."""
    up = down = 0.0
    for source, table in weights.items():
        probs = tag_attrs.get(source) or {}
        for tag, w in table.items():
            p = float(probs.get(tag, 0.0))
            if w > 0:
                up += w * p
            else:
                down += -w * p
    return up, down


def blend(vibenet_value: float, tag_attrs: dict[str, Any] | None, weights: dict[str, dict[str, float]],
          w_max: float) -> dict[str, Any]:
    """vibenet's value moved towards the tags' balance, as far as the tags have evidence (module doc)."""
    if tag_attrs is None:
        return {"value": float(vibenet_value), "vibenet": _r(vibenet_value), "tags": None, "tag_weight": 0.0}
    up, down = tag_evidence(tag_attrs, weights)
    tag_score = 0.5 + 0.5 * (up - down) / (up + down + K)
    w = w_max * (up + down) / (up + down + K)
    value = float(np.clip((1 - w) * vibenet_value + w * tag_score, 0.0, 1.0))
    return {"value": value, "vibenet": _r(vibenet_value), "tags": _r(tag_score), "tag_weight": _r(w)}


def silent_result() -> FeatureResult:
    """Silence has no mood to estimate (vibenet calls digital silence energetic): the calmest neutral point."""
    values = {"valence": 0.5, "arousal": 0.0, "energy": 0.0, "danceability": 0.0, "acousticness": 0.5,
              "instrumentalness": 0.5}
    attrs = {"silent": True, "valence": 0.5, "arousal": 0.0, "mood": "silent", "musicnn": False, "vibenet": None}
    return FeatureResult(np.array([values[k] for k in VECTOR], np.float32), attrs)


def _r(x: float) -> float:
    return round(float(x), 4)
