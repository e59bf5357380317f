"""The results part: the page for More like this, journeys and searches, and its "results" service."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .service import PAGE, ResultsService
from .view import ResultsPage

if TYPE_CHECKING:
    from ..context import AppContext
    from ...settings import Settings


def user_weights(settings: "Settings") -> dict[str, float] | None:
    """The Settings weights when the user changed them; else None, so a library's learned weights apply."""
    from ...settings import SpaceWeights

    chosen = settings.recommend.weights
    return None if chosen == SpaceWeights() else chosen.as_dict()


def install(ctx: "AppContext") -> ResultsService:
    """Build the page and service, place the page, answer actions.more_like_this, register "results"."""
    from .lists import beyond_supported

    service = ResultsService(ctx.paths.db, ctx.paths.index_dir, ctx.window, lambda: user_weights(ctx.settings))
    page = ResultsPage()
    page.setObjectName("resultsPage")
    # The probe imports the core's More like this (numpy, the index code, ~0.3 s): on the service's thread, after
    # the first paint, so neither the paint nor the user's first clicks wait for it.
    ctx.after_paint(lambda: service.bridge.submit(lambda _ctx: beyond_supported(), lambda ok: page.set_beyond_available(
        ok, "Needs a newer More like this in the core (similar(beyond=...)); not available in this build")))
    actions = ctx.actions
    service.listed.connect(page.show_result)
    service.listed.connect(lambda _: page.set_back_available(bool(service.history)))
    page.back_requested.connect(service.back)
    service.busy.connect(page.show_busy)
    service.failed.connect(lambda msg: page.show_message(f"Could not make this list: {msg}"))
    page.options_changed.connect(lambda changes: service.refine(**changes))
    page.play_requested.connect(lambda ids: ids and actions.play_now.emit(ids))
    page.queue_requested.connect(lambda ids: ids and actions.enqueue.emit(ids))
    page.export_requested.connect(lambda ids, title: ids and actions.export_items.emit(ids, title))
    page.menu_requested.connect(
        lambda ids, pos: ids and actions.context_menu(ids, page, page.heading.text()).exec(pos))

    def open_similar(media_id: int) -> None:
        ctx.window.show_page(PAGE)
        service.more_like_this(int(media_id))
    actions.more_like_this.connect(open_similar)
    service.listed.connect(lambda _: ctx.window.show_page(PAGE))
    library = ctx.services.get("library")
    if library is not None and hasattr(library, "changed"):  # analysis went on: an empty list may fill
        library.changed.connect(service.retry_if_waiting)
    ctx.window.add_page(PAGE, page)
    closing = getattr(ctx.window, "closing", None)
    if closing is not None:
        closing.connect(service.close)
    service.page = page
    ctx.services["results"] = service
    return service
