"""Listener commands: `mediarec listeners [add NAME | remove NAME | rename OLD NEW | private NAME on|off]`."""
from __future__ import annotations

import argparse

from ..library.listeners import Listeners
from . import command
from .context import open_context
from .output import print_json, print_table

ACTIONS = {"add": 1, "remove": 1, "rename": 2, "private": 2}


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=tuple(ACTIONS), help="what to change (none: list them)")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="add NAME | remove NAME | rename OLD NEW | private NAME on|off")
    p.add_argument("--private", action="store_true", help="with add: the new listener's history is private")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def _change(who: Listeners, action: str, names: list[str], private: bool) -> str:
    if action == "add":
        return f"Added listener {who.add(names[0], private).name}" + (" (private)" if private else "")
    if action == "remove":
        n = who.remove(names[0])
        return f"Removed listener {names[0]} and their {n} event(s), queue and blocklist rules"
    if action == "rename":
        return f"Renamed {names[0]} to {who.rename(names[0], names[1]).name}"
    if names[1] not in ("on", "off"):
        raise SystemExit("mediarec listeners: private NAME takes on or off")
    changed = who.set_private(names[0], names[1] == "on")
    return f"{changed.name}'s history is " + ("private: nobody else's recommendations use it" if changed.private
                                              else "shared with the other listeners' recommendations")


@command("listeners", "who listens here: list, add, remove or rename listeners (each has their own history, "
         "queue, blocklist and up next)", _configure)
def cmd_listeners(args: argparse.Namespace) -> int:
    if args.action and len(args.names) != ACTIONS[args.action]:
        raise SystemExit(f"mediarec listeners {args.action}: takes {ACTIONS[args.action]} name(s)")
    with open_context(args) as ctx:
        who = Listeners(ctx.lib)
        message = _change(who, args.action, args.names, args.private) if args.action else ""
        rows = [{"id": x.id, "name": x.name, "private": x.private, "events": ctx.lib.events.count(listener=x.id)}
                for x in who.list()]
        guests = ctx.lib.events.count(listener=None)
        current = who.name_of(ctx.listener)
    if args.json:
        print_json({"listeners": rows, "guest_events": guests, "listening": current})
        return 0
    if message:
        print(message)
    print_table([("*" if r["name"] == current else "", r["name"], "yes" if r["private"] else "", r["events"])
                 for r in rows], ("", "listener", "private", "events"))
    if guests:
        print(f"({guests} guest event(s): in nobody's taste)")
    return 0
