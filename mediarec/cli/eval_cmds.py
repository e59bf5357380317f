"""Evaluation commands: eval (replay the history, score up next against baselines) and tune (search its
parameters on the history, time-split, and keep the best)."""
from __future__ import annotations

import argparse

from ..jobs import Progress
from ..recommend.evaluate import METRICS, replay
from ..recommend.tune import tune
from . import command
from .context import open_context
from .output import ProgressBar, print_json, print_table

HEADERS = {"hit_rate": "hit@10", "ndcg": "ndcg@10", "skip_auc": "skip AUC", "coverage": "coverage",
           "diversity": "diversity", "novelty": "novelty"}


def _cell(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def _bar(enabled: bool, what: str):
    bar = ProgressBar(enabled)

    def report(done: int, total: int) -> None:
        if done == total or done % 25 == 0:
            bar(Progress(done=done, total=total, message=what))
    return bar, report


# --- eval -----------------------------------------------------------------------------------------------
def _configure_eval(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


@command("eval", "replay your history: how well up next predicts what you play, against simple baselines",
         _configure_eval)
def cmd_eval(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        bar, report = _bar(not args.json, "replaying your history")
        try:
            several = ctx.lib.conn.execute("SELECT count(*) FROM listeners").fetchone()[0] > 1
            # With other listeners: this listener's history scored, everybody's replayed ("recommender + others")
            result = replay(ctx.lib, ctx.paths.index_dir, settings=ctx.settings.recommend, progress=report,
                            listener=ctx.listener if several and ctx.listener is not None else None)
        finally:
            bar.close()
    if args.json:
        print_json(result.to_json())
        return 0
    print(f"Replayed {result.events} events ({result.plays} plays, {result.skips} skips) over a catalogue of "
          f"{result.catalogue}; each system saw only the events before the one it was asked about.")
    rows = [(name, *(_cell(m[k]) for k in METRICS)) for name, m in result.systems.items()]
    print_table(rows, ("system", *(HEADERS[k] for k in METRICS)))
    if not result.plays:
        print("No plays to score yet: record some with 'mediarec event play ITEM'.")
    return 0


# --- tune -----------------------------------------------------------------------------------------------
def _configure_tune(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trials", type=int, default=12, metavar="N", help="parameter sets to try (default 12)")
    p.add_argument("--split", type=float, default=0.7, metavar="F",
                   help="share of the history (oldest first) to tune on; the rest checks it (default 0.7)")
    p.add_argument("--dry-run", action="store_true", help="report, but keep the parameters in use")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


@command("tune", "search up next's weights and decay on your history (time-split) and keep the best", _configure_tune)
def cmd_tune(args: argparse.Namespace) -> int:
    if not 0.1 <= args.split <= 0.9:
        raise SystemExit("mediarec tune: --split must be between 0.1 and 0.9")
    with open_context(args) as ctx:
        bar, report = _bar(not args.json, "trying parameters")
        try:
            result = tune(ctx.lib, ctx.paths.index_dir, trials=max(1, args.trials), split=args.split,
                          settings=ctx.settings.recommend, save=not args.dry_run, progress=report,
                          listener=ctx.listener)
        finally:
            bar.close()
    if args.json:
        print_json(result.to_json())
        return 0
    print(f"Tuned on the first {result.split_at} of {result.events} events, checked on the other "
          f"{result.events - result.split_at}:")
    rows = []
    for label, trial in (("in use", result.current), (f"best ({result.best.label})", result.best)):
        rows.append((label, _cell(trial.tune.get("ndcg")), _cell(trial.held_out.get("hit_rate")),
                     _cell(trial.held_out.get("ndcg")), _cell(trial.held_out.get("skip_auc"))))
    print_table(rows, ("parameters", "ndcg@10 (tuned on)", "hit@10 (held out)", "ndcg@10 (held out)",
                       "skip AUC (held out)"))
    if result.saved:
        print("Saved the best parameters; up next uses them from its next list.")
    elif result.best is result.current:
        print("The parameters in use were already the best tried; nothing changed.")
    else:
        print("Kept the parameters in use" + (" (--dry-run)." if args.dry_run else
                                              ": the best on the tuning part did no better on the held-out part."))
    return 0
