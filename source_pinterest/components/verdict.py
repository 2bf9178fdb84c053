"""A failure no stream can get past (a dead host, refused credentials), reported once per read.

Once the host has been unreachable for its budget, or Pinterest has refused the credentials, every stream fails
for that one cause. The CDK would emit one error trace per stream, each with a traceback, and then a summary typed
config_error whatever the cause. `said_once` keeps the first trace, turns the others into one log line each, and
ends the read with a summary of the same failure_type that names the cause.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator

from airbyte_cdk.models import AirbyteMessage, TraceType, Type
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

logger = logging.getLogger("airbyte")


class _Verdict:
    """The first such failure of the current read (`source.read` resets it)."""

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

    def reset(self) -> None:
        with self._lock:
            self._first = None


FATAL = _Verdict()


def said_once(messages: Iterable[AirbyteMessage]) -> Iterator[AirbyteMessage]:
    """`messages` with at most one error trace for the fatal cause, and a closing summary that agrees with it."""
    said = False
    stopped: list[str] = []
    try:
        for message in messages:
            trace = message.trace if message.type == Type.TRACE else None
            if trace is not None and trace.type == TraceType.ERROR and FATAL.first() is not None:
                stream = trace.error.stream_descriptor.name if trace.error and trace.error.stream_descriptor else ""
                stopped.append(stream or "?")
                if said:
                    logger.warning(f"Stream {stream} stopped for the same cause.")
                    continue
                said = True
                message = FATAL.first().as_airbyte_message(stream_descriptor=trace.error.stream_descriptor)  # type: ignore[union-attr]
            yield message
    except AirbyteTracedException as summary:  # the CDK's "streams did not sync successfully"
        fatal = FATAL.first()
        if fatal is None:
            raise
        streams = ", ".join(sorted(set(stopped))) or "every selected stream"
        text = f"{len(set(stopped)) or 'The'} stream(s) did not sync ({streams}) because of: {fatal.message}"
        raise AirbyteTracedException(
            message=text, internal_message=summary.internal_message, failure_type=fatal.failure_type
        ) from summary
