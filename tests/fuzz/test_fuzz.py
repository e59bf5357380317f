"""The fuzz campaign, CI-sized: 200 hostile files and the good ones beside them, scanned and analysed."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import campaign  # noqa: E402


def test_200_mutants_end_analysed_or_marked_and_the_good_files_are_analysed(tmp_path):
    result = campaign.run(tmp_path, count=200, seed=13, file_timeout=20.0, memory_mb=1024)
    print(result.report())
    assert result.problems() == []
    assert result.exit_status == 0
    assert result.tried >= 200 and result.analysed >= result.good
    # The batch really held damage: most mutants are refused, with a reason, not silently dropped.
    assert sum(result.marked.values()) >= 50


@pytest.mark.slow
def test_1000_mutants(tmp_path):
    result = campaign.run(tmp_path, count=1000, seed=2026, file_timeout=20.0, memory_mb=1024)
    print(result.report())
    assert result.problems() == []


def test_impossible_header_facts_are_dropped_not_stored(tmp_path):
    """An AIFF whose header declares 10^150 Hz (found by the campaign): SQLite cannot even store that."""
    from media_factory import write_audio

    from mediarec.scan.probe import LIMITS, probe

    path = write_audio(tmp_path / "a.aiff", seconds=1.0)
    data = bytearray(path.read_bytes())
    comm = data.find(b"COMM")
    data[comm + 16:comm + 18] = b"\x41\xf0"  # the 80-bit rate's exponent: 2^496
    path.write_bytes(bytes(data))
    result = probe(str(path))
    for name, most in LIMITS.items():
        value = getattr(result, name)
        assert value is None or 0 <= value <= most, (name, value)
    assert result.sample_rate is None


def test_a_declared_duration_of_years_does_not_stretch_the_time_limit():
    from mediarec.extract.plan import Task
    from mediarec.extract.runner import task_timeout

    task = Task(item={"duration": 3e9, "path": "x"}, extractors=["fuzz.probe"])
    assert task_timeout(task, 300.0) <= 300.0 + 3 * 3600
