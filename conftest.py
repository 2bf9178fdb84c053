"""Suite-wide guards: no test reaches beyond loopback, and none leaves a thread or child process behind.

The sandbox (tools/test_sandbox/sitecustomize.py) is installed in this process and, through PYTHONPATH, in every
Python process a test starts; each refused address lands in one file that is read after every test.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

SANDBOX_DIR = Path(__file__).parent / "tools" / "test_sandbox"
LINGER_SECONDS = 10  # how long a test's threads and children may take to finish after it
# pyrate_limiter (the CDK's API budget) gives each rate bucket an endless daemon thread with no way to stop it; the
# connector builds one budget per source, and a sync runs in its own process, so these die with it.
LIBRARY_DAEMONS = ("(_leak_task_sync)",)


def _sandbox() -> ModuleType:
    loaded = sys.modules.get("sitecustomize")
    if loaded is not None and Path(getattr(loaded, "__file__", "")).parent == SANDBOX_DIR:
        return loaded  # installed at start-up (scripts/test.sh puts it on PYTHONPATH)
    spec = importlib.util.spec_from_file_location("test_sandbox", SANDBOX_DIR / "sitecustomize.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # installs the clock; the guard below
    return module


if not os.environ.get("TEST_SANDBOX_VIOLATIONS") or os.environ.get("PYTEST_XDIST_WORKER"):
    # one file per pytest process (xdist workers too), so a refusal is charged to the test that caused it
    os.environ["TEST_SANDBOX_VIOLATIONS"] = tempfile.mkstemp(prefix="sandbox-violations-")[1]
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SANDBOX_DIR), os.environ.get("PYTHONPATH")]))
sandbox = _sandbox()
sandbox.install_network_guard()
VIOLATIONS = Path(os.environ["TEST_SANDBOX_VIOLATIONS"])


def _children() -> set[int]:
    """Live child processes of this one (zombies excluded)."""
    me, found = str(os.getpid()), set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            found.add(int(entry.name))
    return found


@pytest.fixture(scope="session", autouse=True)
def on_the_chosen_day() -> Iterator[None]:
    """Every test, and every process it starts, runs on TODAY (integration_tests/clock.py), whatever the date."""
    from integration_tests.clock import TODAY, emulator_now

    before = sandbox.offset()
    sandbox.shift_to(emulator_now(TODAY))
    yield
    sandbox.set_offset(before)


@pytest.fixture
def clock() -> Callable[[dt.date], None]:
    """`clock(day)`: this test (and the processes it starts) runs on `day`; the next test is back on TODAY."""
    from integration_tests.clock import emulator_now

    return lambda day: sandbox.shift_to(emulator_now(day))


@pytest.fixture(autouse=True)
def sandboxed() -> Iterator[None]:
    """Fail a test that reached a non-loopback address, or whose threads or child processes outlive it."""
    threads, children = set(threading.enumerate()), _children()
    seen = VIOLATIONS.stat().st_size
    offset = sandbox.offset()
    yield
    sandbox.set_offset(offset)  # a test that moved the clock leaves it where it found it
    with VIOLATIONS.open(encoding="utf-8") as log:
        log.seek(seen)
        refused = log.read().split("\n")[:-1]
    deadline = time.monotonic() + LINGER_SECONDS
    while True:
        left = [
            t
            for t in threading.enumerate()
            if t not in threads and t.is_alive() and not (t.daemon and t.name.endswith(LIBRARY_DAEMONS))
        ]
        orphans = _children() - children
        if not (left or orphans) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    problems = [f"reached beyond loopback: {line}" for line in refused]
    problems += [f"thread outlived the test: {t.name}" for t in left]
    problems += [f"child process outlived the test: pid {pid}" for pid in sorted(orphans)]
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)
