"""UI tests: no service thread outlives its test (a running QThread that Python collects later aborts the
whole run with "QThread: Destroyed while thread ... is still running")."""
import pytest


@pytest.fixture(autouse=True)
def _stop_leftover_service_threads():
    yield
    try:
        from mediarec.ui.bridges.service import stop_all
    except ImportError:  # no PySide6: the UI tests skip themselves
        return
    stop_all()
