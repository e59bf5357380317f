"""Library commands: scan, status, list, doctor, roots."""
from __future__ import annotations

import argparse
import os
import sys

from ..jobs import run_job
from ..library.media import PUBLIC_FIELDS
from . import command
from .context import load_paths, open_context
from .output import ProgressBar, fmt_duration, items_doc, print_json, print_table


def _json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def _kind_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kind", choices=("audio", "video"), help="only this kind of media")


def _configure_scan(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="folders to add as library roots before scanning")
    _json_flag(p)


@command("scan", "add PATHs as library folders (if given) and scan all folders", _configure_scan)
def cmd_scan(args: argparse.Namespace) -> int:
    from ..tasks import NoLibraryFolders, scan_task  # the scanner (PyAV, mutagen): not for `status` or `list`

    paths, settings = load_paths(args)
    bar = ProgressBar(enabled=not args.json)
    try:
        report = run_job(scan_task(paths.db, settings, args.paths), bar)
    except NoLibraryFolders as exc:
        print(f"mediarec: {exc}", file=sys.stderr)
        return 1
    finally:
        bar.close()
    if args.json:
        with open_context(args) as ctx:
            print_json({"report": report.__dict__, "counts": ctx.lib.media.counts()})
    else:
        print(f"Scanned {report.roots} folder(s) in {report.seconds:.1f} s: {report.summary()}")
    return 0


@command("status", "counts by kind and status, failures, pending work", _json_flag)
def cmd_status(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        doc = status_doc(ctx)
    if args.json:
        print_json(doc)
        return 0
    print(f"Library: {doc['database']}")
    for kind, by_status in sorted(doc["media"].items()):
        parts = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
        print(f"  {kind}: {parts}")
    if not doc["media"]:
        print("  empty: add a folder with 'mediarec scan FOLDER'")
    if doc["failures"]:
        print("Unreadable files: " + ", ".join(f"{n} at {s}" for s, n in sorted(doc["failures"].items()))
              + " (see 'mediarec doctor')")
    for name, p in sorted(doc["pending"].items()):
        print(f"  {name}: {p['done']} done, {p['pending']} pending, {p['failed']} failed")
    print(f"History: {doc['events']} events")
    return 0


def status_doc(ctx) -> dict:
    lib = ctx.lib
    return {
        "database": str(lib.path),
        "media": lib.media.counts(),
        "total": sum(sum(v.values()) for v in lib.media.counts().values()),
        "failures": lib.file_status.count_by_stage(include_ignored=False),
        "pending": pending_work(ctx),
        "events": lib.events.count(),
        "roots": [{"path": r["path"], "available": bool(r["available"] == 1), "files": r["files"]}
                  for r in lib.roots.active()],
    }


def pending_work(ctx) -> dict:
    """Per extractor: done / pending / failed."""
    from ..extract.plan import pending_summary

    return pending_summary(ctx.lib)


def _configure_list(p: argparse.ArgumentParser) -> None:
    _kind_flag(p)
    p.add_argument("--all", action="store_true", help="also list missing, masked and unreadable files")
    _json_flag(p)


@command("list", "list the library", _configure_list)
def cmd_list(args: argparse.Namespace) -> int:
    statuses = ("ok", "missing", "masked", "error") if args.all else ("ok",)
    with open_context(args) as ctx:
        items = ctx.lib.media.list(kind=args.kind, statuses=statuses)
    if args.json:
        print_json(items_doc(items, PUBLIC_FIELDS))
        return 0
    rows = [(it["id"], it["kind"], fmt_duration(it["duration"]), it["artist"] or "", it["title"] or "",
             it["status"] if args.all else "", it["path"]) for it in items]
    print_table(rows, ("id", "kind", "length", "artist", "title", "status" if args.all else "", "path"))
    return 0


def _configure_doctor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--retry", metavar="PATH", nargs="?", const="",
                   help="forget PATH's failures (--retry --all: every problem not ignored): the next scan or "
                        "analysis tries again")
    p.add_argument("--all", action="store_true", help="with --retry: every problem not ignored")
    p.add_argument("--ignore", metavar="PATH", help="hide PATH's problems from doctor and status (kept; not retried)")
    fix = p.add_mutually_exclusive_group()
    fix.add_argument("--restore-backup", action="store_true",
                     help="a damaged library: put the newest good backup in its place (the damaged file is kept aside)")
    fix.add_argument("--start-fresh", action="store_true",
                     help="a damaged library: keep it aside under a new name and start an empty one")
    _json_flag(p)


