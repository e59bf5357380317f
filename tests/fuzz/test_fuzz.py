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
