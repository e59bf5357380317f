"""The desktop part: DesktopService ("desktop"): files handed to the app are played (single instance), and the
library folders are watched for changes (or rescanned periodically where watching fails)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..context import AppContext


def install(ctx: "AppContext", rescan_minutes: float | None = None) -> None:
    from .service import DesktopService

    ctx.services["desktop"] = DesktopService(ctx, rescan_minutes)
