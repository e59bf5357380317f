"""Why two items go together, in short phrases built from attributes both items really have.

"similar tempo (124 vs 121 BPM)", "also calm", "both tagged electronic", "mentions volcanoes",
"looks alike: bright, fast cuts". A phrase is only said when both items' stored attributes support it;
when none does, the similarity spaces speak ("sounds alike"). More-like-this and up-next share this."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..library import Library

TEMPO_TOLERANCE = 0.06  # relative: 124 vs 118 BPM is "similar", 124 vs 112 is not
TAG_MIN_P = 0.25  # a musicnn tag counts for an item from this probability
LABEL_MIN_P = 0.08  # an ImageNet label counts for a video from this average probability
from ..extract.moods import PLAIN_MOODS  # noqa: E402 - moods not worth saying "also ..." about
SPACE_PHRASES = {"audio": "sounds alike", "visual": "looks alike", "text": "talks about similar things",
                 "mood": "similar mood"}
SPACE_PHRASE_MIN = 0.5  # a space's cosine from which its phrase is the fallback reason

# Bands of the video.frames attributes (their scales are documented in that extractor): word, test.
VISUAL_WORDS = (
    ("bright", lambda a: _num(a, "brightness") >= 0.6),
    ("dark", lambda a: _num(a, "brightness") <= 0.25),
    ("colourful", lambda a: _num(a, "colourfulness") >= 59),  # Hasler-Süsstrunk: "quite colourful"
    ("muted colours", lambda a: _num(a, "colourfulness", 99) <= 15),
    ("lots of motion", lambda a: _num(a, "motion") >= 0.08),
    ("still", lambda a: _num(a, "motion", 1) <= 0.01),
    ("fast cuts", lambda a: _num(a, "cut_rate") >= 20),  # per minute
    ("long takes", lambda a: _num(a, "cut_rate", 99) <= 2),
)

STOPWORDS = frozenset("""
about above after again against also because been before being below between both cannot could does doing
down during each from further have having here hers herself himself into itself just like more most much
must myself only other ours ourselves over same should some such than that their theirs them themselves
then there these they this those through under until very were what when where which while whom with
would your yours yourself yourselves will well yeah okay know think going really right thing things
want make made said says something anything everything nothing people time year years today
""".split())


def _num(attrs: dict, key: str, default: float = 0.0) -> float:
    value = attrs.get(key)
    return float(value) if isinstance(value, (int, float)) else default


@dataclass
class Facts:
    """What is known about one item for explanations: its row and its extractors' attributes."""

    item: dict[str, Any]
    dsp: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, float] = field(default_factory=dict)  # musicnn: tag -> probability (both models)
    emotion: dict[str, Any] = field(default_factory=dict)
    frames: dict[str, Any] = field(default_factory=dict)
    words: Counter = field(default_factory=Counter)  # transcript content words


def load_facts(lib: "Library", media_id: int) -> Facts | None:
    item = lib.media.get(media_id)
    if item is None:
        return None

    def attrs(name: str) -> dict[str, Any]:
        row = lib.features.get(media_id, name)
        return row["attrs"] if row else {}

    musicnn = attrs("audio.musicnn")
    tags: dict[str, float] = {}
    if not musicnn.get("silent"):
        for source in ("msd", "mtt"):
            for tag, p in (musicnn.get(source) or {}).items():
                tags[tag] = max(tags.get(tag, 0.0), float(p))
    emotion = attrs("emotion.music") or attrs("emotion.speech")
    transcript = lib.transcripts.get(media_id)
    return Facts(item, attrs("audio.dsp"), tags, emotion, attrs("video.frames"),
                 content_words(transcript["text"]) if transcript else Counter())


class FactsCache:
    """Facts by media id, loaded once per list (an item is compared with many)."""

    def __init__(self, lib: "Library"):
        self.lib = lib
        self._cache: dict[int, Facts | None] = {}
        self._rows: dict[tuple[str, ...], dict[int, dict | None]] = {}  # columns -> media id -> row

    def get(self, media_id: int) -> Facts | None:
        if media_id not in self._cache:
            self._cache[media_id] = load_facts(self.lib, media_id)
        return self._cache[media_id]

    def rows(self, media_ids: list[int], columns: tuple[str, ...]) -> dict[int, dict | None]:
        """The media rows' `columns` by id (None: no such item), read in one query for those not read
        before: the same shortlisted items come back list after list."""
        held = self._rows.setdefault(tuple(columns), {})
        missing = [m for m in dict.fromkeys(media_ids) if m not in held]
        if missing:
            found = self.lib.media.get_many(missing, columns)
            held.update((m, found.get(m)) for m in missing)
        return {m: held[m] for m in media_ids}


