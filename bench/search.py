"""Benchmark: the library filter (what the table shows while the user types) and the core search() at 10k and
100k items, each against the old path in the same run.

    python bench/search.py [--sizes 10k,100k] [--dir DIR] [--keep] [--runs 3] [--before REV]

The library is generated through the real storage code (tests/search_factory.py: library_factory's rows,
text embeddings for every item, transcripts for 10%) and kept in DIR between runs (default
/tmp/mediarec-search-bench; deleted at the end unless --keep).
  - filter: browse.page (first 200 rows) + browse.count, CPU ms per filter text, p50/p95. "now" matches tags
    and transcripts (the app's default), "tags" only tags as before; "before" is library/browse.py of commit
    REV (default: this branch's base) loaded from git, on the same database.
  - search: search() with the cached matrix and trigram candidates ("now") against search(exact=True), the
    old path (every vector read from SQLite, every row's tags scanned), same queries, same process. Queries
    embed near a stored vector, so the meaning list is full (synthetic vectors are far from MiniLM's); the
    MiniLM query embedding is timed on its own. First call = a cold cache (the matrix is read).
CPU times (time.process_time): the machine is shared; ratios compare within the run."""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

BEFORE = "cde2966"  # main before the trigram plans and the matrix cache
FILTERS = ("blue", "night river", "ech", "zzz", "gold 12", "album 7", "b", "storm shadow", "artist 1", "velvet",
           "welcome", "kitchen gold", "ok", "café", "album 77", "interview 3")
SEARCHES = [f"artist {i % 5000}" for i in range(0, 20 * 37, 37)] + [
    "gold", "blue night", "welcome to the episode", "velvet storm 12", "café", "kitchen interview", "zzz"]


def parse_size(text: str) -> int:
    text = text.strip().lower()
    return int(float(text[:-1]) * 1000) if text.endswith("k") else int(text)


def percentiles(values: list[float]) -> tuple[float, float]:
    import numpy as np

    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def cpu_ms(fn) -> float:
    t = time.process_time()
    fn()
    return (time.process_time() - t) * 1000


def library_for(work: Path, n: int):
    from mediarec.library import Library
    from search_factory import fill_search_library

    db = work / f"search-{n}" / "library.db"
    fresh = not db.exists()
    lib = Library(db)
    if fresh:
        t = time.perf_counter()
        fill_search_library(lib, n, events=2000)
        print(f"  generated {n} items in {time.perf_counter() - t:.0f} s", flush=True)
    return lib


