"""Wires the Problems page to the library's service thread and to the jobs that a retry needs."""
from __future__ import annotations

from PySide6.QtCore import QObject

from ..context import AppContext
from . import core_calls
from .view import ProblemsView


class ProblemsController(QObject):
    def __init__(self, ctx: AppContext):
        super().__init__(ctx.window)
        self.ctx = ctx
        self.view = ProblemsView()
        ctx.window.add_page("Problems", self.view)
        self.view.retry_requested.connect(self.retry)
        self.view.ignore_requested.connect(self.ignore)
        self.view.show_ignored_changed.connect(lambda _on: self.refresh())
        ctx.window.page_shown.connect(lambda name: name == "Problems" and self.refresh())
        library = ctx.services.get("library")
        if library is not None:
            library.changed.connect(self.refresh)
            library.started.connect(self.refresh)

    @property
    def library(self):
        return self.ctx.services["library"]

    def refresh(self) -> None:
        with_ignored = self.view.show_ignored.isChecked()
        self.library.call(lambda c: (core_calls.problems(c.lib, with_ignored), len(core_calls.problems(c.lib))),
                          self._on_rows, key="problems")

    def _on_rows(self, answer) -> None:
        rows, open_count = answer
        self.view.set_rows(rows)
        self.ctx.window.set_page_label("Problems", f"Problems  ({open_count})" if open_count else "Problems")

    def retry(self, paths: list[str]) -> None:
        self.library.call(lambda c: core_calls.retry(c.lib, paths), self._after_retry)

    def _after_retry(self, plan: core_calls.RetryPlan) -> None:
        jobs = self.ctx.services.get("jobs")
        if jobs is not None:
            if plan.rescan:
                jobs.scan([])
            for media_id in plan.analyze_ids:
                jobs.analyse_first(media_id)
        self.ctx.window.show_message(f"Trying {plan.cleared} file(s) again…", 8000)
        self.refresh()

    def ignore(self, rows: list[tuple[str, str]], ignored: bool) -> None:
        self.library.call(lambda c: core_calls.ignore(c.lib, rows, ignored), lambda _n: self.refresh())
