"""Listening commands: upnext (what to play next, and why) and path (a journey from one item to another)."""
from __future__ import annotations

import argparse

from ..errors import UserError
from ..library.blocklist import blocked_ids
from ..recommend import ab
from ..recommend.journey import DEFAULT_STEPS, Journeys
from ..recommend.reasons import FactsCache, reasons
from ..recommend.similar import KINDS
from ..tasks import upnext_unblocked
from . import command
from .context import open_context
from .output import positive_int, print_json, print_table


def _item_doc(item: dict | None) -> dict:
    item = item or {}
    return {k: item.get(k) for k in ("id", "path", "title", "artist", "kind", "duration")}


# --- upnext ---------------------------------------------------------------------------------------------
def _configure_upnext(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", type=positive_int, default=10, metavar="N", help="how many (default 10)")
    p.add_argument("--kind", default="any", choices=tuple(KINDS), help="only this kind of item (default any)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


@command("upnext", "what to play next, learned from your plays and skips, with the reasons", _configure_upnext)
def cmd_upnext(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        who = ctx.listener
        if ab.current(ctx.lib) is not None or ctx.lib.kv.get(ab.VARIANT_KEY) not in (None, "model"):
            # an experiment runs (the two variants mixed), or `ab stop --keep` chose another variant
            rec = ab.up_next_for(ctx.lib, ctx.paths.index_dir, who, ctx.settings.recommend)
            try:
                found = rec.refill(args.n, args.kind, exclude=blocked_ids(ctx.lib, who).tolist())
            finally:
                rec.close()
        else:
            found = upnext_unblocked(ctx.lib, ctx.paths.index_dir, args.n, args.kind,
                                     settings=ctx.settings.recommend, listener=who)
        items = [{**_item_doc(ctx.lib.media.get(p.id)), "score": round(p.score, 4), "reasons": p.reasons,
                  "origin": p.origin, "exploring": p.explored} for p in found.picks]
        history = ctx.lib.events.count(listener=who)
    if args.json:
        print_json({"kind": args.kind, "events": history, "items": items})
        return 0
    if not items:
        print("Nothing to suggest yet: scan a folder ('mediarec scan DIR') and analyse it ('mediarec analyze').")
        return 0
    print_table([(i + 1, f"{it['score']:.2f}", it["kind"], it["title"] or it["path"], "; ".join(it["reasons"]))
                 for i, it in enumerate(items)], ("#", "score", "kind", "item", "why"))
    if not history:
        print("(no history yet: a varied start; play something and the list follows you)")
    return 0


# --- path -----------------------------------------------------------------------------------------------
def _configure_path(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", metavar="A", help="where the journey starts: a media id or the path of a scanned file")
    p.add_argument("b", metavar="B", help="where it ends")
    p.add_argument("--via", nargs="+", default=[], metavar="C", help="waypoints to pass, in order")
    p.add_argument("-n", type=positive_int, default=DEFAULT_STEPS, metavar="N",
                   help=f"items in the journey, A and B included (default {DEFAULT_STEPS})")
    p.add_argument("--kind", default="any", choices=tuple(KINDS), help="only this kind between the stops (default any)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


@command("path", "a journey that moves smoothly from A (through --via items) to B", _configure_path)
def cmd_path(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        lib = ctx.lib
        stops = [lib.media.resolve(x) for x in (args.a, *args.via, args.b)]
        journeys = Journeys(lib, ctx.paths.index_dir)
        try:
            journey = journeys.plan(stops[0]["id"], stops[-1]["id"], [s["id"] for s in stops[1:-1]], args.n, args.kind)
        finally:
            journeys.close()
        facts = FactsCache(lib)
        items = []
        prev = None
        for step in journey.steps:
            why = []
            if prev is not None and facts.get(prev) and facts.get(step.id):
                why = reasons(facts.get(prev), facts.get(step.id), step.spaces, 2)
            items.append({**_item_doc(lib.media.get(step.id)), "score": round(step.similarity, 4),
                          "waypoint": step.waypoint, "reasons": why})
            prev = step.id
    if len(items) < args.n:
        short = f"(the library had {len(items) - len(stops)} items to put between the stops, not {args.n - len(stops)})"
    else:
        short = ""
    if args.json:
        print_json({"from": _item_doc(stops[0]), "to": _item_doc(stops[-1]), "via": [_item_doc(s) for s in stops[1:-1]],
                    "kind": args.kind, "spaces": journey.weights, "items": items})
        return 0
    if not items:
        raise UserError("no journey found")
    print(f"From {stops[0]['title'] or stops[0]['path']} to {stops[-1]['title'] or stops[-1]['path']} "
          f"({', '.join(journey.weights)}):")
    print_table([(i + 1, "*" if it["waypoint"] else "", f"{it['score']:.2f}", it["kind"], it["title"] or it["path"],
                  "; ".join(it["reasons"])) for i, it in enumerate(items)],
                ("#", "stop", "step", "kind", "item", "in common with the one before"))
    if short:
        print(short)
    return 0
