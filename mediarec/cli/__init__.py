"""The headless command line: `mediarec [--data-dir DIR] COMMAND ...`; no command opens the GUI.

Commands register themselves in COMMANDS (one module per area); exit status 0 on success, 1 on a
user error (one line on stderr), 2 on bad usage."""
from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from dataclasses import dataclass
from typing import Callable

from .. import __version__
from ..errors import Cancelled, ConfigError, MediarecError


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int | None]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, configure: Callable[[argparse.ArgumentParser], None] = lambda p: None):
    """Decorator: register `run(args)` as a subcommand."""
    def register(run):
        COMMANDS[name] = Command(name, help, configure, run)
        return run
    return register


def _load_commands(wanted: str | None = None) -> None:
    """Import the cli/*_cmds.py modules; each registers its commands with @command. With `wanted` (the command
    on the command line), stop at the module that registers it: `status` need not import the analysis, index
    and export code of every other command (tests/test_cold_imports.py)."""
    import importlib
    import pkgutil

    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.endswith("_cmds"))
    names.remove("library_cmds")
    for name in ["library_cmds", *names]:  # library commands first: they lead the help text
        importlib.import_module(f"{__name__}.{name}")
        if wanted is not None and wanted in COMMANDS:
            return


def _command_word(argv: list[str]) -> str | None:
    """The command named on the command line, or None (no command, or only options such as --help)."""
    takes_value = {"--data-dir", "--listener"}
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in takes_value:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with only the command named in `argv` when it names one (all of them otherwise)."""
    _load_commands(_command_word(argv) if argv is not None else None)
    parser = argparse.ArgumentParser(
        prog="mediarec", description="Recommends what to play next from your own music and video, on your machine. "
        "Without a command, opens the app.")
    parser.add_argument("--data-dir", metavar="DIR", help="where the library database lives (default: per-user data dir)")
    parser.add_argument("--listener", metavar="NAME", help="who is listening: their history, queue, blocklist and "
                        "up next ('guest': recorded into nobody's taste; default: settings [listener] name)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv for debug)")
    parser.add_argument("--version", action="version", version=f"mediarec {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.configure(p)
        p.set_defaults(_run=cmd.run)
    return parser


def _setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if verbosity == 0:
        # Per-file problems are summarised by the command and listed by `doctor`, not logged one by one.
        logging.getLogger("mediarec.scan").setLevel(logging.ERROR)
        logging.getLogger("mediarec.extract").setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        from ..ui.app import main as gui_main  # only here: the core never needs Qt
        return gui_main(data_dir=args.data_dir)
    _setup_logging(args.verbose)
    try:
        return int(args._run(args) or 0)
    except Cancelled:
        print("mediarec: cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\nmediarec: interrupted; what was done so far is saved", file=sys.stderr)
        return 130
    except (ConfigError, MediarecError) as exc:
        print(f"mediarec: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except sqlite3.DatabaseError as exc:  # the boundary: damage met anywhere below becomes one line
        from ..library.recovery import DamagedLibrary, is_damage
        from ..paths import AppPaths

        db = AppPaths.resolve(args.data_dir).db
        err = DamagedLibrary(db, str(exc)) if is_damage(exc) else f"{db}: {exc}"
        print(f"mediarec: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
