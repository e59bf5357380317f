"""Benchmark: audio.musicnn's models as they were (fp32, every filter) against now (dead filters pruned, MTT in int8).

    python bench/musicnn_speed.py [DIR] [--rounds N] [--vibenet]

DIR defaults to the dev corpus's music. Builds, in a temporary models dir, each model as exported
before (every filter, fp32: the baseline), pruned (fp32) and pruned with int8 timbral convolutions,
then prints, all in the same run (the baseline is padded as exports now are, 51 -> 64 temporal
filters, which made it about 9% faster than the export it replaces: the ratios understate the gain):
  * speed: ms per 3 s patch on one thread (batches of 8 patches, interleaved rounds, medians) and the
    ratio to the baseline, and the share of int8 kernels (QLinearConv) in the int8 models' time;
  * agreement with the baseline, as audio.musicnn computes a file (8 patches spread over the decoded
    excerpt, averaged), on DIR's tracks and on generated music: the MSD embedding's cosine, the
    largest difference of any tag probability, the share of the top-5 tags kept, and for DIR the two
    albums' separation (between/within mean cosine distance; albums = DIR's subfolders);
  * what else was tried: MTT_musicnn on 4 patches instead of 8 (the subset of the 8), and with
    --vibenet, emotion.music's vibenet in int8 (QDQ convolutions), speed and output difference."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mediarec.extract.extractors.musicnn import INT8_MODELS, MAX_PATCHES, select_patches, top_tags  # noqa: E402
from mediarec.extract.models import musicnn_int8, musicnn_net as net, synthetic_music  # noqa: E402
from mediarec.extract.onnx_cache import session  # noqa: E402
from mediarec.extract.runner import excerpt_policy  # noqa: E402
from mediarec.media.audio import decode_audio  # noqa: E402
from mediarec.scan.formats import AUDIO_EXTENSIONS  # noqa: E402
from mediarec.settings import Settings  # noqa: E402

VARIANTS = ("fp32 all filters", "fp32 pruned", "int8 pruned")
NEW = {"MSD_musicnn": "int8 pruned" if "MSD_musicnn" in INT8_MODELS else "fp32 pruned",
       "MTT_musicnn": "int8 pruned" if "MTT_musicnn" in INT8_MODELS else "fp32 pruned"}


def build(folder: Path) -> dict[tuple[str, str], str]:
    from mediarec.extract.models.musicnn_torch import export_onnx, load

    paths = {}
    for name in net.MODELS:
        weights = net.weights_dir() / f"{name}.npz"
        for variant, pruned in (("fp32 all filters", False), ("fp32 pruned", True)):
            paths[name, variant] = str(folder / f"{name}-{variant.replace(' ', '-')}.onnx")
            export_onnx(load(weights), paths[name, variant], pruned=pruned)
        paths[name, "int8 pruned"] = str(folder / f"{name}-int8.onnx")
        musicnn_int8.quantize(paths[name, "fp32 pruned"], paths[name, "int8 pruned"])
    return paths


def speed(paths: dict, patches: np.ndarray, rounds: int) -> None:
    print(f"\nspeed: ms per patch, one thread, batches of {len(patches)}, median of {rounds} interleaved rounds")
    for name in net.MODELS:
        sessions = {v: session(paths[name, v], "cpu", 1) for v in VARIANTS}
        times: dict[str, list[float]] = {v: [] for v in VARIANTS}
        for s in sessions.values():
            s.run(None, {"mel": patches})
        for _ in range(rounds):
            for v, s in sessions.items():
                started = time.perf_counter()
                s.run(None, {"mel": patches})
                times[v].append((time.perf_counter() - started) / len(patches) * 1000)
        base = np.array(times[VARIANTS[0]])
        for v in VARIANTS:
            t = np.array(times[v])
            used = "  <- used" if NEW[name] == v else ""
            print(f"  {name:12s} {v:17s} {np.median(t):6.1f} ms  ratio {np.median(t / base):5.3f}{used}")
        print(f"  {name:12s} int8 kernels: {int8_share(paths[name, 'int8 pruned'], patches)}")


def int8_share(path: str, patches: np.ndarray) -> str:
    """Which ops ran in the int8 model's profile, and QLinearConv's share of the time."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.enable_profiling = 1, True
    opts.profile_file_prefix = os.path.join(tempfile.gettempdir(), "musicnn-int8-profile")
    s = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    for _ in range(3):
        s.run(None, {"mel": patches})
    profile = s.end_profiling()
    events = [e for e in json.loads(Path(profile).read_text()) if e.get("cat") == "Node"]
    os.unlink(profile)
    total = sum(e["dur"] for e in events) or 1
    qconv = sum(e["dur"] for e in events if e["args"].get("op_name") == "QLinearConv")
    count = len({e["name"] for e in events if e["args"].get("op_name") == "QLinearConv"})
    return f"{count} QLinearConv nodes, {100 * qconv / total:.0f}% of the time"


