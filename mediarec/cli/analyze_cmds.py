"""Analysis commands: analyze (run the extractors over the library)."""
from __future__ import annotations

import argparse

from ..jobs import run_job
from ..tasks import analyze_task, rebuild_task
from . import command
from .context import load_paths
from .output import ProgressBar, print_json


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--only", nargs="+", metavar="NAME", help="run only these extractors (see 'mediarec doctor')")
    p.add_argument("--kind", choices=("audio", "video"), help="only this kind of media")
    p.add_argument("--limit", type=int, metavar="N", help="analyse at most N files")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: one per CPU core)")
    p.add_argument("--executor", metavar="SPEC",
                   help="local (default) or dask://HOST:PORT: run the extractors on a dask.distributed cluster")
    p.add_argument("--no-index", action="store_true", help="do not rebuild the similarity indexes afterwards")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


@command("analyze", "compute audio, visual, emotion and speech features for files not analysed yet", _configure)
def cmd_analyze(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise SystemExit("mediarec analyze: --workers must be at least 1")
    paths, settings = load_paths(args)
    if args.executor is not None:
        from ..extract.executors import parse_executor

        parse_executor(args.executor)  # a bad spec is one configuration error before anything runs
        settings.analyze.executor = args.executor
    bar = ProgressBar(enabled=not args.json)
    try:
        report = run_job(analyze_task(paths, settings, only=args.only, kind=args.kind, limit=args.limit,
                                      workers=args.workers), bar)
        indexes = {}
        if report.results and not args.no_index:
            # Until a rebuild lands, new items are searched exactly; rebuilding now keeps that set small.
            indexes = run_job(rebuild_task(paths), bar).spaces
    finally:
        bar.close()
    if args.json:
        print_json({"report": report.__dict__, "indexes": indexes})
    else:
        print(f"{report.summary()} in {report.seconds:.1f} s")
        built = [f"{name} ({r['items']} items)" for name, r in indexes.items() if r.get("action") == "built"]
        if built:
            print("Rebuilt similarity indexes: " + ", ".join(built))
    return 0
