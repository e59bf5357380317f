"""Desktop integration: MPRIS2 media keys and applets (mpris.py); the shell adds the tray and file arguments."""
from __future__ import annotations


def install(ctx) -> None:
    from . import mpris_bus

    mpris_bus.install(ctx)
