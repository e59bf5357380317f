"""`audio.musicnn`: music tags (genres, moods, instruments, tempo, vocals) and a 200-d music embedding.

Runs the two musicnn models (Pons & Serra 2019; weights converted from the PyPI wheel `musicnn` 0.1.0,
ISC, see mediarec/resources/models/musicnn/) on 3-second log-mel patches of the file's 16 kHz audio (a video's
soundtrack), exactly as musicnn prepares them, and averages over the patches:

* vector: MSD_musicnn's 200-d penultimate layer. MSD_musicnn learned from the Million Song Dataset's
  tags (genres, eras, moods: "what kind of music is this"), which is the similarity a recommender
  wants; MTT_musicnn's tags are mostly acoustic descriptors (instruments, fast/slow, loud/quiet), kept
  as attributes where explanations and emotion.music use them. Appending MTT's 200 dimensions doubles
  the index without a clear gain: on the 19 dev-corpus tracks the two albums' between/within distance
  ratio was 1.43 with them and 1.48 without (nearest neighbour from the same album: 17 vs 16 tracks).
* attrs["msd"], attrs["mtt"]: {tag: probability} for each model's 50 tags (other extractors read
  these keys); attrs["top"]: the 5 most probable tags over both, [[tag, probability], ...] (a tag both
  models have, such as "electronic", appears once with the higher probability); attrs["patches"]: how
  many patches were averaged; attrs["silent"]: the audio is digital silence (its tags mean nothing).

Cost: as trained, each model needs about 1.4 GMAC per patch, about 50 ms on one core with onnxruntime.
But most of their filters died in training (weights ~1e-30: MSD_musicnn keeps 23 and 14 of its timbral
blocks' 204 filters), and the exported graphs leave them out (musicnn_torch.prune), with the same
outputs to within 1e-6: MSD_musicnn runs 4-5x faster, MTT_musicnn 1.7-2x. MTT_musicnn then runs its
timbral convolutions in int8 (`INT8_MODELS`), 1.4x faster again. Torch eager, the fallback, runs the
whole unpruned network (1.5-2x the original 50 ms). A file yields up to `MAX_PATCHES` patches, spread
evenly over the audio the decoder handed us (for long files already an excerpt), and only those
patches' log-mels are computed; see MAX_PATCHES for why that many."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from ...errors import MissingDependency
from ..base import ExtractorSpec, FeatureResult, MediaInput, Runtime, register
from ..batching import BatchedExtractor, map_batched
from ..models import musicnn_net as net

log = logging.getLogger(__name__)

MAX_PATCHES = 8
"""Patches (3 s each) per file and model, unless settings say otherwise (`audio.musicnn_patches`).
Measured on the 19 dev-corpus tracks (their default decode excerpts, 14-76 patches each), 8 patches
against all of them: embedding cosine similarity 0.994 on average (0.986 at worst), 97% of the top-5
tags the same, the two albums as well separated (between/within distance ratio 1.48 for both), at
0.7-0.9 s of one core per track (both models, before pruning and int8: now about a third of that)
instead of 4.5-5 s for the 60 patches of a 3-minute excerpt. 4 patches drop to 0.987 and 91%; 16 gain
little (0.998, 98%) for twice the time. MTT_musicnn alone on 4 of the 8 patches (its tags describe
sound, which varies less over a track than genre does) would save a quarter of the time, but moves
its tags by up to 0.12 and keeps 96% of its top 5: more than int8 changes, for less."""
TOP = 5
INT8_MODELS = frozenset({"MTT_musicnn"})
"""Models run in int8 on a CPU (musicnn_int8), unless settings say otherwise (`audio.musicnn_int8`).
Measured on the 19 dev-corpus tracks, 8 patches each, against the fp32 model (bench/musicnn_speed.py):
MTT_musicnn in int8 takes 0.65-0.75 of its pruned fp32 time, every tag within 0.005 of fp32 (the
choice of 8 patches instead of all of them moves tags by up to 0.08), the same top 5 tags on every
track. MSD_musicnn would gain 10% at most (its pruned timbral convolutions are small) for an
embedding at cosine 0.9997 and 98% of the top-5 tags; it stays fp32, the embedding unchanged."""


def _settings_max_patches(runtime: Runtime | None) -> int:
    audio = getattr(getattr(runtime, "settings", None), "audio", None)
    value = getattr(audio, "musicnn_patches", None)
    return max(1, int(value)) if value else MAX_PATCHES


def _settings_int8(runtime: Runtime | None) -> bool:
    audio = getattr(getattr(runtime, "settings", None), "audio", None)
    return bool(getattr(audio, "musicnn_int8", True))


def select_patches(count: int, limit: int) -> np.ndarray:
    """Indices of at most `limit` of `count` patches, evenly spread: the middle patch of each of `limit`
    equal stretches, so an intro or a fade-out is not sampled more than any other part."""
    if count <= limit:
        return np.arange(count)
    return ((np.arange(limit) + 0.5) * count / limit).astype(int)


def read_tags(folder: Path) -> dict[str, list[str]]:
    tags = json.loads((folder / "tags.json").read_text(encoding="utf-8"))
    for name in net.MODELS:
        if len(tags.get(name, [])) != 50:
            raise ValueError(f"{folder / 'tags.json'}: {name} needs 50 tags")
    return tags


@register
class Musicnn(BatchedExtractor):
    spec = ExtractorSpec(
        name="audio.musicnn",
        version=2,  # 2: MTT_musicnn in int8 (tags move by up to 0.005)
        kinds=frozenset({"audio", "video"}),
        dim=200,
        description="music tags (MSD and MTT musicnn, 50 each: genre, mood, instruments, tempo, vocals) "
                    "and the MSD model's 200-d embedding, averaged over 3 s patches",
        requires=("torch", "librosa"),
        audio_rate=net.SAMPLE_RATE,
    )

    def __init__(self) -> None:
        self._taggers: dict[str, net.Tagger] = {}
        self._tags: dict[str, list[str]] = {}
        self._max_patches = MAX_PATCHES

    def check(self, runtime: Runtime) -> str | None:
        reason = super().check(runtime)
        if reason:
            return reason
        folder = net.weights_dir(runtime.models_dir)
        missing = [f"{name}.npz" for name in net.MODELS if not (folder / f"{name}.npz").is_file()]
        if missing:
            return f"musicnn weights missing in {folder}: {', '.join(missing)} (tools/convert_musicnn.py makes them)"
        try:
            read_tags(folder)
            net.verify_weights(folder)
        except (OSError, ValueError) as exc:
            return f"musicnn tag list unreadable: {exc}"
        except MissingDependency as exc:  # a weights file that is not the one we ship: refused
            return str(exc)
        return None

    def load(self, runtime: Runtime) -> None:
        folder = net.weights_dir(runtime.models_dir)
        self._tags = read_tags(folder)
        self._max_patches = _settings_max_patches(runtime)
        int8 = _settings_int8(runtime)
        for name in net.MODELS:
            self._taggers[name] = net.Tagger(folder / f"{name}.npz", runtime.models_dir, runtime.device,
                                             runtime.threads, int8=int8 and name in INT8_MODELS)
        log.info("audio.musicnn on %s: %s", runtime.device,
                 ", ".join(f"{t.name} via {t.backend} {t.precision}" for t in self._taggers.values()))

    batch_items = 64  # 8 files' patches per model call

    def prepare(self, media: MediaInput) -> np.ndarray:
        """The file's log-mel patches (at most `max_patches`, spread over the decoded audio)."""
        if not self._taggers:
            raise RuntimeError("Musicnn used before load()")
        samples = media.audio(net.SAMPLE_RATE)
        return net.log_mel_patches(samples, select_patches(net.patch_count(len(samples)), self._max_patches))

    def infer(self, prepared: list[np.ndarray]) -> list[dict[str, tuple[np.ndarray, np.ndarray]]]:
        """Per file, per model: (tag probabilities, penultimate features) of each of its patches."""
        per_model = {name: map_batched(tagger.run, prepared, self.batch_items)
                     for name, tagger in self._taggers.items()}
        return [{name: outs[k] for name, outs in per_model.items()} for k in range(len(prepared))]

    def finish(self, media: MediaInput, patches: np.ndarray, outputs: dict) -> FeatureResult:
        probs = {name: tags.mean(axis=0) for name, (tags, _) in outputs.items()}
        vector = outputs["MSD_musicnn"][1].mean(axis=0).astype(np.float32)
        attrs = {
            "msd": self._named(probs["MSD_musicnn"], "MSD_musicnn"),
            "mtt": self._named(probs["MTT_musicnn"], "MTT_musicnn"),
            "patches": int(len(patches)),
            "silent": bool(media.audio().is_silent),  # the tags of silence are noise, not a description
        }
        attrs["top"] = top_tags([attrs["msd"], attrs["mtt"]], TOP)
        return FeatureResult(vector, attrs)

    def _named(self, probs: np.ndarray, model: str) -> dict[str, float]:
        return {tag: round(float(p), 4) for tag, p in zip(self._tags[model], probs)}


def top_tags(tag_maps: list[dict[str, float]], count: int) -> list[list]:
    """The `count` most probable tags over several {tag: probability} maps; a tag named in several
    (any case) counts once, with its highest probability and the first spelling seen."""
    best: dict[str, tuple[str, float]] = {}
    for tags in tag_maps:
        for tag, p in tags.items():
            key = tag.lower()
            if key not in best or p > best[key][1]:
                best[key] = (best.get(key, (tag, 0.0))[0], p)
    ranked = sorted(best.values(), key=lambda item: -item[1])
    return [[tag, p] for tag, p in ranked[:count]]
