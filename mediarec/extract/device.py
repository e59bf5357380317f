"""Where models run: CPU or CUDA, chosen automatically, overridable in settings, reported by `doctor`.

The choice is made from an inventory of what this machine offers (an NVIDIA driver, onnxruntime's CUDA
provider, torch CUDA, CTranslate2 CUDA devices): the ONNX models (frame, musicnn, vibenet, MiniLM) run
on onnxruntime CUDA where it has the provider, else on torch CUDA where torch sees the GPU; Whisper runs
on CTranslate2 CUDA in float16. The pure functions below take the inventory as an argument, so the
selection logic is tested on machines without a GPU with made-up inventories."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

ONNX_MODELS = ("video.frames (EfficientNet-Lite0)", "audio.musicnn", "emotion.music (vibenet)",
               "text.embedding (MiniLM)")


@dataclass(frozen=True)
class Inventory:
    """What this machine offers for running models on a GPU."""

    driver: bool = False  # an NVIDIA kernel driver is loaded
    onnx_cuda: bool = False  # onnxruntime has the CUDAExecutionProvider
    torch_cuda: bool = False  # torch is installed and sees a CUDA device
    ct2_cuda: int = 0  # CUDA devices CTranslate2 sees (Whisper)


@functools.lru_cache(maxsize=1)
def inventory() -> Inventory:
    """Probe once per process. torch and CTranslate2 are only asked where a driver is present: importing
    torch costs seconds, and a CPU-only machine needs no answer from it."""
    driver = _nvidia_device_present()
    if not driver:
        return Inventory()
    return Inventory(driver=True, onnx_cuda=_onnx_cuda(), torch_cuda=_torch_cuda(), ct2_cuda=_ct2_devices())


def _nvidia_device_present() -> bool:
    return os.path.exists("/dev/nvidiactl") or os.path.exists("/proc/driver/nvidia/version")


def _onnx_cuda() -> bool:
    try:
        import onnxruntime as ort
    except ImportError:
        return False
    return "CUDAExecutionProvider" in ort.get_available_providers()


def _torch_cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    try:
        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken CUDA install means no CUDA
        return False


def _ct2_devices() -> int:
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # noqa: BLE001 - not installed, or a CUDA probe that fails: no CUDA for Whisper
        return 0


def cuda_available(inv: Inventory | None = None) -> bool:
    """True when at least one model family can run on a CUDA GPU here."""
    inv = inv or inventory()
    return inv.driver and (inv.onnx_cuda or inv.torch_cuda or inv.ct2_cuda > 0)


def resolve_device(setting: str, inv: Inventory | None = None) -> str:
    """'auto' -> 'cuda' when a GPU is usable, else 'cpu'. 'cuda' without a GPU falls back to 'cpu'."""
    if setting == "cpu":
        return "cpu"
    return "cuda" if cuda_available(inv) else "cpu"


def onnx_providers(device: str, inv: Inventory | None = None) -> list[str]:
    """onnxruntime providers for `device`: CUDA first only where this onnxruntime has it."""
    if device == "cuda" and (inv or inventory()).onnx_cuda:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def model_backend(device: str, backend: str = "auto", inv: Inventory | None = None) -> str:
    """The backend an ONNX-or-torch model uses: on CUDA without onnxruntime's CUDA provider but with torch
    CUDA, torch (the GPU beats ONNX on the CPU); otherwise what the caller asked for."""
    inv = inv or (inventory() if device == "cuda" else Inventory())
    if backend == "auto" and device == "cuda" and not inv.onnx_cuda and inv.torch_cuda:
        return "torch"
    return backend


def whisper_device(device: str, inv: Inventory | None = None) -> tuple[str, str]:
    """CTranslate2 device and compute type: float16 on a CUDA GPU it sees, int8 on the CPU."""
    if device == "cuda" and (inv or inventory()).ct2_cuda > 0:
        return "cuda", "float16"
    return "cpu", "int8"


def plan(setting: str, inv: Inventory | None = None) -> dict[str, str]:
    """Model family -> where it runs, for `doctor`."""
    inv = inv or inventory()
    device = resolve_device(setting, inv)
    out = {}
    for name in ONNX_MODELS:
        if device == "cuda" and inv.onnx_cuda:
            out[name] = "onnxruntime CUDA"
        elif device == "cuda" and inv.torch_cuda:
            out[name] = "torch CUDA"
        else:
            out[name] = "onnxruntime CPU"
    ct2, compute = whisper_device(device, inv)
    out["audio.transcript (Whisper)"] = f"CTranslate2 {ct2.upper() if ct2 == 'cuda' else 'CPU'} {compute}"
    return out


BATCH_ENV = "MEDIAREC_BATCH"
BATCH_FILES = 8
"""Files a worker takes at once when batching is on: 8 videos give 128 frames, 8 songs 64 musicnn patches
per model call, enough to fill a GPU, while a crash retried file by file costs at most 8 files' time."""


def batching(setting: str, device: str, env: dict[str, str] | None = None) -> tuple[bool, str]:
    """Whether workers batch files across one model call, and why. MEDIAREC_BATCH (auto|on|off) overrides
    the setting; auto is on for CUDA only: on the CPU a batch costs the same work per input plus the
    waiting (bench/gpu.py: batched vibenet is slower there)."""
    env = os.environ if env is None else env
    value = (env.get(BATCH_ENV) or setting or "auto").strip().lower()
    source = f"{BATCH_ENV}={value}" if env.get(BATCH_ENV) else f"setting {value}"
    if value not in ("auto", "on", "off"):
        from ..errors import ConfigError

        raise ConfigError(f"{BATCH_ENV}: {value!r} is not auto, on or off")
    if value == "auto":
        on = device == "cuda"
        return on, f"{source}: {'on, models run on CUDA' if on else 'off on the CPU'}"
    return value == "on", source


def describe(setting: str, inv: Inventory | None = None, batch: str = "auto") -> dict[str, Any]:
    inv = inv or inventory()
    chosen = resolve_device(setting, inv)
    on, why = batching(batch, chosen)
    doc: dict[str, Any] = {"setting": setting, "device": chosen, "cuda_available": cuda_available(inv),
                           "inventory": inv.__dict__, "models": plan(setting, inv),
                           "batching": {"on": on, "files": BATCH_FILES if on else 1, "why": why}}
    if setting == "cuda" and chosen != "cuda":
        doc["note"] = "cuda requested but no usable GPU: running on the CPU"
    elif chosen == "cpu" and setting == "auto":
        doc["note"] = "no CUDA device: models run on the CPU"
    return doc
