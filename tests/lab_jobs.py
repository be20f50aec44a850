"""Module-level lab jobs for tests/test_runner.py.

The runner pickles jobs by reference into spawned worker processes, so every job here
must be a plain module-level function importable as ``tests.lab_jobs.<name>``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def square(n: int) -> int:
    return n * n


def record(args: tuple[str, str, float]) -> tuple[str, int]:
    """Append ``label`` to the file at ``path`` (one line per execution), wait ``delay``
    seconds, and return the label with the worker's pid.

    Counting the lines of the file proves how many times the job really ran, whatever
    the runner returned.
    """
    path, label, delay = args
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(f"{label} {os.getpid()}\n")
    if delay:
        time.sleep(delay)
    return label, os.getpid()


def sleep_for(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def fail(message: str) -> None:
    raise ValueError(message)


def worker_pid(_: object = None) -> int:
    return os.getpid()


def slow_fail(args: tuple[str, float]) -> None:
    message, delay = args
    time.sleep(delay)
    raise ValueError(message)
