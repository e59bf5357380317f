"""The two ways the stores write values: timestamps (`now`) and compact JSON (`dumps`)."""
from __future__ import annotations

import json
import time
from typing import Any


def now() -> float:
    return time.time()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


__all__ = ["now", "dumps"]
