"""Privacy command: export-data (everything you did and made, as one JSON file)."""
from __future__ import annotations

import argparse

from ..errors import UserError
from ..privacy import export_data
from . import command
from .context import open_context
from .output import print_json


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE.json", help="where to write it (replaced atomically)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


@command("export-data", "write all your events, playlists, queue, blocklist and settings to one JSON file",
         _configure)
def cmd_export_data(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        try:
            counts = export_data(ctx.lib, args.file, ctx.settings)
        except OSError as exc:
            raise UserError(f"{args.file}: cannot write ({exc.strerror or exc})") from None
    if args.json:
        print_json({"file": args.file, **counts})
    else:
        print(f"Wrote {args.file}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return 0
