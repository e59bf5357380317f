"""Playlist commands: export a list to M3U8/XSPF/PLS, import a playlist file, list, show and delete saved ones."""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..errors import UserError
from ..export import Entry, extensions, format_for, save_playlist
from ..export.importing import import_playlist
from ..humanize import plural
from ..recommend import journey
from ..recommend.similar import MoreLikeThis
from ..tasks import upnext_unblocked
from . import command
from .context import Context, open_context
from .output import positive_int, fmt_duration, print_json, print_table

Pick = tuple["int | None", Entry]
"""One exported item: its media id (None for a path the library does not know) and what the file shows."""

DEFAULT_N = 25


# --- where an exported list comes from ---------------------------------------------------------------

Loader = Callable[[Context, argparse.Namespace], list[Pick]]


@dataclass(frozen=True)
class Source:
    """One way to fill an export: the flag that selects it, how to load it, and what to remember of it."""

    flag: str
    load: Loader
    params: Callable[[argparse.Namespace], dict]


def _media_id(lib, item: str) -> int:
    return lib.media.resolve(item)["id"]


def _saved_playlist(ctx: Context, args: argparse.Namespace) -> list[Pick]:
    """A saved playlist's items; those still in the library use the file's current path and tags."""
    picks: list[Pick] = []
    for it in ctx.lib.playlists.get(args.playlist)["items"]:
        row = ctx.lib.media.get(it["media_id"]) if it["media_id"] is not None else None
        picks.append((row["id"], Entry.from_media(row)) if row else (None, Entry.from_media(it)))
    return picks


def _picks(lib, ids: Iterable[int]) -> list[Pick]:
    """The library's rows for a recommender's ids (a file gone since the list was made is left out)."""
    rows = (lib.media.get(int(i)) for i in ids)
    return [(row["id"], Entry.from_media(row)) for row in rows if row is not None]


def _similar(ctx: Context, args: argparse.Namespace) -> list[Pick]:
    """More like ITEM through the app's MoreLikeThis (its indexes are opened for this one list)."""
    mlt = MoreLikeThis(ctx.lib, ctx.paths.index_dir)
    try:
        ids, _ = mlt.similar_items(_media_id(ctx.lib, args.similar), n=args.n or DEFAULT_N)
    finally:
        mlt.close()
    return _picks(ctx.lib, ids)


def _upnext(ctx: Context, args: argparse.Namespace) -> list[Pick]:
    found = upnext_unblocked(ctx.lib, ctx.paths.index_dir, n=args.n or DEFAULT_N, settings=ctx.settings.recommend,
                             listener=ctx.listener,
                             explain=False)
    return _picks(ctx.lib, found.ids)


def _journey(ctx: Context, args: argparse.Namespace) -> list[Pick]:
    lib = ctx.lib
    found = journey.path(lib, ctx.paths.index_dir, _media_id(lib, args.path[0]), _media_id(lib, args.path[1]),
                 n=args.n or DEFAULT_N)
    return _picks(lib, found.ids)


SOURCES: dict[str, Source] = {
    "similar": Source("similar", _similar, lambda a: {"item": a.similar}),
    "upnext": Source("upnext", _upnext, lambda a: {}),
    "path": Source("path", _journey, lambda a: {"from": a.path[0], "to": a.path[1]}),
    "playlist": Source("playlist", _saved_playlist, lambda a: {"playlist": a.playlist}),
}
"""Every export source by its flag."""


# --- export ---------------------------------------------------------------------------------------------

