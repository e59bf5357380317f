"""The desktop part: DesktopService ("desktop"): files handed to the app are played (single instance), the
library folders are watched for changes (or rescanned periodically where watching fails), and MPRIS2 makes
media keys and applets drive the player (installed after the player)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..context import AppContext


def install(ctx: "AppContext", rescan_minutes: float | None = None) -> None:
    from . import mpris_bus
    from .service import DesktopService

    ctx.services["desktop"] = DesktopService(ctx, rescan_minutes)
    ctx.after_paint(lambda: mpris_bus.install(ctx))  # the session bus is not needed to paint the window
