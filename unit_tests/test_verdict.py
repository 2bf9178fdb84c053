"""Issue 23: a cause every stream meets is said once; an unrelated failure of one stream keeps its own trace."""

from __future__ import annotations

from airbyte_cdk.models import FailureType, StreamDescriptor
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components import verdict

DEAD = "Could not reach the Pinterest API at http://127.0.0.1:9/v5/: Connection refused. Fix: ..."
GAVE_UP = "Pinterest kept failing on GET /v5/boards (HTTP 500): gave up after 8 retries over 4 min."


def _trace(stream: str, message: str, failure_type: FailureType):  # noqa: ANN202
    error = AirbyteTracedException(message=message, failure_type=failure_type)
    return error.as_airbyte_message(stream_descriptor=StreamDescriptor(name=stream))


def test_a_repeated_cause_is_said_once_and_an_unrelated_failure_keeps_its_trace() -> None:
    fatal = verdict.Fatal()
    fatal.record(AirbyteTracedException(message=DEAD, failure_type=FailureType.transient_error))
    said = verdict.OneCause(fatal)
    messages = [
        _trace("boards", GAVE_UP, FailureType.transient_error),  # one stream's own 500s, before the host died
        *[_trace(name, DEAD, FailureType.transient_error) for name in ("ads", "campaigns", "pins")],
    ]

    out = list(said.messages(messages))
    closing = said.closing(AirbyteTracedException(message="CDK summary"), {})

    assert [(m.trace.error.stream_descriptor.name, m.trace.error.message) for m in out] == [
        ("boards", GAVE_UP),
        ("ads", DEAD),
    ]
    assert closing is not None and closing.failure_type == FailureType.transient_error
    assert f"Stream stopped (boards): {GAVE_UP}" in closing.message
    assert f"3 streams stopped (ads, campaigns, pins): {DEAD}" in closing.message


def test_the_closing_trace_takes_the_type_a_person_must_act_on_and_names_unread_streams() -> None:
    said = verdict.OneCause(verdict.Fatal())
    list(said.messages([_trace("boards", GAVE_UP, FailureType.transient_error)]))

    closing = said.closing(AirbyteTracedException(message="CDK summary"), {"campaigns": "refused: ads:read"})

    assert closing is not None and closing.failure_type == FailureType.config_error
    assert closing.message.startswith("Some streams could not be read in full: campaigns: refused: ads:read")
    assert GAVE_UP in closing.message
    assert verdict.OneCause(verdict.Fatal()).closing(None, {}) is None
