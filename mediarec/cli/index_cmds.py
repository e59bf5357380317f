"""Index commands: index (show the similarity indexes and whether they are current; rebuild them)."""
from __future__ import annotations

import argparse
import time

from ..index import BuildOptions, SPACES, status
from ..jobs import run_job
from ..tasks import rebuild_task
from . import command
from .context import open_context
from .output import ProgressBar, fmt_duration, print_json, print_table


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rebuild", action="store_true", help="rebuild the indexes now (every space with features)")
    p.add_argument("--space", nargs="+", choices=sorted(SPACES), metavar="SPACE",
                   help=f"only these spaces ({', '.join(SPACES)})")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


@command("index", "show the similarity indexes (audio, visual, text, mood) or rebuild them", _configure)
def cmd_index(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        built = None
        if args.rebuild:
            bar = ProgressBar(enabled=not args.json)
            try:
                # In the foreground the user is waiting: build on every core.
                built = run_job(rebuild_task(ctx.paths, spaces=args.space, only_stale=False,
                                             opts=BuildOptions(n_jobs=-1)), bar).spaces
            finally:
                bar.close()
        spaces = [s for s in status(ctx.lib, ctx.paths.index_dir) if not args.space or s["space"] in args.space]
    if args.json:
        print_json({"index_dir": str(ctx.paths.index_dir), "spaces": spaces, "rebuilt": built})
        return 0
    rows = []
    for s in spaces:
        age = fmt_duration(time.time() - s["built_at"]) + " ago" if s["built"] else "never"
        state = "; ".join(s["reasons"]) if s["stale"] else ("current" if s["built"] else "no features")
        rows.append((s["space"], s.get("items", ""), s.get("dim", ""), s.get("cells", ""), s.get("probe", ""),
                     "" if s.get("recall_at_10") is None else f"{s['recall_at_10']:.3f}", age, state))
    print_table(rows, ("space", "items", "dim", "cells", "probe", "recall@10", "built", "state"))
    if built:
        done = [f"{name} ({r['items']} items, {r['seconds']:.1f} s)" for name, r in built.items()
                if r["action"] == "built"]
        print("Rebuilt: " + (", ".join(done) if done else "nothing (no features yet: run 'mediarec analyze')"))
    return 0
