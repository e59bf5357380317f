"""Online A/B of up-next variants by team-draft interleaving (Radlinski, Kurup and Joachims, 2008).

An experiment (kv AB_KEY) names two variants. While it runs, up next asks both for a list and mixes
them by team draft: each round the variant with fewer picks so far (a coin when even) adds its best
item not yet taken, so neither list's top is favoured. Which variant contributed each item is kept
(kv, per listener) and written into the event of the item when it is heard (context "ab": experiment,
team, variant; the event's source stays "upnext"). A finished pick credits its variant, a skipped one
debits it: each judged pick is one point for A (A's pick finished, or B's skipped) or for B; a neutral
end (a player error, `play_end`) is a tie. `status` gives picks, wins (points for A), losses (for B),
ties and the exact two-sided sign test's p-value over wins and losses: under "no difference" every
point is a fair coin whatever the listener does, since the team of each item is drawn at random.
`stop(keep=)` ends it and, if asked, keeps the winner as the variant up next uses (kv VARIANT_KEY)."""
from __future__ import annotations

import json
import math
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Protocol

import numpy as np

from ..errors import UserError
from ..library.listeners import state_key
from .params import Params

if TYPE_CHECKING:
    from ..library import Library
    from .upnext import UpNextList

AB_KEY = "recommend.ab"
SHOWN_KEY = "recommend.ab.shown"
VARIANT_KEY = "recommend.variant"
ALPHA = 0.05
VARIANTS = {
    "model": "today's up next: the learned model, tuned weights, the other listeners' signal",
    "content": "content only: more like the last finished item, nothing learned",
    "no-cross": "the learned model without the other listeners' signal",
    "untuned": "the learned model with the default weights (not 'mediarec tune''s)",
}
JUDGED = {"play": "credit", "like": "credit", "skip": "debit", "dislike": "debit", "play_end": "tie"}


class Ranker(Protocol):
    def refill(self, n: int = 10, kind: str = "any", now: float | None = None, explain: bool = True, *,
               exclude: Iterable[int] = ()) -> "UpNextList": ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Experiment:
    id: str
    a: str
    b: str
    started_at: float
    after_id: int = 0  # the newest event when it started: its picks are events after it

    def variant(self, team: str) -> str:
        return self.a if team == "A" else self.b


def team_draft(a: list[int], b: list[int], n: int, rng: np.random.Generator) -> list[tuple[int, str]]:
    """Up to `n` (item, team) from lists `a` and `b` by team draft; an item both lists have goes to the team
    that takes it first."""
    out: list[tuple[int, str]] = []
    taken: set[int] = set()
    count = {"A": 0, "B": 0}
    pos = {"A": 0, "B": 0}
    lists = {"A": a, "B": b}

    def next_of(team: str) -> int | None:
        items = lists[team]
        while pos[team] < len(items) and items[pos[team]] in taken:
            pos[team] += 1
        return items[pos[team]] if pos[team] < len(items) else None

    while len(out) < n:
        ahead = {t: next_of(t) for t in ("A", "B")}
        if ahead["A"] is None and ahead["B"] is None:
            break
        if ahead["A"] is None or ahead["B"] is None:
            team = "A" if ahead["B"] is None else "B"
        elif count["A"] != count["B"]:
            team = "A" if count["A"] < count["B"] else "B"
        else:
            team = "A" if rng.random() < 0.5 else "B"
        item = ahead[team]
        taken.add(item)
        count[team] += 1
        out.append((int(item), team))
    return out


