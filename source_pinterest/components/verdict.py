"""One failure, said once: a cause every stream meets (a dead host, refused credentials) ends a read with one trace
that names it and the fix, and a closing trace that agrees with it, instead of one trace per stream and a summary
typed config_error whatever the cause.

- `Fatal` holds the first failure no stream can get past, recorded where it is decided (Reachability.unreachable,
  the OAuth refresh, a rejected static token). Later streams give up with the same words, and without asking
  Pinterest again. One per run (its Sync's `fatal`), like the host reachability it follows.
- `OneCause`, one per read, is the single place that decides what the read says about failures: it passes the CDK's
  messages on, turning an error trace whose message was already said into one log line; it keeps the CDK's
  per-stream traceback log to the first stream of each cause; and `closing()` decides the read's last trace from the
  failures seen, the streams that missed data (Unreadable.reasons()) and the CDK's own "did not sync" exception.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from airbyte_cdk.models import AirbyteMessage, FailureType, TraceType, Type
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

logger = logging.getLogger("airbyte")

# The CDK's log lines that repeat what the traces say: one per failed stream (with a traceback), and its summary.
_STREAM_EXCEPTION = "Exception while syncing stream"
_CDK_SUMMARY = "During the sync, the following streams did not sync successfully"
# The closing trace's type when causes differ: the one a person must act on wins (a transient one is retried).
_PRIORITY = (FailureType.config_error, FailureType.system_error, FailureType.transient_error)
_NAMED_STREAMS = 6


class Fatal:
    """The first failure of the current read or check that every stream would meet."""

    def __init__(self) -> None:
        self._first: AirbyteTracedException | None = None
        self._lock = threading.Lock()

    def record(self, error: AirbyteTracedException) -> AirbyteTracedException:
        with self._lock:
            if self._first is None:
                self._first = error
        return error

    def first(self) -> AirbyteTracedException | None:
        return self._first

    def again(self, failure_type: FailureType) -> AirbyteTracedException | None:
        """A new exception with the first failure's words, if it has `failure_type` (one exception object raised
        in many threads would collect all their tracebacks)."""
        first = self._first
        if first is None or first.failure_type != failure_type:
            return None
        return AirbyteTracedException(
            message=first.message, internal_message=first.internal_message, failure_type=first.failure_type
        )


def _names(streams: list[str]) -> str:
    shown = ", ".join(streams[:_NAMED_STREAMS])
    more = len(streams) - _NAMED_STREAMS
    return f"{shown} and {more} more" if more > 0 else shown


class _QuietRepeats(logging.Filter):
    """Drops the CDK's traceback log of a stream that failed for a cause already logged, and its summary line
    (the closing trace says it)."""

    def __init__(self) -> None:
        super().__init__()
        self._logged: set[str] = set()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        if text.startswith(_CDK_SUMMARY):
            return False
        if not text.startswith(_STREAM_EXCEPTION) or not record.exc_info:
            return True
        cause = str(getattr(record.exc_info[1], "message", "") or record.exc_info[1])
        with self._lock:
            if cause in self._logged:
                return False
            self._logged.add(cause)
        return True


class OneCause:
    """What one read says about its failures (see the module docstring)."""

    def __init__(self, fatal: Fatal) -> None:
        self._fatal = fatal  # the run's failure that every stream met, if any
        self._causes: dict[str, tuple[FailureType, list[str]]] = {}  # message -> its type, the streams it stopped

    @contextmanager
    def quiet(self, source_logger: logging.Logger) -> Iterator[None]:
        """Within this block, the CDK's per-stream traceback logs of `source_logger` come once per cause."""
        quiet = _QuietRepeats()
        source_logger.addFilter(quiet)
        try:
            yield
        finally:
            source_logger.removeFilter(quiet)

    def messages(self, messages: Iterable[AirbyteMessage]) -> Iterator[AirbyteMessage]:
        """`messages`, with each stream error trace whose message was already said turned into one log line."""
        for message in messages:
            trace = message.trace if message.type == Type.TRACE else None
            error = trace.error if trace is not None and trace.type == TraceType.ERROR else None
            stream = error.stream_descriptor.name if error and error.stream_descriptor else None
            if error is None or stream is None:
                yield message
                continue
            cause = error.message or ""
            failure_type = error.failure_type or FailureType.system_error
            known = self._causes.setdefault(cause, (failure_type, []))
            if known[1] and stream in known[1]:
                continue  # another partition of the same stream, failed the same way
            known[1].append(stream)
            if len(known[1]) == 1:
                yield message
            else:
                logger.info(f"Stream {stream} stopped for the same cause as {known[1][0]} (said above).")

    def closing(
        self, failed: AirbyteTracedException | None, missed: Mapping[str, str]
    ) -> AirbyteTracedException | None:
        """The read's last trace: None when it succeeded; else one that names every cause, typed as they are.

        `failed` is what ended the CDK's read (its "did not sync" summary, or a failure of its own), `missed` the
        streams that were read but not in full (Unreadable.reasons()).
        """
        if failed is None and not missed:
            return None
        if not self._causes and not missed:
            return failed  # a failure no stream trace explains: passed on as the CDK raised it
        parts = []
        if missed:
            parts.append(
                "Some streams could not be read in full: "
                + " | ".join(f"{stream}: {reason}" for stream, reason in sorted(missed.items()))
            )
        for cause, (_, streams) in self._causes.items():
            count = f"{len(streams)} streams" if len(streams) > 1 else "Stream"
            parts.append(f"{count} stopped ({_names(sorted(streams))}): {cause}")
        message = " | ".join(parts)
        return AirbyteTracedException(
            message=message,
            internal_message=failed.internal_message if failed is not None else message,
            failure_type=self._failure_type(bool(missed)),
        )

    def _failure_type(self, missed: bool) -> FailureType:
        fatal = self._fatal.first()
        if fatal is not None and (fatal.message or "") in self._causes:
            return fatal.failure_type or FailureType.system_error  # what stopped every stream decides
        types = {failure_type for failure_type, _ in self._causes.values()}
        if missed:
            types.add(FailureType.config_error)
        return next(t for t in _PRIORITY if t in types) if types & set(_PRIORITY) else FailureType.system_error
