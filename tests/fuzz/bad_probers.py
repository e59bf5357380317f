"""Probe functions for the scan isolation test (importable by spawned workers): the real probe, except
on files whose names ask it to crash in native code or hang, as FFmpeg might on a hostile header."""
import ctypes
import os
import time

from mediarec.scan.probe import probe


def hostile_probe(path, st):
    name = os.path.basename(path)
    if name.startswith("crash"):
        ctypes.string_at(0)
    if name.startswith("hang"):
        time.sleep(3600)
    return probe(path, st)
