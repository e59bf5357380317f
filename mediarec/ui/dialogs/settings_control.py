"""Opens the Settings dialog and carries out what its pages ask (folders, blocklist, privacy) on the "dialogs" thread."""
from __future__ import annotations

from .calls import BLOCKLIST_MISSING
from . import calls
from .settings_dialog import SettingsDialog


def open_settings(service, page: str | None = None) -> SettingsDialog:
    ctx = service.ctx
    p = ctx.paths
    places = [("Data", str(p.data)), ("Database", str(p.db)), ("Settings", str(p.settings_file)),
              ("Indexes", str(p.index_dir)), ("Models", str(p.models))]
    dialog = SettingsDialog(ctx.settings, p.settings_file, places, calls.privacy_available(), ctx.window,
                            models_dir=p.models)
    service.settings_dialog = dialog
    show_rules = lambda rules: dialog.recommend.set_blocklist(rules, BLOCKLIST_MISSING)  # noqa: E731
    service._call(calls.roots, dialog.folders.set_roots, key="roots")
    service._call(calls.blocklist, show_rules, key="blocklist")
    service._call(calls.experiment, dialog.recommend.set_experiment, key="experiment")

    def add_folder(path: str) -> None:
        jobs = ctx.services.get("jobs")
        if jobs is not None and hasattr(jobs, "scan"):  # adds it and scans, with progress in the status bar
            jobs.scan(add=[path])
            service._call(calls.roots, dialog.folders.set_roots, key="roots")
        else:
            service._call(lambda c: calls.add_root(c, path), dialog.folders.set_roots, key="roots")
        service.message.emit(f"Added {path}")

    def remove_folder(path: str) -> None:
        library = ctx.services.get("library")
        if library is not None and hasattr(library, "remove_root"):  # the library views re-read
            library.remove_root(path, lambda _: service._call(calls.roots, dialog.folders.set_roots, key="roots"))
        else:
            service._call(lambda c: calls.remove_root(c, path), dialog.folders.set_roots, key="roots")
        service.message.emit(f"Removed {path}; its history is kept")

    dialog.folder_added.connect(add_folder)
    dialog.folder_removed.connect(remove_folder)
    dialog.unblock_requested.connect(lambda rule: service._call(lambda c: calls.unblock(c, rule), show_rules))
    dialog.clear_history_requested.connect(lambda: service._call(
        calls.clear_history, lambda n: _say(service, dialog, f"Cleared {n} events from your history")))
    settings = ctx.settings
    dialog.export_data_requested.connect(lambda path: service._call(
        lambda c: calls.export_data(c, path, settings),
        lambda counts: _say(service, dialog, f"Exported {counts.get('events', 0)} events and "
                                             f"{counts.get('playlists', 0)} playlists to {path}"),
        lambda msg: _say(service, dialog, msg)))
    if page:
        dialog.show_page(page)
    dialog.open()
    return dialog


def _say(service, dialog: SettingsDialog, text: str) -> None:
    dialog.privacy.status.setText(text)
    service.message.emit(text)
