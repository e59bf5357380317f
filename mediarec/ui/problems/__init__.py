"""The Problems part: the Problems page (file_status rows with Retry and Ignore); its count in the sidebar."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..context import AppContext


def install(ctx: "AppContext") -> None:
    from .controller import ProblemsController

    ctx.services["problems"] = ProblemsController(ctx)
