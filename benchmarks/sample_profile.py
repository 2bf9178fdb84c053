"""A sampling profiler for the connector's every thread (the CDK reads partitions in worker threads, which cProfile
does not see): runs `source_pinterest.run` in this process and samples every thread's stack.

    python -m benchmarks.sample_profile --out /tmp/profile.txt -- read --config c.json --catalog cat.json

`benchmarks/one_read.py --profile PATH` starts the connector this way. Threads blocked in a wait (queue, lock,
socket, sleep) are not counted: each sample is weighted by the CPU time its thread used since the last one
(a per-thread CPU clock), so the shares are of CPU time. Not a test.
"""

from __future__ import annotations

import argparse
import atexit
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType


def _key(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("site-packages/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    else:
        path = path.rsplit("/", 2)[-2] + "/" + path.rsplit("/", 1)[-1] if path.count("/") >= 2 else path
    return f"{path}:{code.co_name}"


class Sampler:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.own: Counter[str] = Counter()  # CPU ns of the running (top) function
        self.inclusive: Counter[str] = Counter()  # CPU ns of every function on the running stack, once per sample
        self.samples = 0
        self.cpu_ns = 0
        self._last: dict[int, int] = {}  # thread ident: its CPU clock at the previous sample
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sampler")

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._done.wait(self.interval):
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                try:
                    now = time.clock_gettime_ns(time.pthread_getcpuclockid(ident))
                except (OSError, ProcessLookupError):  # the thread ended meanwhile
                    continue
                used = now - self._last.get(ident, now)
                self._last[ident] = now
                if used <= 0:  # blocked since the last sample
                    continue
                self.samples += 1
                self.cpu_ns += used
                self.own[_key(frame)] += used
                seen: set[str] = set()
                current: FrameType | None = frame
                while current is not None:
                    seen.add(_key(current))
                    current = current.f_back
                for key in seen:
                    self.inclusive[key] += used

    def report(self, top: int = 120) -> str:
        self._done.set()
        total = max(self.cpu_ns, 1)
        lines = [f"{self.samples} running samples, {self.cpu_ns / 1e9:.1f} s of thread CPU", "", "own %  function"]
        lines += [f"{100 * n / total:5.1f}  {key}" for key, n in self.own.most_common(top)]
        lines += ["", "incl %  function"]
        lines += [f"{100 * n / total:5.1f}  {key}" for key, n in self.inclusive.most_common(top)]
        return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--interval-ms", type=float, default=5.0)
    parser.add_argument("args", nargs=argparse.REMAINDER, help="-- then the connector's arguments")
    options = parser.parse_args()
    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    sampler = Sampler(options.interval_ms / 1000)
    atexit.register(lambda: Path(options.out).write_text(sampler.report()))
    sampler.start()
    from source_pinterest import run

    sys.argv = ["source-pinterest", *args]
    run.run()


if __name__ == "__main__":
    main()