def content_words(text: str) -> Counter:
    return Counter(w for w in re.findall(r"[^\W\d_]{4,}", text.lower()) if w not in STOPWORDS)


def reasons(a: Facts, b: Facts, sims: dict[str, float] | None = None, limit: int = 3) -> list[str]:
    """Up to `limit` phrases, strongest first, saying what `b` has in common with `a`."""
    found: list[tuple[float, str]] = []
    for rule in (_same_people, _tempo, _key, _tags, _mood, _looks, _shows, _mentions, _genre):
        found.extend(rule(a, b))
    if not found and sims:
        found = [(s, SPACE_PHRASES[space]) for space, s in sims.items()
                 if space in SPACE_PHRASES and s is not None and s >= SPACE_PHRASE_MIN]
    out: list[str] = []
    for _, phrase in sorted(found, key=lambda f: -f[0]):
        if phrase not in out:
            out.append(phrase)
    return out[:limit]


def _same_people(a: Facts, b: Facts) -> list[tuple[float, str]]:
    out = []
    artist = a.item.get("artist")
    if artist and artist == b.item.get("artist"):
        out.append((1.0, f"same artist ({artist})"))
    album = a.item.get("album")
    if album and album == b.item.get("album") and (artist == b.item.get("artist") or not artist):
        out.append((0.9, f"same album ({album})"))
    return out


def _tempo(a: Facts, b: Facts) -> list[tuple[float, str]]:
    ta, tb = a.dsp.get("tempo_bpm"), b.dsp.get("tempo_bpm")
    if not (isinstance(ta, (int, float)) and isinstance(tb, (int, float))) or ta <= 0 or tb <= 0:
        return []
    diff = abs(ta - tb) / max(ta, tb)
    if diff > TEMPO_TOLERANCE:
        return []
    return [(0.8 - diff * 3, f"similar tempo ({tb:.0f} vs {ta:.0f} BPM)")]


def _key(a: Facts, b: Facts) -> list[tuple[float, str]]:
    ka = a.dsp.get("key_label")
    if ka and ka == b.dsp.get("key_label") and min(_num(a.dsp, "key_confidence"), _num(b.dsp, "key_confidence")) >= 0.3:
        return [(0.45, f"same key ({ka})")]
    return []


def _tags(a: Facts, b: Facts) -> list[tuple[float, str]]:
    shared = [(min(p, b.tags[t]), t) for t, p in a.tags.items() if p >= TAG_MIN_P and b.tags.get(t, 0) >= TAG_MIN_P]
    if not shared:
        return []
    shared.sort(reverse=True)
    names = [t for _, t in shared[:2]]
    return [(0.6 + shared[0][0] * 0.3, f"both tagged {' and '.join(names)}")]


def _mood(a: Facts, b: Facts) -> list[tuple[float, str]]:
    ma, mb = a.emotion.get("mood"), b.emotion.get("mood")
    if ma and ma == mb and ma not in PLAIN_MOODS:
        return [(0.75, f"also {ma}")]
    return []


def _looks(a: Facts, b: Facts) -> list[tuple[float, str]]:
    if not a.frames or not b.frames:
        return []
    shared = [word for word, test in VISUAL_WORDS if test(a.frames) and test(b.frames)]
    if not shared:
        return []
    return [(0.55 + 0.05 * len(shared), f"looks alike: {', '.join(shared[:3])}")]


def _labels(attrs: dict) -> dict[str, float]:
    out = {}
    for entry in attrs.get("labels") or []:
        if isinstance(entry, (list, tuple)) and len(entry) == 2 and float(entry[1]) >= LABEL_MIN_P:
            out[str(entry[0])] = float(entry[1])
    return out


def _shows(a: Facts, b: Facts) -> list[tuple[float, str]]:
    la, lb = _labels(a.frames), _labels(b.frames)
    shared = sorted((min(p, lb[name]), name) for name, p in la.items() if name in lb)
    if not shared:
        return []
    return [(0.65, f"both show {shared[-1][1]}")]


def _mentions(a: Facts, b: Facts) -> list[tuple[float, str]]:
    shared = [(min(n, b.words[w]), len(w), w) for w, n in a.words.items() if w in b.words]
    if not shared:
        return []
    shared.sort(reverse=True)
    words = [w for _, _, w in shared[:2]]
    return [(0.7 + 0.02 * min(shared[0][0], 5), f"mentions {' and '.join(words)}")]


def _genre(a: Facts, b: Facts) -> list[tuple[float, str]]:
    ga = (a.item.get("genre") or "").strip()
    if ga and ga.lower() == (b.item.get("genre") or "").strip().lower():
        return [(0.4, f"both {ga}")]
    return []


__all__ = ["Facts", "FactsCache", "load_facts", "reasons", "content_words"]