def sign_test(wins: int, losses: int) -> float:
    """Exact two-sided sign test: P(a split at least this uneven | each point a fair coin)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n
    return min(1.0, 2.0 * tail)


def point(team: str, outcome: str) -> str:
    """Whose point a judged pick is: "A", "B" or "tie"."""
    if outcome == "tie":
        return "tie"
    return team if outcome == "credit" else ("B" if team == "A" else "A")


def summary(a: str, b: str, points: list[str]) -> dict[str, Any]:
    wins, losses = points.count("A"), points.count("B")
    p = sign_test(wins, losses)
    leader = None if wins == losses else a if wins > losses else b
    return {"a": a, "b": b, "picks": len(points), "wins": wins, "losses": losses, "ties": points.count("tie"),
            "p_value": p, "decided": p < ALPHA, "leader": leader}


# --- the stored experiment ------------------------------------------------------------------------------
def current(lib: "Library") -> Experiment | None:
    doc = lib.kv.get(AB_KEY)
    return Experiment(**doc) if doc else None


def start(lib: "Library", a: str, b: str) -> Experiment:
    for name in (a, b):
        if name not in VARIANTS:
            raise UserError(f"{name!r}: no such variant (known: {', '.join(VARIANTS)})")
    if current(lib) is not None:
        raise UserError("an experiment is running already: 'mediarec ab stop' first")
    newest = lib.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    exp = Experiment(secrets.token_hex(4), a, b, time.time(), int(newest))
    lib.kv.set(AB_KEY, asdict(exp))
    return exp


def status(lib: "Library", exp: Experiment | None = None) -> dict[str, Any]:
    """Picks, wins (points for A), losses (for B), ties and the sign test's p-value of the experiment."""
    exp = exp or current(lib)
    if exp is None:
        raise UserError("no experiment is running ('mediarec ab start A B')")
    points = []
    rows = lib.query("SELECT type, context FROM events WHERE id > ? AND context LIKE ? ORDER BY id",
                     (exp.after_id, f'%{exp.id}%'))
    for r in rows:
        tag = json.loads(r["context"] or "{}").get("ab")
        if isinstance(tag, dict) and tag.get("exp") == exp.id and r["type"] in JUDGED:
            points.append(point(tag["team"], JUDGED[r["type"]]))
    return {"experiment": exp.id, "started_at": exp.started_at, **summary(exp.a, exp.b, points)}


def stop(lib: "Library", keep: str | None = None) -> dict[str, Any]:
    """End the experiment; `keep` ("A", "B" or a variant's name): up next uses that variant from now on."""
    exp = current(lib)
    if exp is None:
        raise UserError("no experiment is running")
    final = status(lib, exp)
    kept = None
    if keep is not None:
        kept = exp.variant(keep.upper()) if keep.upper() in ("A", "B") else keep
        if kept not in (exp.a, exp.b):
            raise UserError(f"--keep takes A, B, {exp.a} or {exp.b}")
        lib.kv.set(VARIANT_KEY, kept)
    with lib.transaction() as c:
        c.execute("DELETE FROM kv WHERE key = ? OR key LIKE ?", (AB_KEY, SHOWN_KEY + "%"))
    return {**final, "kept": kept}


def remember_shown(lib: "Library", listener: int | None, exp: Experiment, mixed: list[tuple[int, str]]) -> None:
    lib.kv.set(state_key(SHOWN_KEY, listener), {"exp": exp.id, "teams": {str(m): t for m, t in mixed}})


def context_for(lib: "Library", media_id: int, listener: int | None) -> dict[str, Any]:
    """What to add to the context of an event of `media_id` heard from up next: its team, if it was in
    the last interleaved list of the running experiment; else nothing."""
    exp = current(lib)
    shown = lib.kv.get(state_key(SHOWN_KEY, listener)) if exp else None
    if not shown or shown.get("exp") != exp.id:
        return {}
    team = shown["teams"].get(str(int(media_id)))
    return {"ab": {"exp": exp.id, "team": team, "variant": exp.variant(team)}} if team else {}


