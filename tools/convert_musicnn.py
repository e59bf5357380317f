"""Convert the musicnn TF1 checkpoints (PyPI wheel `musicnn==0.1.0`, ISC) into our own fp32 .npz weights.

Run once by a developer; the app ships the result (mediarec/resources/models/musicnn/) and never needs
TensorFlow or the wheel:

    .venv/bin/pip download --no-deps musicnn==0.1.0 -d /tmp/x
    .venv/bin/python tools/convert_musicnn.py /tmp/x/musicnn-0.1.0-py3-none-any.whl

It reads the wheel as a zip (never imports its modules), reads MSD_musicnn and MTT_musicnn with
tools/tfbundle.py, drops the Adam optimizer slots, renames every tensor to the parameter of
mediarec.extract.models.musicnn_torch.MusicNN that uses it and transposes it to torch's layout, and writes:
  MSD_musicnn.npz, MTT_musicnn.npz   weights (.npz, no pickle, reproducible bytes)
  tags.json                          each model's 50 tags, in output order (from the wheel's configuration.py)
  LICENSE                            the wheel's ISC notice
  README.md                          where the files come from and how they were made
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import json
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tfbundle import Bundle  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "mediarec" / "resources" / "models" / "musicnn"
MODELS = {"MSD_musicnn": "MSD_LABELS", "MTT_musicnn": "MTT_LABELS"}

# TensorFlow layer (numbered in the order build_musicnn created it) -> our module, and its kind.
LAYERS = {
    "batch_normalization": ("input_bn", "bn"),
    "conv2d": ("timbral.0.conv", "conv2d"), "batch_normalization_1": ("timbral.0.bn", "bn"),
    "conv2d_1": ("timbral.1.conv", "conv2d"), "batch_normalization_2": ("timbral.1.bn", "bn"),
    "conv2d_2": ("temporal.0.conv", "conv2d"), "batch_normalization_3": ("temporal.0.bn", "bn"),
    "conv2d_3": ("temporal.1.conv", "conv2d"), "batch_normalization_4": ("temporal.1.bn", "bn"),
    "conv2d_4": ("temporal.2.conv", "conv2d"), "batch_normalization_5": ("temporal.2.bn", "bn"),
    "conv2d_5": ("midend.0.conv", "conv1d"), "batch_normalization_6": ("midend.0.bn", "bn"),
    "conv2d_6": ("midend.1.conv", "conv1d"), "batch_normalization_7": ("midend.1.bn", "bn"),
    "conv2d_7": ("midend.2.conv", "conv1d"), "batch_normalization_8": ("midend.2.bn", "bn"),
    "batch_normalization_9": ("pool_bn", "bn"),
    "dense": ("dense", "dense"), "batch_normalization_10": ("dense_bn", "bn"),
    "dense_1": ("out", "dense"),
}
BN_PARAMS = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean", "moving_variance": "running_var"}


def is_optimizer_state(name: str) -> bool:
    """Adam's moment slots (`.../Adam`, `.../Adam_1`) and its beta powers: training state, not model."""
    return name.split("/")[-1].startswith("Adam") or name in ("beta1_power", "beta2_power")


def to_torch(kind: str, param: str, value: np.ndarray) -> tuple[str, np.ndarray]:
    """(our parameter name suffix, the tensor in torch's layout) for one TensorFlow variable."""
    if kind == "bn":
        return BN_PARAMS[param], value
    if param == "bias":
        return "bias", value
    if kind == "conv2d":  # TF (kh, kw, in, out) -> torch Conv2d (out, in, kh, kw)
        return "weight", value.transpose(3, 2, 0, 1)
    if kind == "conv1d":  # TF (7, channels, 1, out) over a (time, channel, 1) map -> Conv1d (out, channels, 7)
        return "weight", value[:, :, 0, :].transpose(2, 1, 0)
    if kind == "dense":  # TF (in, out) -> torch Linear (out, in)
        return "weight", value.T
    raise ValueError(f"unknown layer kind {kind}")


