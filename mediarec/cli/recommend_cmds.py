"""Recommendation commands: event, history, forget (the user's history) and similar (more like this)."""
from __future__ import annotations

import argparse
import time

from ..errors import UserError
from ..index import SPACES
from ..recommend import events
from ..recommend.similar import KINDS, METADATA, MoreLikeThis
from . import command
from .context import open_context
from .output import fmt_duration, print_json, print_table


def _json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def _item_doc(item: dict | None) -> dict:
    item = item or {}
    return {k: item.get(k) for k in ("id", "path", "title", "artist", "kind", "duration")}


# --- event ----------------------------------------------------------------------------------------------
def _configure_event(p: argparse.ArgumentParser) -> None:
    p.add_argument("type", choices=("play", "skip", "like", "dislike", "stop"),
                   help="what happened; with --position, play/skip/stop are judged by the rules: a play needs "
                        f"half the item or {events.PLAY_SECONDS / 60:.0f} minutes, less is a skip")
    p.add_argument("item", metavar="ITEM", help="a media id or the path of a scanned file")
    p.add_argument("--position", type=float, metavar="S", help="seconds into the item when it stopped")
    p.add_argument("--duration", type=float, metavar="S", help="the item's length (default: as scanned)")
    p.add_argument("--source", default="cli", help="where the item was picked (default: cli)")
    _json_flag(p)


@command("event", "record a play, skip, like or dislike of ITEM in your history", _configure_event)
def cmd_event(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        item = ctx.lib.media.resolve(args.item)
        from ..recommend.ab import context_for  # an item of the interleaved list: which variant offered it

        extra = context_for(ctx.lib, item["id"], ctx.listener) if args.source == "upnext" else {}
        event_id = events.record(ctx.lib, item, args.type, position=args.position, duration=args.duration,
                                 source=args.source, listener=ctx.listener, context=extra)
        event = next(e for e in ctx.lib.events.list(media_id=item["id"]) if e["id"] == event_id)
    if args.json:
        print_json({"event": event, "item": _item_doc(item)})
        return 0
    what = event["type"]
    detail = ""
    if event["position"] is not None:
        need = events.play_threshold(event["duration"])
        detail = (f" at {fmt_duration(event['position'])} of {fmt_duration(event['duration'])}"
                  f" (a play needs {fmt_duration(need)})")
    print(f"Recorded {what} of {item['title'] or item['path']}{detail}; session {event['session_id']}")
    return 0


# --- history --------------------------------------------------------------------------------------------
def _configure_history(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", type=int, default=50, metavar="N", help="the newest N events (default 50; 0 = all)")
    _json_flag(p)


@command("history", "what you played, skipped, liked and disliked, by session", _configure_history)
def cmd_history(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        rows = events.history(ctx.lib, limit=args.n or None)
        total = ctx.lib.events.count()
    if args.json:
        print_json({"total": total, "items": rows})
        return 0
    if not rows:
        print("No history yet: play something ('mediarec event play ITEM').")
        return 0
    table = []
    for e in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(e["ts"]))
        pos = "" if e["position"] is None else f"{fmt_duration(e['position'])}/{fmt_duration(e['duration'])}"
        table.append((when, e["type"], pos, e["title"] or e["path"] or f"#{e['media_id']}", e["session_id"] or ""))
    print_table(table, ("when", "event", "position", "item", "session"))
    if total > len(rows):
        print(f"({len(rows)} of {total} events; -n 0 shows all)")
    return 0


# --- forget ---------------------------------------------------------------------------------------------
def _configure_forget(p: argparse.ArgumentParser) -> None:
    p.add_argument("item", nargs="?", metavar="ITEM", help="a media id or path: forget its history")
    p.add_argument("--all", action="store_true", help="forget the whole history (with --listener: that listener's)")
    _json_flag(p)


@command("forget", "delete the history of ITEM, or all of it (--all)", _configure_forget)
def cmd_forget(args: argparse.Namespace) -> int:
    if bool(args.item) == bool(args.all):
        raise UserError("forget needs either ITEM or --all")
    with open_context(args) as ctx:
        item = ctx.lib.media.resolve(args.item) if args.item else None
        if args.listener is not None or ctx.settings.listener.name:  # only that listener's history and model
            from ..recommend.upnext import forget_state

            n = ctx.lib.events.forget(item["id"] if item else None, listener=ctx.listener)
            forget_state(ctx.lib)
        elif item is None:
            from ..privacy import clear_history

            n = clear_history(ctx.lib)
        else:
            n = ctx.lib.events.forget(item["id"])
            # What was learned from that history goes too; up next refits from the events that remain.
            from ..recommend.upnext import forget_state

            forget_state(ctx.lib)
    if args.json:
        print_json({"forgotten": n, "item": _item_doc(item) if item else None})
    else:
        target = (item["title"] or item["path"]) if item else "your whole history"
        print(f"Forgot {n} event(s): {target}")
    return 0


# --- similar --------------------------------------------------------------------------------------------
def _configure_similar(p: argparse.ArgumentParser) -> None:
    p.add_argument("item", metavar="ITEM", help="a media id or the path of a scanned file")
    p.add_argument("-n", type=int, default=10, metavar="N", help="how many (default 10)")
    p.add_argument("--space", default="all", choices=("all", *SPACES), help="compare by one aspect (default all)")
    p.add_argument("--kind", default="any", choices=tuple(KINDS), help="only this kind of result (default any)")
    p.add_argument("--beyond", action="store_true",
                   help="beyond this album and artist: leave out ITEM's album and artist (untagged: its folder)")
    p.add_argument("--metadata-weight", type=float, metavar="W",
                   help="how much a shared album, artist or folder counts beside sound and feel (default 0; "
                        "audio counts 1)")
    _json_flag(p)


@command("similar", "more like ITEM: items that sound, look, feel or talk alike, and why", _configure_similar)
def cmd_similar(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise UserError("-n must be at least 1")
    with open_context(args) as ctx:
        lib = ctx.lib
        item = lib.media.resolve(args.item)
        if args.metadata_weight is not None and args.metadata_weight < 0:
            raise UserError("--metadata-weight must be at least 0")
        given = {} if args.metadata_weight is None else {METADATA: args.metadata_weight}
        mlt = MoreLikeThis(lib, ctx.paths.index_dir, weights=given)
        try:
            found = mlt.similar(item["id"], args.n, args.space, args.kind, beyond=args.beyond)
            if not found.spaces:
                raise UserError(f"{item['path']}: no features in the {args.space} space yet "
                                "(run 'mediarec analyze')")
            why = mlt.explain(found)
            results = []
            for mid, score, sims, phrases in zip(found.ids.tolist(), found.scores.tolist(), found.per_space, why):
                results.append({**_item_doc(lib.media.get(mid)), "score": round(score, 4), "spaces": sims,
                                "reasons": phrases})
            dups = [{**_item_doc(lib.media.get(d["id"])), "why": d["why"]} for d in found.duplicates]
        finally:
            mlt.close()
    if args.json:
        print_json({"query": _item_doc(item), "space": args.space, "kind": args.kind, "beyond": args.beyond,
                    "weights": found.spaces, "items": results, "duplicates": dups})
        return 0
    beyond = ", beyond its album and artist" if args.beyond else ""
    print(f"More like {item['title'] or item['path']} ({', '.join(found.spaces)}{beyond}):")
    print_table([(f"{r['score']:.3f}", r["kind"], r["title"] or r["path"], "; ".join(r["reasons"]))
                 for r in results], ("score", "kind", "item", "why"))
    if dups:
        print("Duplicates left out: " + ", ".join(d["path"] for d in dups))
    return 0
