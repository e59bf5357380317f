"""The 'search' command: find files by what is said in them, what they are called, and what they are about."""
from __future__ import annotations

import argparse
import os

from ..humanize import fmt_duration
from ..search import search
from . import command
from .context import open_context
from .output import print_json, print_table


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="+", metavar="QUERY", help="words to look for (spoken, in titles, or by meaning)")
    p.add_argument("--kind", choices=("audio", "video"), help="only this kind of media")
    p.add_argument("-n", "--limit", type=int, default=20, metavar="N", help="show at most N results (default 20)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


@command("search", "find files by what is said in them, their titles and their meaning", _configure)
def cmd_search(args: argparse.Namespace) -> int:
    if args.limit < 1:
        args.limit = 1
    with open_context(args) as ctx:
        hits = search(ctx.lib, " ".join(args.query), kind=args.kind, limit=args.limit)
    if args.json:
        print_json({"items": [h.to_dict() for h in hits]})
        return 0
    if not hits:
        print("No matches.")
        return 0
    rows = [(h.id, f"{h.score:.2f}", h.kind, fmt_duration(h.start) if h.start is not None else "",
             h.title or os.path.basename(h.path), h.snippet or ("(" + ", ".join(h.matched) + ")"))
            for h in hits]
    print_table(rows, ("id", "score", "kind", "at", "title", "snippet"))
    return 0
