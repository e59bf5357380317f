"""ResultsService ("results"): runs More like this, journeys and searches on its own thread and shows them.

Public API for other parts: `more_like_this(id)`, `show_search(text)`, `plan_journey(a, b, via, n, on_done)`,
`show(result)`; signals `listed(ResultList)` (a list is on the page) and `failed(str)`. Requests use one
key, so a newer query drops the answer to an older one."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal

from ..bridges.service import ServiceBridge
from . import lists
from .lists import ResultList

PAGE = "Results"
HISTORY = 20  # lists kept for Back


class ResultsService(QObject):
    listed = Signal(object)   # ResultList now shown
    failed = Signal(str)      # one line
    busy = Signal(str)        # what is being worked out (the page says so instead of an empty pane)

    def __init__(self, db_path: Path, index_dir: Path, parent: QObject | None = None,
                 weights: Callable[[], dict[str, float] | None] = lambda: None):
        super().__init__(parent)
        self.index_dir = Path(index_dir)
        self.weights = weights  # the user's weights for "all" at the time of each request (None: the library's)
        self.bridge = ServiceBridge(db_path, "results", self)
        self.current: ResultList | None = None
        self.history: list[ResultList] = []

    def more_like_this(self, media_id: int, space: str = "all", kind: str = "any", beyond: bool = False) -> None:
        index_dir, weights = self.index_dir, self.weights()
        self.busy.emit("Finding more like this…")
        self._submit(lambda ctx: lists.similar_list(ctx, index_dir, media_id, space, kind, beyond, weights=weights))

    def show_search(self, text: str, kind: str | None = None) -> None:
        self.busy.emit(f"Searching for “{text.strip()}”…")
        self._submit(lambda ctx: lists.search_list(ctx, text, kind))

    def plan_journey(self, a: int, b: int, via: list[int], n: int, kind: str = "any",
                     on_done: Callable[[ResultList], None] | None = None) -> None:
        """Plan a journey; it is shown on the page, then `on_done(result)` is called (e.g. to play it)."""
        index_dir, via = self.index_dir, list(via)
        self.busy.emit("Planning the journey…")

        def done(result: ResultList) -> None:
            self.show(result)
            if on_done is not None:
                on_done(result)
        self.bridge.submit(lambda ctx: lists.journey_list(ctx, index_dir, a, b, via, n, kind), done,
                           self.failed.emit, key="list")

    def refine(self, **changes) -> None:
        """Run the shown list again with other options (space, kind, beyond)."""
        if self.current is None:
            return
        q = {**self.current.query, **changes}
        if self.current.mode == "similar":
            self.more_like_this(q["id"], q["space"], q["kind"], q["beyond"])
        elif self.current.mode == "search":
            self.show_search(q["text"], None if q.get("kind") in (None, "any") else q["kind"])
        elif self.current.mode == "journey":
            self.plan_journey(q["a"], q["b"], q["via"], q["n"], q.get("kind", "any"))

    def show(self, result: ResultList) -> None:
        previous = self.current
        if previous is not None and previous.mode == result.mode and previous.query.get("id") == result.query.get("id") \
                and result.mode == "similar":
            pass  # the same item with other options: a refinement, not a new place to go back to
        elif previous is not None:
            self.history = (self.history + [previous])[-HISTORY:]
        self.current = result
        self.listed.emit(result)

    def back(self) -> None:
        """Show the list before this one again (as it was: no new request)."""
        if self.history:
            self.current = self.history.pop()
            self.listed.emit(self.current)

    def retry_if_waiting(self) -> None:
        """The library changed (analysis went on): an empty More like this is asked again."""
        if self.current is not None and self.current.mode == "similar" and not self.current.rows:
            self.refine()

    def _submit(self, fn) -> None:
        self.bridge.submit(fn, self.show, self.failed.emit, key="list")

    def close(self) -> None:
        self.bridge.close()