# --- the variants and the mixed list --------------------------------------------------------------------
class ContentOnly:
    """More like the last item this listener finished (the app's more-like-this), nothing learned."""

    def __init__(self, lib: "Library", index_dir: Path, listener: int | None):
        from .similar import MoreLikeThis

        self.lib, self.listener = lib, listener
        self.mlt = MoreLikeThis(lib, index_dir)

    def refill(self, n=10, kind="any", now=None, explain=True, *, exclude=(), not_now=()):
        from .upnext import Pick, UpNextList

        last = next((e["media_id"] for e in reversed(self.lib.events.list(listener=self.listener))
                     if e["type"] == "play"), None)
        if last is None:
            return UpNextList(np.zeros(0, np.int64), np.zeros(0, np.float32))
        blocked = {int(m) for m in exclude}
        ids, scores = self.mlt.similar_items(int(last), n + len(blocked))
        keep = [(int(m), float(s)) for m, s in zip(ids, scores) if int(m) not in blocked][:n]
        picks = [Pick(m, s, [], "content") for m, s in keep]
        return UpNextList(np.array([m for m, _ in keep], np.int64), np.array([s for _, s in keep], np.float32),
                          picks)

    def close(self) -> None:
        self.mlt.close()


def variant(lib: "Library", name: str, index_dir: Path, listener: int | None, settings=None,
            persist: bool = True) -> Ranker:
    """A ranker for one variant. Only "model" keeps its state in kv (it is the live up next; not its twin
    in an A-vs-A experiment); the others learn from the same events in memory."""
    from .upnext import UpNext

    if name == "content":
        return ContentOnly(lib, index_dir, listener)
    if name == "model":
        return UpNext(lib, index_dir, settings=settings, listener=listener, persist=persist)
    if name == "no-cross":
        return UpNext(lib, index_dir, settings=settings, listener=listener, cross=False, persist=False)
    if name == "untuned":
        return UpNext(lib, index_dir, settings=settings, listener=listener, params=Params(), persist=False)
    raise UserError(f"{name!r}: no such variant (known: {', '.join(VARIANTS)})")


class Interleaved:
    """Up next while an experiment runs: both variants' lists mixed by team draft, the teams remembered."""

    def __init__(self, lib: "Library", exp: Experiment, a: Ranker, b: Ranker, listener: int | None):
        self.lib, self.exp, self.a, self.b, self.listener = lib, exp, a, b, listener
        self.rounds = 0

    def refill(self, n: int = 10, kind: str = "any", now: float | None = None, explain: bool = True, *,
               exclude: Iterable[int] = (), not_now: Iterable[int] = ()) -> "UpNextList":
        from .upnext import UpNextList

        exclude, not_now = list(exclude), list(not_now)
        la = self.a.refill(n, kind, now=now, explain=explain, exclude=exclude, not_now=not_now)
        lb = self.b.refill(n, kind, now=now, explain=explain, exclude=exclude, not_now=not_now)
        rng = np.random.default_rng([self.lib.events.count(), self.rounds, int(self.exp.id, 16)])
        self.rounds += 1
        mixed = team_draft(la.ids.tolist(), lb.ids.tolist(), n, rng)
        remember_shown(self.lib, self.listener, self.exp, mixed)
        picks = {p.id: p for p in lb.picks} | {p.id: p for p in la.picks}
        out = UpNextList(np.array([m for m, _ in mixed], np.int64),
                         np.array([picks[m].score if m in picks else 0.0 for m, _ in mixed], np.float32))
        out.picks = [picks[m] for m, _ in mixed if m in picks]  # (the queue shows no team: settings do)
        return out

    def close(self) -> None:
        self.a.close()
        self.b.close()


def up_next_for(lib: "Library", index_dir: Path, listener: int | None, settings=None) -> Ranker:
    """What up next runs for `listener`: the interleaved pair while an experiment runs, else the kept
    variant ("model" unless `ab stop --keep` chose another)."""
    exp = current(lib)
    if exp is not None:
        return Interleaved(lib, exp, variant(lib, exp.a, index_dir, listener, settings),
                           variant(lib, exp.b, index_dir, listener, settings, persist=exp.b != exp.a), listener)
    return variant(lib, lib.kv.get(VARIANT_KEY) or "model", index_dir, listener, settings)


__all__ = ["team_draft", "sign_test", "point", "summary", "start", "stop", "status", "current", "context_for",
           "Interleaved", "up_next_for", "variant", "VARIANTS", "Experiment", "ALPHA"]