def convert_checkpoint(prefix: str) -> dict[str, np.ndarray]:
    """Our state dict (name -> fp32 array) from one checkpoint; every model tensor must be used."""
    state: dict[str, np.ndarray] = {}
    for name, value in sorted(Bundle(prefix).tensors().items()):
        if is_optimizer_state(name):
            continue
        layer, _, param = name.rpartition("/")
        if layer not in LAYERS:
            raise ValueError(f"{prefix}: unexpected variable {name} {value.shape}")
        module, kind = LAYERS[layer]
        suffix, array = to_torch(kind, param, value)
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{prefix}: {name} has non-finite values")
        state[f"{module}.{suffix}"] = np.ascontiguousarray(array, dtype=np.float32)
    return state


def read_labels(configuration_py: str) -> dict[str, list[str]]:
    """The tag lists assigned in the wheel's configuration.py, read as literals (the module is not run)."""
    labels = {}
    for node in ast.parse(configuration_py).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id.endswith("_LABELS"):
                labels[node.targets[0].id] = ast.literal_eval(node.value)
    return labels


def check_fits(state: dict[str, np.ndarray], n_tags: int) -> None:
    """Load into our network (strictly, shapes included) so a mapping mistake fails here, not in the app."""
    import torch

    sys.path.insert(0, str(REPO))
    from mediarec.extract.models.musicnn_torch import MusicNN

    model = MusicNN(n_tags=n_tags)
    tensors = {k: torch.from_numpy(v) for k, v in state.items()}
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"weights do not fit MusicNN: missing {missing}, unexpected {unexpected}")


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like np.savez (no pickle), but byte-for-byte reproducible: fixed entry order and timestamps."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, arrays[name], allow_pickle=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


README = """# musicnn weights (converted)

The MSD_musicnn and MTT_musicnn models of musicnn (Jordi Pons, Xavier Serra; Music Technology Group,
Universitat Pompeu Fabra, 2019), from the PyPI wheel `{wheel}`
(sha256 {wheel_sha}), under the ISC license in `LICENSE`.

Made by `tools/convert_musicnn.py` from the wheel's TF1 checkpoints: tensors read with
`tools/tfbundle.py`, Adam optimizer slots dropped, renamed to the parameters of
`mediarec.extract.models.musicnn_torch.MusicNN` and transposed to torch's layout, stored as fp32 in
`np.savez` files (no pickle). `tags.json` lists each model's 50 tags in output order.

| file | sha256 |
|---|---|
{rows}
"""


def convert(wheel: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with zipfile.ZipFile(wheel) as zf, tempfile.TemporaryDirectory() as tmp:
        labels = read_labels(zf.read("musicnn/configuration.py").decode())
        license_name = next(n for n in zf.namelist() if n.endswith(".dist-info/LICENSE.md"))
        (out / "LICENSE").write_bytes(zf.read(license_name))
        written.append(out / "LICENSE")
        tags = {}
        for model, label_var in MODELS.items():
            for member in (f"musicnn/{model}/.index", f"musicnn/{model}/.data-00000-of-00001"):
                zf.extract(member, tmp)
            state = convert_checkpoint(f"{tmp}/musicnn/{model}/")
            tags[model] = labels[label_var]
            if state["out.weight"].shape[0] != len(tags[model]):
                raise ValueError(f"{model}: {state['out.weight'].shape[0]} outputs but {len(tags[model])} tags")
            check_fits(state, len(tags[model]))
            save_npz(out / f"{model}.npz", state)
            written.append(out / f"{model}.npz")
            print(f"{model}: {len(state)} tensors, {sum(v.size for v in state.values()):,} parameters")
    (out / "tags.json").write_text(json.dumps(tags, indent=1) + "\n")
    written.append(out / "tags.json")
    rows = "\n".join(f"| {p.name} | {sha256(p)} |" for p in written)
    (out / "README.md").write_text(README.format(wheel=wheel.name, wheel_sha=sha256(wheel), rows=rows))
    return written + [out / "README.md"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="musicnn-0.1.0-py3-none-any.whl (pip download --no-deps)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    for path in convert(args.wheel, args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
