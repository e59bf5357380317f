"""What every command starts from: the app's paths, its settings and the open library."""
from __future__ import annotations

import argparse
from dataclasses import dataclass

from ..library import Library
from ..paths import AppPaths
from ..settings import Settings


@dataclass
class Context:
    paths: AppPaths
    settings: Settings
    lib: Library
    listener_name: str | None = None

    @property
    def listener(self) -> int | None:
        """Who is listening: a listener id, or None for the guest (--listener, else settings [listener] name)."""
        from ..library.listeners import Listeners

        return Listeners(self.lib).resolve(self.listener_name or self.settings.listener.name or None)

    def close(self) -> None:
        self.lib.close()

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def load_paths(args: argparse.Namespace) -> tuple[AppPaths, Settings]:
    """The app's paths (created) and settings, for commands that run a job opening its own library."""
    paths = AppPaths.resolve(getattr(args, "data_dir", None))
    settings = Settings.load(paths.settings_file)  # before touching the disk: a bad config fails fast
    paths.ensure()
    return paths, settings


def open_context(args: argparse.Namespace) -> Context:
    paths, settings = load_paths(args)
    return Context(paths, settings, Library(paths.db), getattr(args, "listener", None))
