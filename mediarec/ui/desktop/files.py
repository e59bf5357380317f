"""Files handed to the app (`mediarec-gui FILE...`, "Open with", a second launch): their media ids, adding the
ones the library does not know yet. Qt-free; runs on the library's service thread."""
from __future__ import annotations

import logging
import os
from typing import Iterable

from ...errors import FileError
from ...library import Library

log = logging.getLogger(__name__)


def media_ids_for_files(lib: Library, paths: Iterable[str]) -> tuple[list[int], list[str]]:
    """(ids in the given order, one-line errors). A file not in the library is probed and added (under its
    library folder if it is inside one); a file that cannot be read gets a file_status row and is left out."""
    from ...scan.probe import probe

    roots = [(r["path"], r["id"]) for r in lib.roots.active()]
    ids, errors = [], []
    for raw in paths:
        path = os.path.abspath(os.path.expanduser(raw))
        row = lib.conn.execute("SELECT id, status FROM media WHERE path = ?", (path,)).fetchone()
        if row is not None and row["status"] == "ok":
            ids.append(row["id"])
            continue
        try:
            result = probe(path)
        except FileError as err:
            lib.file_status.record_error(err, "probe")
            errors.append(f"{path}: {err.reason}")
            log.warning("cannot open %s", err)
            continue
        root_id = next((rid for rp, rid in roots if path.startswith(rp.rstrip(os.sep) + os.sep)), None)
        with lib.transaction():
            if row is not None:
                lib.media.update_probed(row["id"], result.columns(), path=path, root_id=root_id)
                ids.append(row["id"])
            else:
                ids.append(lib.media.insert(path, root_id, result.columns()))
    return ids, errors
