"""Where models run: CPU or CUDA, chosen automatically, overridable in settings, reported by `doctor`."""
from __future__ import annotations

import functools
import os
from typing import Any


@functools.lru_cache(maxsize=1)
def cuda_available() -> bool:
    """True when onnxruntime can use a CUDA GPU here."""
    try:
        import onnxruntime as ort
    except ImportError:
        return False
    return "CUDAExecutionProvider" in ort.get_available_providers() and _nvidia_device_present()


def _nvidia_device_present() -> bool:
    return os.path.exists("/dev/nvidiactl") or os.path.exists("/proc/driver/nvidia/version")


def resolve_device(setting: str) -> str:
    """'auto' -> 'cuda' when a GPU is usable, else 'cpu'. 'cuda' without a GPU falls back to 'cpu'."""
    if setting == "cpu":
        return "cpu"
    return "cuda" if cuda_available() else "cpu"


def onnx_providers(device: str) -> list[str]:
    if device == "cuda":
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def describe(setting: str) -> dict[str, Any]:
    chosen = resolve_device(setting)
    doc: dict[str, Any] = {"setting": setting, "device": chosen, "cuda_available": cuda_available()}
    if setting == "cuda" and chosen != "cuda":
        doc["note"] = "cuda requested but no usable GPU: running on the CPU"
    return doc
