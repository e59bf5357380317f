"""Task functions for the pool tests (importable by spawned workers)."""
import ctypes
import os
import time

_initialised = []


def init(tag):
    _initialised.append((tag, os.getpid()))


def whoami(x):
    return x * 2, os.getpid(), len(_initialised)


def crash(_):
    ctypes.string_at(0)  # segfault in native code


def hang(_):
    time.sleep(3600)


def fail(_):
    raise ValueError("bad input")