def browse_before(rev: str):
    """library/browse.py as it was at `rev`, as a module of the installed package (None without git)."""
    out = subprocess.run(["git", "show", f"{rev}:mediarec/library/browse.py"], cwd=ROOT, capture_output=True)
    if out.returncode:
        print(f"  --before {rev}: {out.stderr.decode().strip()}; no 'before' column")
        return None
    spec = importlib.util.spec_from_loader("mediarec.library.browse_before", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "mediarec.library"
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    exec(compile(out.stdout, f"{rev}:browse.py", "exec"), module.__dict__)  # noqa: S102 - our own history
    return module


def filters(lib, runs: int, before) -> dict[str, tuple[float, float]]:
    from mediarec.library import browse

    variants = {"now": lambda t: browse.Query(text=t), "tags": lambda t: browse.Query(text=t, spoken=False)}
    out = {}
    for name, make in variants.items():
        times = [cpu_ms(lambda q=make(text): (browse.page(lib, q, 0, 200), browse.count(lib, q)))
                 for _ in range(runs) for text in FILTERS]
        out[name] = percentiles(times)
        pages = [cpu_ms(lambda q=make(text): browse.page(lib, q, 0, 200)) for _ in range(runs) for text in FILTERS]
        out[name + " page"] = percentiles(pages)
    if before is not None:
        times = [cpu_ms(lambda q=before.Query(text=text): (before.page(lib, q, 0, 200), before.count(lib, q)))
                 for _ in range(runs) for text in FILTERS]
        out["before"] = percentiles(times)
        pages = [cpu_ms(lambda q=before.Query(text=text): before.page(lib, q, 0, 200))
                 for _ in range(runs) for text in FILTERS]
        out["before page"] = percentiles(pages)
    return out


def searches(lib, runs: int) -> dict:
    import numpy as np

    from mediarec import search_matrix
    from mediarec.search import search

    ids = lib.media.ids()
    rng = np.random.default_rng(5)
    embeds = []
    for k in range(len(SEARCHES)):
        v = lib.features.get(int(ids[rng.integers(len(ids))]), "text.embedding")["vector"]
        v = v + 0.05 * (k % 4) * rng.standard_normal(v.size).astype(np.float32)
        embeds.append((v / np.linalg.norm(v)).astype(np.float32))
    out: dict = {}
    search_matrix.forget()
    t = time.perf_counter()
    out["first_cpu"] = cpu_ms(lambda: search(lib, SEARCHES[0], embed=lambda _q: embeds[0]))
    out["first_wall"] = (time.perf_counter() - t) * 1000
    out["matrix_mb"] = search_matrix.text_matrix(lib, "text.embedding", 2).vectors.nbytes / 1e6
    equal = True
    now, exact = [], []
    for _ in range(runs):
        for query, vec in zip(SEARCHES, embeds):
            embed = lambda _q, vec=vec: vec  # noqa: E731
            fast: list = []
            now.append(cpu_ms(lambda: fast.extend(search(lib, query, embed=embed))))
            if len(exact) < len(SEARCHES):  # the old path: once per query (about 1 s each at 100k)
                ref: list = []
                exact.append(cpu_ms(lambda: ref.extend(search(lib, query, embed=embed, exact=True))))
                equal &= fast == ref
    out["now"], out["exact"], out["equal"] = percentiles(now), percentiles(exact), equal
    out["minilm"] = minilm_ms()
    return out


def minilm_ms() -> tuple[float, float] | None:
    try:
        from mediarec.extract.extractors.text_embedding import embed_query

        embed_query("warm up")
        return percentiles([cpu_ms(lambda q=q: embed_query(q)) for q in SEARCHES])
    except Exception as exc:  # noqa: BLE001 - the model may be missing here: reported, not fatal
        print(f"  MiniLM not timed: {exc}")
        return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/mediarec-search-bench"))
    ap.add_argument("--keep", action="store_true", help="keep the generated libraries for the next run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--before", default=BEFORE, help=f"commit whose library/browse.py is the filter baseline "
                                                     f"(default {BEFORE})")
    args = ap.parse_args()
    before = browse_before(args.before)
    try:
        for n in (parse_size(s) for s in args.sizes.split(",")):
            print(f"{n} items:", flush=True)
            lib = library_for(args.dir, n)
            try:
                f = filters(lib, args.runs, before)
                s = searches(lib, args.runs)
            finally:
                lib.close()
            print("  filter, page + count, CPU ms p50 / p95:")
            for name, (p50, p95) in f.items():
                ratio = f"   before / this at p95: {f['before'][1] / p95:.1f}x" if "before" in f and name == "now" \
                    else ""
                print(f"    {name:12} {p50:7.1f} {p95:7.1f}{ratio}")
            print(f"  search(), CPU ms p50 / p95 (equal to exact: {s['equal']}):")
            print(f"    now          {s['now'][0]:7.1f} {s['now'][1]:7.1f}   exact / now at p50: "
                  f"{s['exact'][0] / s['now'][0]:.0f}x")
            print(f"    exact (old)  {s['exact'][0]:7.1f} {s['exact'][1]:7.1f}")
            print(f"    first call   {s['first_cpu']:7.1f} CPU ms, {s['first_wall']:.0f} ms wall; "
                  f"matrix {s['matrix_mb']:.0f} MB")
            if s["minilm"]:
                print(f"    MiniLM query embedding {s['minilm'][0]:.1f} / {s['minilm'][1]:.1f} ms (not in the above)")
    finally:
        if not args.keep:
            shutil.rmtree(args.dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
