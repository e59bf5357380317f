"""A/B commands: `mediarec ab start A B`, `ab status [--json]`, `ab stop [--keep A|B]` (interleaved up next)."""
from __future__ import annotations

import argparse
import time

from ..recommend import ab
from . import command
from .context import open_context
from .output import print_json, print_table


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("start", "status", "stop"), help="start A B | status | stop [--keep A|B]")
    p.add_argument("variants", nargs="*", metavar="VARIANT", help=f"with start: two of {', '.join(ab.VARIANTS)}")
    p.add_argument("--keep", metavar="A|B", help="with stop: up next uses this variant from now on")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def _print_status(doc: dict) -> None:
    since = time.strftime("%Y-%m-%d %H:%M", time.localtime(doc["started_at"]))
    print(f"Experiment {doc['experiment']} since {since}: A = {doc['a']}, B = {doc['b']}")
    print_table([(doc["picks"], doc["wins"], doc["losses"], doc["ties"], f"{doc['p_value']:.3g}")],
                ("picks", "wins (A)", "losses (B)", "ties", "sign test p"))
    if doc["decided"]:
        print(f"{doc['leader']} does better (p < {ab.ALPHA}).")
    else:
        print(f"Undecided so far (p >= {ab.ALPHA}); keep listening.")


@command("ab", "compare two up-next variants on your own listening (team-draft interleaving)", _configure)
def cmd_ab(args: argparse.Namespace) -> int:
    if (args.action == "start") != bool(args.variants) or (args.variants and len(args.variants) != 2):
        raise SystemExit("mediarec ab: start takes two variants (" + ", ".join(ab.VARIANTS) + "); status and "
                         "stop take none")
    with open_context(args) as ctx:
        if args.action == "start":
            exp = ab.start(ctx.lib, *args.variants)
            doc = {"experiment": exp.id, "a": exp.a, "b": exp.b, "started_at": exp.started_at}
            message = (f"Started {exp.id}: up next mixes {exp.a} (A) and {exp.b} (B); each finished pick credits "
                       "its variant, each skip debits it. 'mediarec ab status' tells how it goes.")
        elif args.action == "status":
            doc, message = ab.status(ctx.lib), None
        else:
            doc = ab.stop(ctx.lib, args.keep)
            message = "Stopped" + (f"; up next uses {doc['kept']} from now on." if doc["kept"] else ".")
    if args.json:
        print_json(doc)
    elif message and args.action == "start":
        print(message)
    else:
        _print_status(doc)
        if message:
            print(message)
    return 0
