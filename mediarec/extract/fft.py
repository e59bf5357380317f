"""scipy.fft's rfft and orthonormal DCT-II, the same pocketfft calls, without importing scipy.fft.

Importing scipy.fft costs each analysis worker ~0.18 CPU-s (it pulls in scipy.special and the array-API
layer), more than a short file's whole FFT work; the transforms themselves live in one compiled module,
scipy.fft._pocketfft.pypocketfft, which needs nothing but numpy. We load that module from scipy's own
install and call it as scipy.fft does (same dtype handling, norm code and worker count), so the numbers
are scipy's, bit for bit (tests/extract/test_fft.py). Where it cannot be loaded (another scipy layout),
scipy.fft is imported and used instead: slower to start, same results. numpy.fft is no substitute: it
rounds differently and is 1.5-3x slower on these shapes."""
from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import logging
import sys
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_NAME = "scipy.fft._pocketfft.pypocketfft"
_ORTHO = 1  # scipy's norm code for "ortho" (forward); None / "backward" is 0


@functools.cache
def _pocketfft():
    """The compiled pocketfft module, or None when only the full scipy.fft import can provide it."""
    if _NAME in sys.modules:
        return sys.modules[_NAME]
    try:
        spec = importlib.util.find_spec("scipy")  # scipy's own __init__ is cheap; scipy.fft's is not
        folder = Path(spec.origin).parent / "fft" / "_pocketfft"
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = folder / f"pypocketfft{suffix}"
            if path.is_file():
                loader = importlib.machinery.ExtensionFileLoader(_NAME, str(path))
                module_spec = importlib.util.spec_from_file_location(_NAME, str(path), loader=loader)
                module = importlib.util.module_from_spec(module_spec)
                loader.exec_module(module)
                sys.modules[_NAME] = module  # scipy.fft, if imported later, reuses this one
                return module
    except Exception as exc:  # noqa: BLE001 - any failure here only costs start-up time
        log.debug("pocketfft not loaded directly (%s); using scipy.fft", exc)
    return None


def _as_float(x) -> np.ndarray:
    """scipy.fft's _asfarray: float16 and integers promoted, native byte order, aligned."""
    x = np.asarray(x)
    if x.dtype == np.float16:
        return np.asarray(x, np.float32)
    if x.dtype.kind not in "fc":
        return np.asarray(x, np.float64)
    copy = None if x.flags["ALIGNED"] else True
    return np.array(x, dtype=x.dtype.newbyteorder("="), copy=copy)


def rfft(x, n: int | None = None, axis: int = -1) -> np.ndarray:
    """scipy.fft.rfft(x, n=n, axis=axis, workers=1) of real input."""
    pfft = _pocketfft()
    if pfft is None:
        import scipy.fft

        return scipy.fft.rfft(x, n=n, axis=axis, workers=1)
    tmp = _as_float(x)
    if np.iscomplexobj(tmp):
        raise TypeError("x must be a real sequence")
    if n is not None:
        tmp = _fit(tmp, n, axis)
    elif tmp.shape[axis] < 1:
        raise ValueError(f"invalid number of data points ({tmp.shape[axis]}) specified")
    return pfft.r2c(tmp, (axis,), True, 0, None, 1)


def dct_ortho(x, axis: int = -1) -> np.ndarray:
    """scipy.fft.dct(x, type=2, norm="ortho", axis=axis) of real input."""
    pfft = _pocketfft()
    if pfft is None:
        import scipy.fft

        return scipy.fft.dct(x, type=2, axis=axis, norm="ortho")
    tmp = _as_float(x)
    if np.iscomplexobj(tmp):
        raise TypeError("x must be a real sequence")
    if tmp.shape[axis] < 1:
        raise ValueError(f"invalid number of data points ({tmp.shape[axis]}) specified")
    return pfft.dct(tmp, 2, (axis,), _ORTHO, None, 1, None)


def _fit(x: np.ndarray, n: int, axis: int) -> np.ndarray:
    """x cut or zero-padded to n points along axis, as scipy.fft's n= does."""
    if n < 1:
        raise ValueError(f"invalid number of data points ({n}) specified")
    index = [slice(None)] * x.ndim
    index[axis] = slice(0, min(n, x.shape[axis]))
    if x.shape[axis] >= n:
        return x[tuple(index)]
    shape = list(x.shape)
    shape[axis] = n
    z = np.zeros(shape, x.dtype)
    z[tuple(index)] = x[tuple(index)]
    return z


__all__ = ["rfft", "dct_ortho"]