def _configure_export(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help=f"playlist to write; its extension picks the format "
                   f"({', '.join('.' + e for e in extensions())})")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--similar", metavar="ITEM", help="items like ITEM (a media id or a path)")
    src.add_argument("--upnext", action="store_true", help="what mediarec would play next")
    src.add_argument("--path", nargs=2, metavar=("A", "B"), help="a journey from item A to item B")
    src.add_argument("--playlist", metavar="NAME", help="a saved playlist")
    p.add_argument("-n", type=positive_int, metavar="N",
                   help=f"at most N items (default: {DEFAULT_N}; a saved playlist: all of it)")
    p.add_argument("--relative", action="store_true", help="paths relative to the playlist's folder")
    p.add_argument("--save", metavar="NAME",
                   help="also keep the list as saved playlist NAME (replacing one of that name)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


@command("export", "write a list (similar, up next, a journey or a saved playlist) as M3U8, XSPF or PLS",
         _configure_export)
def cmd_export(args: argparse.Namespace) -> int:
    source = next(s for flag, s in SOURCES.items() if getattr(args, flag))
    fmt = format_for(args.file)  # an unknown extension fails before any work
    with open_context(args) as ctx:
        picks = source.load(ctx, args)
        if args.n:
            picks = picks[:args.n]
        if not picks:
            raise UserError(f"nothing to export: the --{source.flag} list is empty")
        saved = save_playlist(args.file, [entry for _, entry in picks], relative=args.relative)
        if args.save:
            ctx.lib.playlists.save(args.save, [_item(mid, e) for mid, e in picks], source=source.flag,
                                   params={**source.params(args), "file": saved.path})
    if args.json:
        print_json({"file": saved.path, "format": saved.format, "source": source.flag,
                    "params": source.params(args), "entries": saved.entries, "relative": saved.relative,
                    "uri_entries": saved.uri_entries, "saved_as": args.save,
                    "items": [_item(mid, e) for mid, e in picks]})
        return 0
    how = "relative paths" if args.relative else "absolute paths"
    print(f"Wrote {_entries(saved.entries)} to {saved.path} ({fmt.name}, {how})")
    if saved.uri_entries:
        print(f"  {_entries(saved.uri_entries)} written as file:// URIs: their names hold characters "
              "a plain path line cannot carry")
    if args.save:
        print(f"  saved as playlist {args.save!r}")
    return 0


def _item(media_id: int | None, entry: Entry) -> dict[str, Any]:
    return {"media_id": media_id, "path": entry.path, "title": entry.title, "artist": entry.artist,
            "duration": entry.duration}


# --- import ---------------------------------------------------------------------------------------------

def _configure_import(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="an M3U, M3U8, XSPF or PLS playlist")
    p.add_argument("--name", help="name of the saved playlist (default: the file's name)")
    p.add_argument("--replace", action="store_true", help="replace a saved playlist of the same name")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


@command("import", "read an M3U/M3U8/XSPF/PLS file into a saved playlist", _configure_import)
def cmd_import(args: argparse.Namespace) -> int:
    format_for(args.file)  # an unknown extension fails before the library opens
    with open_context(args) as ctx:
        done = import_playlist(ctx.lib, args.file, args.name, args.replace)
    items, unknown = done.items, done.unknown
    if args.json:
        print_json({"name": done.name, "file": done.file, "format": done.format, "entries": len(items),
                    "matched": len(items) - len(unknown), "unknown": len(unknown), "unknown_paths": unknown,
                    "refused": done.refused})
        return 0
    print(f"Imported {_entries(len(items))} from {done.file} as playlist {done.name!r}: "
          f"{len(items) - len(unknown)} in the library, {len(unknown)} not")
    for r in done.refused:
        print(f"  left out {r['path']}: {r['reason']}")
    return 0


# --- saved playlists ------------------------------------------------------------------------------------

@command("playlists", "list the saved playlists",
         lambda p: p.add_argument("--json", action="store_true", help="print one JSON document on stdout"))
def cmd_playlists(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        rows = ctx.lib.playlists.list()
    if args.json:
        print_json({"playlists": rows})
        return 0
    if not rows:
        print("No saved playlists yet ('mediarec import FILE' or 'mediarec export FILE ... --save NAME').")
        return 0
    print_table([(r["name"], r["items"], r["source"] or "", _when(r["updated_at"])) for r in rows],
                ("name", "items", "source", "updated"))
    return 0


def _configure_playlist(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME", help="a saved playlist")
    p.add_argument("--delete", action="store_true", help="delete it (the files are not touched)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


@command("playlist", "show a saved playlist, or delete it with --delete", _configure_playlist)
def cmd_playlist(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        if args.delete:
            ctx.lib.playlists.delete(args.name)
            if args.json:
                print_json({"deleted": args.name})
            else:
                print(f"Deleted playlist {args.name!r}")
            return 0
        doc = ctx.lib.playlists.get(args.name)
        for it in doc["items"]:  # an item still in the library shows where the file is now
            row = ctx.lib.media.get(it["media_id"]) if it["media_id"] is not None else None
            it["in_library"] = row is not None
            if row is not None:
                it["path"] = row["path"]
    if args.json:
        print_json(doc)
        return 0
    print(f"{doc['name']}: {plural(len(doc['items']), 'item')} ({doc['source'] or 'manual'}, "
          f"updated {_when(doc['updated_at'])})")
    print_table([(it["position"] + 1, fmt_duration(it["duration"]), it["title"] or "",
                  "" if it["in_library"] else "not in library", it["path"]) for it in doc["items"]],
                ("#", "length", "title", "", "path"))
    return 0


def _entries(n: int) -> str:
    return f"{n} entry" if n == 1 else f"{n} entries"


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""
