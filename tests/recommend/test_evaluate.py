"""Evaluation and tuning on a scripted history (not chosen by the recommender) of a simulated listener."""
import json

import pytest

from listening import clustered_library, scripted_history
from mediarec.cli import main
from mediarec.recommend.evaluate import METRICS, auc, replay
from mediarec.recommend.params import PARAMS_KEY, Params
from mediarec.recommend.upnext import STATE_KEY, upnext

SYSTEMS = ("recommender", "random", "most played", "content")


@pytest.fixture
def history(lib):
    library = clustered_library(lib, per_cluster=30)
    n = scripted_history(lib, library, liked=[0, 3], sessions=8)
    return library, n


def test_auc():
    assert auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert auc([0.1], [0.9]) == 0.0
    assert auc([0.5, 0.5], [0.5]) == 0.5
    assert auc([1.0], []) is None


def test_eval_prints_every_metric_for_the_recommender_and_the_baselines(capsys, lib, history):
    _, n = history
    assert main(["eval", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["events"] == n and doc["plays"] + doc["skips"] == n and doc["catalogue"] == 180
    assert set(doc["systems"]) == set(SYSTEMS)
    for name, row in doc["systems"].items():
        assert row["plays"] == doc["plays"]
        for metric in METRICS:
            assert row[metric] is not None and 0.0 <= row[metric] <= 1.0, (name, metric)
    got = {name: row["hit_rate"] for name, row in doc["systems"].items()}
    assert got["recommender"] > got["random"] and got["recommender"] > got["most played"], got
    # Learning what the listener finishes next to what (the same order every time) beats content alone.
    assert doc["systems"]["recommender"]["ndcg"] > doc["systems"]["content"]["ndcg"], doc["systems"]
    assert doc["systems"]["recommender"]["skip_auc"] > 0.8

    assert main(["eval"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"Replayed {n} events")
    assert lines[1].split() == ["system", "hit@10", "ndcg@10", "skip", "AUC", "coverage", "diversity", "novelty"]
    assert [line.split()[0] for line in lines[2:6]] == ["recommender", "random", "most", "content"]


def test_eval_trains_only_on_the_past(lib, history, app_dirs):
    """Replaying a history forwards or the same events with the future cut off gives the same first part."""
    events = lib.events.list()
    whole = replay(lib, app_dirs["data"] / "index", events, baselines=False, split=40)
    cut = replay(lib, app_dirs["data"] / "index", events[:40], baselines=False)
    assert whole.parts[0]["recommender"] == cut.systems["recommender"]


def test_tune_searches_on_the_past_and_keeps_what_holds_on_the_rest(capsys, lib, history, app_dirs):
    upnext(lib, app_dirs["data"] / "index", explain=False)  # a stored model, to be refitted after tuning
    assert lib.kv.get(STATE_KEY) is not None
    assert main(["tune", "--trials", "4", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["trials"]) == 4 and doc["split_at"] == int(0.7 * doc["events"])
    best = max(doc["trials"], key=lambda t: t["objective"])
    assert doc["best"]["label"] == best["label"]
    for part in ("tune", "held_out"):
        assert doc["best"][part]["ndcg"] is not None and doc["current"][part]["ndcg"] is not None
    stored = lib.kv.get(PARAMS_KEY)
    if doc["saved"]:
        assert isinstance(stored, dict) and Params.from_json(stored).to_json() == doc["best"]["params"]
        assert lib.kv.get(STATE_KEY) is None  # the next list refits with the new parameters
    else:
        assert stored is None
    assert main(["tune", "--trials", "2", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "held out" in out and lib.kv.get(PARAMS_KEY) == stored


def test_tune_needs_a_history(capsys, lib):
    assert main(["tune"]) == 1
    assert "at least 20 plays" in capsys.readouterr().err
