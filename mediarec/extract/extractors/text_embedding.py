"""text.embedding: what a file is about, in words: all-MiniLM-L6-v2 (384-d) over its transcript and metadata.

One vector per file, in the same space as a search query (`embed_query`), so search is one matrix
product and the recommender gets one "talks about" space:
- with speech: normalise(0.75 * transcript + 0.25 * metadata). The transcript is packed into chunks
  of 256 tokens whose vectors are averaged; the metadata keeps the title in play (a talk whose words
  wander still matches its title). The metadata-only vector is kept in attrs (`metadata_vector`).
- without speech (most music): the metadata vector alone (title, artist, album, genre, folder names),
  marked `attrs["wordless"]`. Search by meaning reads it (a query finds a file by what it is called);
  the similarity spaces do not: for wordless items the "talks alike" space is empty (index/spaces.py),
  because a vector of names makes "more like this" find the folder, not the sound (issue 11: precision@5
  for "same album" 0.997 from names alone on the album corpus). Where items come from (same album,
  artist, folder) is a signal of its own in more like this (recommend/provenance.py). Version 2 adds
  the mark; version 1 rows carry none, so they go stale.
A 768-d concatenation was the alternative; it would need a query of the same shape and would make
"no transcript" a block of zeros that pulls cosines down; a blend in the query's own space avoids both."""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import ExtractorError, MissingDependency, OurBug
from ..base import ExtractorSpec, FeatureResult, MediaInput, Runtime, register
from ..batching import BatchedExtractor
from ..models.minilm import DIM, MAX_TOKENS, MiniLM, model_files, pool_chunks
from .transcript import SpeechTranscript

TRANSCRIPT_WEIGHT = 0.75
MIN_WORDS = 3  # fewer transcribed words than this say too little to outweigh the metadata
MAX_CHUNKS = 32  # about 40 minutes of talk; longer transcripts are sampled evenly
GENERIC_FOLDERS = {"music", "musik", "musique", "video", "videos", "movies", "films", "media", "audio", "downloads",
                   "download", "desktop", "documents", "home", "users", "mnt", "media", "volumes", "library",
                   "tmp", "temp", "new folder", "misc", "various", "unknown", "unsorted"}


def metadata_text(item: dict[str, Any]) -> str:
    """The words a person would use for the file: title (else the file name), artist, album, genre, folders."""
    path = Path(str(item.get("path") or ""))
    title = item.get("title") or _words(path.stem)
    parts = [title, item.get("artist"), item.get("album"), item.get("genre")]
    folders = [_words(p) for p in path.parts[-3:-1] if p.lower() not in GENERIC_FOLDERS]
    seen: set[str] = set()
    out = []
    for p in [*parts, *folders]:
        p = str(p or "").strip()
        if p and p.lower() not in seen:
            seen.add(p.lower())
            out.append(p)
    return ". ".join(out)


def _words(name: str) -> str:
    """A file or folder name as words: separators to spaces, leading track numbers dropped."""
    text = re.sub(r"[_.\-]+", " ", name)
    return re.sub(r"^\s*\d{1,3}\s+", "", text).strip()


_SHARED: dict[tuple[str, int], MiniLM] = {}
_SHARED_LOCK = threading.Lock()


def encoder(device: str = "cpu", threads: int = 1) -> MiniLM:
    """The process's MiniLM for this device and thread count (loaded once)."""
    key = (device, max(1, threads))
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = MiniLM(device=key[0], threads=key[1])
        return _SHARED[key]


def embed_query(text: str, runtime: Runtime | None = None) -> np.ndarray:
    """A search query as a unit 384-d float32 vector, comparable (dot product) with stored text embeddings."""
    device = runtime.device if runtime is not None else "cpu"
    threads = runtime.threads if runtime is not None else 1
    return encoder(device, threads).encode([text])[0]


@register
class TextEmbedding(BatchedExtractor):
    spec = ExtractorSpec(
        name="text.embedding", version=2, kinds=frozenset({"audio", "video"}), dim=DIM,
        description="what it is about in words: MiniLM sentence embedding of the transcript and the metadata",
        after=("speech.transcript",), requires=("onnxruntime", "tokenizers"))

    def __init__(self) -> None:
        self.model: MiniLM | None = None
        self.expect_transcript = False

    def check(self, runtime: Runtime) -> str | None:
        reason = super().check(runtime)
        if reason:
            return reason
        try:
            model_files()
        except MissingDependency as exc:
            return str(exc)
        return None

    def load(self, runtime: Runtime) -> None:
        self.model = encoder(runtime.device, runtime.threads)
        # Without the transcriber here (no faster-whisper, no model), metadata alone is the best we have;
        # with it, a missing transcript means it failed on the file, and a metadata-only vector stored as
        # current would never get the words.
        self.expect_transcript = SpeechTranscript().check(runtime) is None

    def prepare(self, media: MediaInput) -> dict[str, Any]:
        """The file's token id sequences: its metadata text, then its transcript's chunks (if it has words)."""
        assert self.model is not None, "load() was not called"
        meta = metadata_text(media.item)
        segments = _transcript_segments(media, self.expect_transcript)
        words = sum(len(t.split()) for t in segments)
        chunks, tokens = self.model.chunks(segments, MAX_CHUNKS) if words >= MIN_WORDS else ([], 0)
        meta_ids = self.model.token_ids([meta])[0][:MAX_TOKENS - 2]
        return {"meta": meta, "words": words, "tokens": tokens, "chunks": chunks, "seqs": [meta_ids, *chunks]}

    def infer(self, prepared: list[dict[str, Any]]) -> list[np.ndarray]:
        """Unit vectors of every file's sequences, from one call over all of them."""
        assert self.model is not None, "load() was not called"
        vectors = self.model.embed_ids([seq for p in prepared for seq in p["seqs"]])
        return np.split(vectors, np.cumsum([len(p["seqs"]) for p in prepared])[:-1])

    def finish(self, media: MediaInput, prepared: dict[str, Any], vectors: np.ndarray) -> FeatureResult:
        meta_vec = vectors[0]
        attrs: dict[str, Any] = {"metadata_text": prepared["meta"], "parts": ["metadata"], "wordless": True}
        chunks = prepared["chunks"]
        if not chunks:
            return FeatureResult(meta_vec, attrs)
        attrs["wordless"] = False
        said = pool_chunks(vectors[1:], chunks)
        blend = TRANSCRIPT_WEIGHT * said + (1 - TRANSCRIPT_WEIGHT) * meta_vec
        vector = (blend / max(float(np.linalg.norm(blend)), 1e-12)).astype(np.float32)
        attrs.update(parts=["transcript", "metadata"], transcript_words=prepared["words"],
                     transcript_tokens=prepared["tokens"], chunks=len(chunks),
                     metadata_vector=[round(float(x), 5) for x in meta_vec])
        return FeatureResult(vector, attrs)


def _transcript_segments(media: MediaInput, expected: bool) -> list[str]:
    said = media.result("speech.transcript")
    if said is None:
        if expected and media.kind in SpeechTranscript.spec.kinds:
            raise ExtractorError(media.path, "no transcript to read: speech.transcript failed on this file")
        return []
    if said.transcript is None:
        if said.attrs.get("speech"):  # the runner must pass the transcript along with the result
            raise OurBug(media.path, "speech.transcript's result reached text.embedding without its text")
        return []
    return [t for _, _, t in said.transcript.segments if t.strip()]
