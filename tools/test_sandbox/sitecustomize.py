"""The test sandbox of every Python process a test run starts: a movable wall clock and a loopback-only network.

Python imports `sitecustomize` at start-up from the first directory on `sys.path` that has one, so putting this
directory on PYTHONPATH installs both in the suite, the emulators and every connector subprocess alike. The root
`conftest.py` does that for the suite; `scripts/test.sh` with TEST_TODAY moves the whole run's clock.

Clock: `CLOCK_OFFSET_SECONDS` (inherited by children, so all processes agree) or `FAKE_NOW` (an ISO date or
datetime, turned into an offset once, then exported) shift `time.time`, `time.time_ns`, `time.gmtime`/`localtime`/
`strftime` and `datetime.datetime.now/utcnow/today`. `datetime.date.today()` is not shifted: a replaced `date` class
clashes with libraries that subclass it under their own metaclass (pydantic), so code asks `datetime.now(utc).date()`.
The clock keeps ticking: sleeps, timeouts and monotonic clocks are untouched (libfaketime breaks `time.sleep` and
timed waits on this Python).

Network: with `TEST_SANDBOX_VIOLATIONS` set to a file, resolving or connecting to any address outside 127.0.0.0/8,
::1 and `localhost` fails with OSError and is written to that file, which the suite reads after every test.
"""

from __future__ import annotations

import datetime as _datetime
import importlib.abc
import ipaddress
import os
import socket
import sys
import time as _timemod
from functools import partial
from typing import Any

_real_time = _timemod.time
_real_time_ns = _timemod.time_ns
_real_gmtime = _timemod.gmtime
_real_localtime = _timemod.localtime
_real_strftime = _timemod.strftime
_RealDatetime = _datetime.datetime

_offset = 0.0


# ------------------------------------------------------------------------------------------------------------ clock
def offset() -> float:
    return _offset


def set_offset(seconds: float) -> None:
    """Move this process's clock, and that of every child started from now on, by `seconds`."""
    global _offset
    _offset = float(seconds)
    os.environ["CLOCK_OFFSET_SECONDS"] = repr(_offset)


def shift_to(moment: _RealDatetime) -> None:
    """Make 'now' be `moment` (an aware datetime) and let the clock run on from there."""
    set_offset(moment.timestamp() - _real_time())


def real_now() -> _RealDatetime:
    return _RealDatetime.fromtimestamp(_real_time(), _datetime.timezone.utc)


def _shifted_time() -> float:
    return _real_time() + _offset


def _shifted_time_ns() -> int:
    return _real_time_ns() + int(_offset * 1_000_000_000)


def _gmtime(secs: float | None = None) -> _timemod.struct_time:
    return _real_gmtime(_shifted_time() if secs is None else secs)


def _localtime(secs: float | None = None) -> _timemod.struct_time:
    return _real_localtime(_shifted_time() if secs is None else secs)


def _strftime(fmt: str, t: Any = None) -> str:
    return _real_strftime(fmt, _localtime() if t is None else t)


class _DatetimeMeta(type):
    # Datetimes made by C code (arithmetic, `.replace`, the standard class) stay instances of the replaced class.
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, _RealDatetime)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, _RealDatetime)


class ShiftedDatetime(_RealDatetime, metaclass=_DatetimeMeta):
    @classmethod
    def now(cls, tz: _datetime.tzinfo | None = None) -> _RealDatetime:  # type: ignore[override]
        return _RealDatetime.fromtimestamp(_shifted_time(), tz)

    @classmethod
    def utcnow(cls) -> _RealDatetime:  # type: ignore[override]
        return _RealDatetime.fromtimestamp(_shifted_time(), _datetime.timezone.utc).replace(tzinfo=None)

    @classmethod
    def today(cls) -> _RealDatetime:  # type: ignore[override]
        return _RealDatetime.fromtimestamp(_shifted_time())


# Pickles and reprs name the standard class, so nothing outside this process can tell.
ShiftedDatetime.__module__, ShiftedDatetime.__qualname__ = "datetime", "datetime"
ShiftedDatetime.__name__ = "datetime.datetime"  # the C repr prints the type name


# C extensions whose own types subclass datetime at the C level take the class from `datetime.datetime` when they
# load; given ShiftedDatetime, pandas' tslibs spin at 100% CPU in their import (PyAirbyte's caches import pandas).
# While such a package loads it sees the standard class; its module-level `now()` calls are then not shifted.
_STANDARD_DATETIME_PACKAGES = frozenset({"pandas"})


class _StandardDatetimeWhileLoading(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in _STANDARD_DATETIME_PACKAGES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _StandardDatetimeLoader(spec.loader)
                return spec
        return None


class _StandardDatetimeLoader(importlib.abc.Loader):
    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        _datetime.datetime = _RealDatetime  # type: ignore[misc]
        try:
            self._loader.exec_module(module)
        finally:
            _datetime.datetime = ShiftedDatetime  # type: ignore[misc]


def install_clock() -> None:
    # Wrapped in partials, which, like the builtins they replace, do not bind as methods: logging.Formatter keeps
    # `converter = time.localtime` as a class attribute and calls `self.converter(secs)`.
    _timemod.time, _timemod.time_ns = partial(_shifted_time), partial(_shifted_time_ns)  # type: ignore[assignment]
    _timemod.gmtime, _timemod.localtime = partial(_gmtime), partial(_localtime)  # type: ignore[assignment]
    _timemod.strftime = partial(_strftime)  # type: ignore[assignment]
    _datetime.datetime = ShiftedDatetime  # type: ignore[misc]
    sys.meta_path.insert(0, _StandardDatetimeWhileLoading())
    if "CLOCK_OFFSET_SECONDS" in os.environ:
        set_offset(float(os.environ["CLOCK_OFFSET_SECONDS"]))
    elif os.environ.get("FAKE_NOW"):
        moment = _RealDatetime.fromisoformat(os.environ["FAKE_NOW"])
        shift_to(moment if moment.tzinfo else moment.replace(tzinfo=_datetime.timezone.utc))


# ------------------------------------------------------------------------------------------------------------ network
_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def is_loopback(host: Any) -> bool:
    if host is None or host in ("", "localhost", b"localhost"):
        return True
    text = host.decode() if isinstance(host, bytes) else str(host)
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str, host: Any) -> OSError:
    path = os.environ.get("TEST_SANDBOX_VIOLATIONS")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {what} {host}\n")
    return OSError(f"test sandbox: {what} {host!r} refused (tests may only reach 127.0.0.1, ::1 and localhost)")


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not is_loopback(host):
        raise _refuse("resolve", host)
    return _real_getaddrinfo(host, *args, **kwargs)


def _address_host(sock: socket.socket, address: Any) -> Any:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        return address[0]
    return None  # unix sockets and the like stay on this machine


def _connect(self: socket.socket, address: Any) -> None:
    if not is_loopback(_address_host(self, address)):
        raise _refuse("connect", address)
    return _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    if not is_loopback(_address_host(self, address)):
        raise _refuse("connect", address)
    return _real_connect_ex(self, address)


def install_network_guard() -> None:
    socket.getaddrinfo = _getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]


def install() -> None:
    install_clock()
    if os.environ.get("TEST_SANDBOX_VIOLATIONS"):
        install_network_guard()


install()
