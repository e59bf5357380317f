"""Queue command: queue (the user's part of Up Next: list, add, play next, remove, clear)."""
from __future__ import annotations

import argparse

from ..library.queue import UserQueue, load_mode
from . import command
from .context import open_context
from .output import fmt_duration, print_json, print_table

ACTIONS = ("list", "add", "next", "remove", "clear")


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", default="list", choices=ACTIONS,
                   help="list (default); add ITEM... at the end; next ITEM... to play next; remove ITEM (every "
                        "entry of it); clear")
    p.add_argument("items", nargs="*", metavar="ITEM", help="media ids or paths of scanned files")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


@command("queue", "the queue you made (kept until played or removed), above the generated Up Next", _configure)
def cmd_queue(args: argparse.Namespace) -> int:
    if args.action in ("add", "next", "remove") and not args.items:
        raise SystemExit(f"mediarec queue {args.action}: give at least one ITEM")
    if args.action in ("list", "clear") and args.items:
        raise SystemExit(f"mediarec queue {args.action}: takes no ITEM")
    if args.action == "remove" and len(args.items) > 1:
        raise SystemExit("mediarec queue remove: one ITEM at a time")
    with open_context(args) as ctx:
        lib, q = ctx.lib, UserQueue(ctx.lib, ctx.listener)
        ids = [lib.media.resolve(x)["id"] for x in args.items]
        note = ""
        if args.action == "add":
            q.add(ids)
            note = f"Queued {len(ids)} item(s) at the end"
        elif args.action == "next":
            q.insert_next(ids)
            note = f"Queued {len(ids)} item(s) to play next"
        elif args.action == "remove":
            note = f"Removed {q.remove_media(ids[0])} entry(ies)"
        elif args.action == "clear":
            note = f"Cleared {q.clear()} entry(ies)"
        entries = q.list()
        items = lib.media.get_many([e.media_id for e in entries], ["path", "title", "artist", "kind", "duration"])
        rows = [{"entry": e.id, "position": e.position, "id": e.media_id, **{k: items.get(e.media_id, {}).get(k)
                 for k in ("path", "title", "artist", "kind", "duration")}} for e in entries]
        mode = load_mode(lib)
        mode_doc = {**mode.to_json(), "label": mode.label(lib)}
    if args.json:
        print_json({"items": rows, "mode": mode_doc})
        return 0
    if note:
        print(note)
    if not rows:
        print(f"The queue is empty; below it, Up Next follows: {mode_doc['label']}")
        return 0
    print_table([(r["position"] + 1, r["id"], r["kind"], fmt_duration(r["duration"]), r["artist"] or "",
                  r["title"] or r["path"]) for r in rows], ("#", "id", "kind", "length", "artist", "item"))
    print(f"Then: {mode_doc['label']}")
    return 0