def outputs(paths: dict, tracks: list[np.ndarray], variant_of: dict[str, str], limit: int = MAX_PATCHES) -> dict:
    """Per model: (tags (n_tracks, 50), embeddings (n_tracks, 200)), averaged over each track's patches."""
    out = {}
    for name in net.MODELS:
        s = session(paths[name, variant_of[name]], "cpu", 1)
        tags, features = [], []
        for patches in tracks:
            t, f = s.run(None, {"mel": patches[:limit]})
            tags.append(t.mean(axis=0))
            features.append(f.mean(axis=0))
        out[name] = (np.array(tags), np.array(features))
    return out


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def tops(result: dict, tag_names: dict) -> list[set[str]]:
    msd, mtt = result["MSD_musicnn"][0], result["MTT_musicnn"][0]
    return [{t.lower() for t, _ in top_tags([dict(zip(tag_names["MSD_musicnn"], a)),
                                            dict(zip(tag_names["MTT_musicnn"], b))], 5)} for a, b in zip(msd, mtt)]


def album_ratio(vectors: np.ndarray, albums: list[str]) -> float:
    d = 1 - cosine(vectors[:, None], vectors[None, :])
    same = np.array([[a == b for b in albums] for a in albums])
    upper = np.triu(np.ones_like(same), 1)
    return float(d[~same & upper].mean() / d[same & upper].mean())


def agreement(label: str, base: dict, new: dict, tag_names: dict, albums: list[str] | None) -> None:
    cos = cosine(base["MSD_musicnn"][1], new["MSD_musicnn"][1])
    kept = np.mean([len(a & b) / 5 for a, b in zip(tops(base, tag_names), tops(new, tag_names))])
    diffs = {n: f"{np.abs(base[n][0] - new[n][0]).max():.2g}" for n in net.MODELS}
    print(f"  {label}: MSD embedding cosine mean {cos.mean():.5f} (worst {cos.min():.5f}); top-5 tags kept "
          f"{100 * kept:.1f}%; largest tag difference MSD {diffs['MSD_musicnn']}, MTT {diffs['MTT_musicnn']}")
    if albums:
        print(f"    album separation (between/within distance): before {album_ratio(base['MSD_musicnn'][1], albums):.3f}"
              f", now {album_ratio(new['MSD_musicnn'][1], albums):.3f}")


def fewer_mtt_patches(paths: dict, tracks: list[np.ndarray], tag_names: dict) -> None:
    s = session(paths["MTT_musicnn", "fp32 all filters"], "cpu", 1)
    eight = np.array([s.run(None, {"mel": p})[0].mean(axis=0) for p in tracks])
    four = np.array([s.run(None, {"mel": p[::2]})[0].mean(axis=0) for p in tracks])
    kept = np.mean([len(set(np.argsort(-a)[:5]) & set(np.argsort(-b)[:5])) / 5 for a, b in zip(eight, four)])
    print(f"  MTT on 4 patches (every other of the 8), fp32: top-5 MTT tags kept {100 * kept:.1f}%, "
          f"largest tag difference {np.abs(eight - four).max():.4f}")


