"""Fixtures shared by the test files."""
import signal

import pytest


def _restore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def default_sigint():
    """preexec_fn for a child that must react to Ctrl-C as from a terminal. A shell's background job
    (`pytest ... &`, nohup) starts with SIGINT ignored and its children inherit that, so without this the
    Ctrl-C tests would fail only when the suite runs in the background."""
    return _restore_sigint
