"""Blocklist commands: block, unblock (never recommend an item, an artist or a folder) and blocklist."""
from __future__ import annotations

import argparse
from dataclasses import asdict

from ..errors import UserError
from ..library.blocklist import Blocklist, BlockRule
from . import command
from .context import open_context
from .output import print_json, print_table


def _configure(p: argparse.ArgumentParser, verb: str) -> None:
    p.add_argument("item", nargs="?", metavar="ITEM", help=f"{verb} this item (a media id or the path of a scanned file)")
    p.add_argument("--artist", metavar="NAME", help=f"{verb} everything by this artist (case-insensitive)")
    p.add_argument("--folder", metavar="PATH", help=f"{verb} everything below this folder")
    if verb == "unblock":
        p.add_argument("--id", type=int, metavar="N", help="undo the rule with this id (see 'mediarec blocklist')")
    p.add_argument("--everyone", action="store_true",
                   help=f"{verb} for every listener (default: only for --listener, the one listening)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def _scope(args: argparse.Namespace, ctx) -> int | None:
    """Whose rules: everyone's (--everyone; a guest's rules are everyone's) or the listening listener's."""
    return None if getattr(args, "everyone", False) else ctx.listener


def _one_target(args: argparse.Namespace, verb: str) -> None:
    given = [x for x in (args.item, args.artist, args.folder, getattr(args, "id", None)) if x is not None]
    if len(given) != 1:
        raise SystemExit(f"mediarec {verb}: give exactly one of ITEM, --artist NAME, --folder PATH"
                         + (", --id N" if verb == "unblock" else ""))


def _describe(rule: BlockRule) -> str:
    return {"item": f"item {rule.media_id} ({rule.label})", "artist": f"artist {rule.value}",
            "folder": f"folder {rule.value}"}[rule.kind]


@command("block", "never recommend ITEM, an --artist or a --folder (undo with 'mediarec unblock')",
         lambda p: _configure(p, "block"))
def cmd_block(args: argparse.Namespace) -> int:
    _one_target(args, "block")
    with open_context(args) as ctx:
        bl = Blocklist(ctx.lib, _scope(args, ctx))
        if args.item is not None:
            rule = bl.block_item(ctx.lib.media.resolve(args.item)["id"])
        elif args.artist is not None:
            rule = bl.block_artist(args.artist)
        else:
            rule = bl.block_folder(args.folder)
        n = len(bl.blocked_ids())
    if args.json:
        print_json({"rule": asdict(rule), "blocked_items": n})
    else:
        print(f"Never recommending {_describe(rule)}; {n} item(s) blocked in all")
    return 0


@command("unblock", "undo a 'mediarec block' rule", lambda p: _configure(p, "unblock"))
def cmd_unblock(args: argparse.Namespace) -> int:
    _one_target(args, "unblock")
    with open_context(args) as ctx:
        bl = Blocklist(ctx.lib, _scope(args, ctx))
        if args.id is not None:
            done = bl.unblock(args.id)
        elif args.item is not None:
            done = bl.unblock_item(ctx.lib.media.resolve(args.item)["id"])
        elif args.artist is not None:
            done = bl.unblock_artist(args.artist)
        else:
            done = bl.unblock_folder(args.folder)
        n = len(bl.blocked_ids())
    if not done:
        raise UserError("no such rule (see 'mediarec blocklist')")
    if args.json:
        print_json({"removed": True, "blocked_items": n})
    else:
        print(f"Removed; {n} item(s) blocked in all")
    return 0


@command("blocklist", "what is never recommended (items, artists, folders)",
         lambda p: p.add_argument("--json", action="store_true", help="print one JSON document on stdout"))
def cmd_blocklist(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        bl = Blocklist(ctx.lib, _scope(args, ctx))
        rules, n = bl.rules(), len(bl.blocked_ids())
    if args.json:
        print_json({"rules": [asdict(r) for r in rules], "blocked_items": n})
        return 0
    if not rules:
        print("Nothing is blocked; 'mediarec block ITEM | --artist NAME | --folder PATH' adds a rule")
        return 0
    print_table([(r.id, r.kind, r.label if r.kind == "item" else r.value) for r in rules], ("id", "kind", "what"))
    print(f"{n} item(s) blocked in all")
    return 0
