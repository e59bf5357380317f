"""Device selection from made-up inventories (CI has no GPU), and the real probe on this machine."""
import pytest

from mediarec.extract import device
from mediarec.extract.device import Inventory

NONE = Inventory()
FULL = Inventory(driver=True, onnx_cuda=True, torch_cuda=True, ct2_cuda=1)
TORCH_ONLY = Inventory(driver=True, torch_cuda=True)
CT2_ONLY = Inventory(driver=True, ct2_cuda=2)


def test_auto_picks_cuda_only_where_a_backend_can_use_it():
    assert device.resolve_device("auto", NONE) == "cpu"
    assert device.resolve_device("auto", FULL) == "cuda"
    assert device.resolve_device("auto", TORCH_ONLY) == "cuda"
    assert device.resolve_device("cpu", FULL) == "cpu"
    assert device.resolve_device("cuda", NONE) == "cpu"
    assert device.resolve_device("auto", Inventory(onnx_cuda=True)) == "cpu"  # a provider without a driver


def test_onnx_models_use_onnxruntime_cuda_else_torch_cuda_else_the_cpu():
    assert device.onnx_providers("cuda", FULL)[0] == "CUDAExecutionProvider"
    assert device.onnx_providers("cuda", TORCH_ONLY) == ["CPUExecutionProvider"]
    assert device.model_backend("cuda", "auto", FULL) == "auto"
    assert device.model_backend("cuda", "auto", TORCH_ONLY) == "torch"
    assert device.model_backend("cuda", "onnx", TORCH_ONLY) == "onnx"  # an explicit choice stands
    assert device.model_backend("cpu", "auto", TORCH_ONLY) == "auto"
    plan = device.plan("auto", TORCH_ONLY)
    assert plan["video.frames (EfficientNet-Lite0)"] == "torch CUDA"
    assert plan["audio.transcript (Whisper)"] == "CTranslate2 CPU int8"
    assert device.plan("auto", FULL)["audio.musicnn"] == "onnxruntime CUDA"


def test_whisper_runs_float16_on_ctranslate2_cuda():
    assert device.whisper_device("cuda", CT2_ONLY) == ("cuda", "float16")
    assert device.whisper_device("cuda", TORCH_ONLY) == ("cpu", "int8")
    assert device.whisper_device("cpu", CT2_ONLY) == ("cpu", "int8")
    assert device.plan("auto", CT2_ONLY)["audio.transcript (Whisper)"] == "CTranslate2 CUDA float16"


def test_describe_says_why_it_runs_on_the_cpu():
    doc = device.describe("cuda", NONE)
    assert doc["device"] == "cpu" and "no usable GPU" in doc["note"]
    assert device.describe("auto", NONE)["note"] == "no CUDA device: models run on the CPU"
    assert set(device.describe("auto", FULL)["models"]) == {*device.ONNX_MODELS, "audio.transcript (Whisper)"}


def test_the_real_probe_agrees_with_the_machine():
    inv = device.inventory()
    if not inv.driver:
        assert inv == NONE and device.resolve_device("auto") == "cpu"
        return
    pytest.skip("a GPU machine: the probe's answers are checked by bench/gpu.py there")
