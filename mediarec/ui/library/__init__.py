"""The library part: LibraryService ("library"), the Music / Videos / Everything pages, Folders and the
first-run welcome view; Ctrl+L goes to the filter box."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..context import AppContext

def install(ctx: "AppContext") -> None:
    from .controller import LibraryController

    ctx.services["library"] = LibraryController(ctx).service
