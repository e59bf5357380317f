"""Transcript command: transcript (what is said in an item, segment by segment with times)."""
from __future__ import annotations

import argparse
from dataclasses import asdict

from ..errors import UserError
from . import command
from .context import open_context
from .output import print_json


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("item", metavar="ITEM", help="a media id or the path of a scanned file")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def clock(seconds: float) -> str:
    """m:ss.s (h:mm:ss.s past an hour): segment times to a tenth of a second."""
    minutes, secs = divmod(max(0.0, seconds), 60.0)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{secs:04.1f}" if hours else f"{minutes}:{secs:04.1f}"


@command("transcript", "what is said in ITEM, with each segment's start and end", _configure)
def cmd_transcript(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        item = ctx.lib.media.resolve(args.item)
        found = ctx.lib.transcripts.timed(item["id"])
    if found is None:
        raise UserError(f"{item['path']}: not transcribed yet (run 'mediarec analyze --only speech.transcript')")
    if args.json:
        print_json({"id": item["id"], "path": item["path"], "language": found.language, "version": found.version,
                    "segments": [asdict(s) for s in found.segments]})
        return 0
    if not found.segments:
        print(f"No speech found in {item['path']}")
        return 0
    for s in found.segments:
        print(f"[{clock(s.start)} - {clock(s.end)}] {s.text}")
    return 0
