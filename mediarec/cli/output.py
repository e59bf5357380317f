"""How commands talk: one JSON document with --json, a table or lines otherwise, a progress bar on a TTY."""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from typing import Any, Iterable, Sequence

from ..humanize import fmt_duration
from ..jobs import Progress

__all__ = ["fmt_duration", "print_json", "print_table", "ProgressBar", "items_doc", "positive_int"]


def positive_int(text: str) -> int:
    """argparse type for counts such as -n: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return value


def print_json(doc: Any) -> None:
    json.dump(doc, sys.stdout, ensure_ascii=False, indent=2, default=_jsonable)
    sys.stdout.write("\n")


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "__fspath__"):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> None:
    cells = [[str(c) if c is not None else "" for c in row] for row in rows]
    cells = [[c.replace("\n", "⏎") for c in row] for row in cells]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    term = shutil.get_terminal_size((120, 20)).columns if sys.stdout.isatty() else 10_000
    last = max(10, term - sum(widths[:-1]) - 2 * (len(widths) - 1))
    widths[-1] = min(widths[-1], last)
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    print(line.rstrip())
    for r in cells:
        print("  ".join(c[:w].ljust(w) for c, w in zip(r, widths)).rstrip())


class ProgressBar:
    """A one-line bar on stderr, only when stderr is a terminal and output is not JSON."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self._shown = False

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
            return
        width = shutil.get_terminal_size((80, 20)).columns
        if p.total:
            frac = p.fraction or 0.0
            bar_w = 24
            bar = "#" * int(frac * bar_w) + "-" * (bar_w - int(frac * bar_w))
            eta = f" ETA {fmt_duration(p.eta)}" if p.eta is not None else ""
            head = f"[{bar}] {p.done}/{p.total}{eta} "
        else:
            head = ""
        text = (head + p.message)[: width - 1]
        sys.stderr.write("\r" + text.ljust(width - 1))
        sys.stderr.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            sys.stderr.write("\r" + " " * (shutil.get_terminal_size((80, 20)).columns - 1) + "\r")
            sys.stderr.flush()


def items_doc(items: Iterable[dict[str, Any]], fields: Sequence[str]) -> dict[str, Any]:
    return {"items": [{k: it.get(k) for k in fields} for it in items]}