def vibenet_int8(tracks_audio: list[np.ndarray], folder: Path, rounds: int) -> None:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    from mediarec.extract.extractors.emotion_music import model_path, vibenet_mel

    calib = [vibenet_mel(p)[None] for p in synthetic_music.pieces(8, seconds=30.0, seed=0)]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter([{"x": x} for x in calib])

        def get_next(self):
            return next(self.items, None)

    out = str(folder / "vibenet-int8.onnx")
    quantize_static(str(model_path()), out, Reader(), quant_format=QuantFormat.QDQ, op_types_to_quantize=["Conv"],
                    per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    fp32, int8 = session(model_path(), "cpu", 1), session(out, "cpu", 1)
    x = [vibenet_mel(y[:30 * 16000])[None] for y in tracks_audio[:rounds]]
    diff = max(float(np.abs(fp32.run(None, {"x": v})[0] - int8.run(None, {"x": v})[0]).max()) for v in x)
    times = {"fp32": [], "int8": []}
    for v in x:
        for key, s in (("fp32", fp32), ("int8", int8)):
            started = time.perf_counter()
            s.run(None, {"x": v})
            times[key].append(time.perf_counter() - started)
    ratio = np.median(np.array(times["int8"]) / np.array(times["fp32"]))
    print(f"  vibenet int8 (QDQ convolutions): {1000 * np.median(times['int8']):.0f} ms per 30 s window vs fp32 "
          f"{1000 * np.median(times['fp32']):.0f} ms (ratio {ratio:.2f}); largest logit difference {diff:.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get("MEDIAREC_CORPUS")
    ap.add_argument("dir", nargs="?", type=Path,
                    default=(Path(env) if env else Path.home() / ".cache" / "mediarec-corpus") / "music")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--vibenet", action="store_true", help="also try vibenet in int8")
    args = ap.parse_args()
    files = sorted(p for p in args.dir.rglob("*") if p.suffix[1:].lower() in AUDIO_EXTENSIONS)
    if not files:
        print(f"no audio files under {args.dir}", file=sys.stderr)
        return 1
    tag_names = json.loads((net.weights_dir() / "tags.json").read_text(encoding="utf-8"))
    policy = excerpt_policy(Settings())
    audio = [decode_audio(str(f), policy=policy).at(net.SAMPLE_RATE) for f in files]
    albums = [f.relative_to(args.dir).parts[0] for f in files]
    corpus = [net.log_mel_patches(y, select_patches(net.patch_count(len(y)), MAX_PATCHES)) for y in audio]
    generated = [net.log_mel_patches(y) for y in synthetic_music.pieces(12, seconds=24.5, seed=7)]
    print(f"{len(files)} tracks under {args.dir} ({len(set(albums))} albums), 12 generated pieces of 24 s; "
          f"{MAX_PATCHES} patches each")
    with tempfile.TemporaryDirectory(prefix="musicnn-speed-") as tmp:
        started = time.perf_counter()
        paths = build(Path(tmp))
        print(f"models exported and quantized in {time.perf_counter() - started:.1f} s")
        speed(paths, corpus[len(corpus) // 2][:8], args.rounds)
        before = {n: "fp32 all filters" for n in net.MODELS}
        print("\nagreement with the models as they were (fp32, every filter); now:",
              ", ".join(f"{n} {v}" for n, v in NEW.items()))
        for label, tracks, groups in (("dev corpus", corpus, albums), ("generated music", generated, None)):
            base = outputs(paths, tracks, before)
            agreement(label, base, outputs(paths, tracks, NEW), tag_names, groups)
            for name in net.MODELS:
                for variant in ("fp32 pruned", "int8 pruned"):
                    if variant != NEW[name]:
                        other = outputs(paths, tracks, {**NEW, name: variant})
                        agreement(f"{label}, if {name} ran {variant}", base, other, tag_names, None)
        print("\nalso tried:")
        fewer_mtt_patches(paths, corpus, tag_names)
        if args.vibenet:
            vibenet_int8(audio, Path(tmp), args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