@command("doctor", "every unreadable file, model and index health; retry or ignore problems", _configure_doctor)
def cmd_doctor(args: argparse.Namespace) -> int:
    if (args.all and args.retry) or args.retry == "" and not args.all or args.all and args.retry is None:
        raise SystemExit("mediarec doctor: --retry PATH or --retry --all")
    if args.restore_backup or args.start_fresh:
        return _recover(args)
    if args.retry is not None or args.ignore:
        return _problems(args)
    with open_context(args) as ctx:
        doc = doctor_doc(ctx)
    if args.json:
        print_json(doc)
        return 0
    db = doc["database"]
    print(f"Database {db['path']}: schema {db['schema_version']}, integrity {db['integrity']}")
    if doc["backups"]:
        print(f"  {len(doc['backups'])} backup(s), newest {os.path.basename(doc['backups'][0])} "
              "('mediarec doctor --restore-backup' puts it in place if the library is ever damaged)")
    dev = doc["device"]
    print(f"Models run on: {dev['device']} (setting: {dev['setting']})" + (f"; {dev['note']}" if "note" in dev else ""))
    for model, where in dev.get("models", {}).items():
        print(f"  {model}: {where}")
    batch = dev.get("batching")
    if batch:
        state = f"on, {batch['files']} files per model call" if batch["on"] else "off, one file per model call"
        print(f"Batching across files: {state} ({batch['why']})")
    for section in doc.get("extractors", []):
        state = "available" if section["available"] else f"disabled: {section['reason']}"
        print(f"  extractor {section['name']} v{section['version']}: {state}")
    if not doc["file_status"]:
        print("No unreadable files.")
    else:
        print(f"{len(doc['file_status'])} problem(s):")
        print_table([(r["stage"], r["kind"], r["path"], r["message"]) for r in doc["file_status"]],
                    ("stage", "kind", "path", "message"))
    return 0


def _recover(args: argparse.Namespace) -> int:
    """doctor --restore-backup | --start-fresh: never opens the damaged file, only renames it aside."""
    from ..library import recovery

    paths, _ = load_paths(args)
    done = recovery.restore_newest_backup(paths.db) if args.restore_backup else recovery.start_fresh(paths.db)
    with open_context(args) as ctx:  # opens (and migrates) what is now in place: proves it is readable
        items = sum(n for by_status in ctx.lib.media.counts().values() for n in by_status.values())
    if args.json:
        print_json({"action": done.action, "items": items, "kept_as": str(done.kept_as) if done.kept_as else None,
                    "restored_from": str(done.restored_from) if done.restored_from else None})
    else:
        print(done.summary() + f"; {items} item(s) in the library now")
    return 0


def _problems(args: argparse.Namespace) -> int:
    """doctor --retry PATH | --all, doctor --ignore PATH."""
    from ..errors import UserError

    with open_context(args) as ctx:
        fs = ctx.lib.file_status
        if args.ignore:
            path = os.path.abspath(os.path.expanduser(args.ignore))
            n = fs.set_ignored(path)
            if not n:
                raise UserError(f"{path}: no problem recorded for it (see 'mediarec doctor')")
            doc = {"ignored": n, "path": path}
            text = f"Ignoring {n} problem(s) of {path}"
        else:
            paths = None if args.all else [os.path.abspath(os.path.expanduser(args.retry))]
            r = fs.retry(paths)
            if not r.cleared and paths:
                raise UserError(f"{paths[0]}: no problem recorded for it (see 'mediarec doctor')")
            doc = {"cleared": r.cleared, "rescan": r.rescan, "analyze_ids": r.analyze_ids, "extractors": r.extractors}
            then = [cmd for cmd, due in (("mediarec scan", r.rescan), ("mediarec analyze", r.analyze_ids)) if due]
            text = f"Cleared {r.cleared} problem(s)" + (f"; run {' and '.join(then)} to try again" if then else "")
    if args.json:
        print_json(doc)
    else:
        print(text)
    return 0


def doctor_doc(ctx) -> dict:
    from ..library.recovery import backups

    lib = ctx.lib
    doc = {
        "database": {"path": str(lib.path), "schema_version": lib.schema_version,
                     "integrity": lib.integrity_check()},
        "file_status": lib.file_status.list(include_ignored=False),
        "backups": [str(b) for b in backups(lib.path)] if lib.path else [],
        "paths": {k: str(v) for k, v in ctx.paths.__dict__.items()},
    }
    from ..extract.device import describe
    from ..extract.registry import availability
    from ..extract.runner import make_runtime

    runtime = make_runtime(ctx.paths, ctx.settings, workers=1)
    doc["device"] = describe(ctx.settings.analyze.device, batch=ctx.settings.analyze.batch)
    doc["extractors"] = availability(runtime)
    return doc


def _configure_roots(p: argparse.ArgumentParser) -> None:
    p.add_argument("--remove", metavar="PATH", help="stop scanning this folder (its history is kept)")
    _json_flag(p)


@command("roots", "list library folders, or remove one", _configure_roots)
def cmd_roots(args: argparse.Namespace) -> int:
    with open_context(args) as ctx:
        if args.remove:
            n = ctx.lib.roots.remove(args.remove)
            if not args.json:
                print(f"Removed {args.remove}; {n} file(s) hidden from the library (history kept)")
        roots = ctx.lib.roots.list(include_removed=False)
    if args.json:
        print_json({"items": [{"path": r["path"], "available": r["available"] == 1, "files": r["files"],
                               "last_scan": r["last_scan"]} for r in roots]})
    elif not args.remove:
        if not roots:
            print("No library folders; add one with 'mediarec scan FOLDER'")
        for r in roots:
            state = "" if r["available"] == 1 else "  (unavailable)"
            print(f"{r['path']}  {r['files']} files{state}")
    return 0
