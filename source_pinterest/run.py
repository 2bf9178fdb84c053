from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch, logger
from airbyte_cdk.exception_handler import init_uncaught_exception_handler
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    FailureType,
    Status,
    TraceType,
    Type,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.components import config_keys, config_validation
from source_pinterest.source import SourcePinterest

T = TypeVar("T")


FIXES = {
    "--config": "pass the connector configuration as a JSON object (its fields are listed by `source-pinterest spec`).",
    "--catalog": "pass a configured catalog built from the streams `source-pinterest discover` lists "
    '(a JSON object {"streams": [...]}).',
    "--state": "pass the state of the previous sync, a JSON list of Airbyte state objects such as "
    '[{"type": "STREAM", "stream": {"stream_descriptor": {"name": "campaigns"}, "stream_state": {...}}}], '
    "or leave --state out to sync everything from scratch.",
}


def _load(flag: str, path: str | None, reader: Callable[[str], T]) -> T | None:
    """Read one input file; any problem becomes a config_error that names the file and the fix."""
    if not path:
        return None
    try:
        return reader(path)
    except Exception as error:
        reason = str(error).strip().splitlines()
        raise AirbyteTracedException(
            message=f"The {flag} file {path} cannot be used: {' '.join(reason)[:300]} Fix: {FIXES[flag]}",
            internal_message=repr(error),
            failure_type=FailureType.config_error,
        ) from error


def _source(args: list[str]) -> SourcePinterest:
    config_path = AirbyteEntrypoint.extract_config(args)
    return SourcePinterest(
        _load("--catalog", AirbyteEntrypoint.extract_catalog(args), SourcePinterest.read_catalog),
        _load("--config", config_path, SourcePinterest.read_config),
        _load("--state", AirbyteEntrypoint.extract_state(args), SourcePinterest.read_state),
        config_path=config_path,
    )


def _print_trace(error: Exception) -> None:
    if isinstance(error, AirbyteTracedException):
        message = error.as_airbyte_message()
    else:
        message = AirbyteMessage(
            type=Type.TRACE,
            trace=AirbyteTraceMessage(
                type=TraceType.ERROR,
                emitted_at=time.time() * 1000,
                error=AirbyteErrorTraceMessage(
                    message=f"source-pinterest could not start: {error}",
                    internal_message=repr(error),
                    failure_type=FailureType.config_error,
                ),
            ),
        )
    print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode())


def _print_failed_check(error: AirbyteTracedException) -> None:
    status = AirbyteMessage(
        type=Type.CONNECTION_STATUS,
        connectionStatus=AirbyteConnectionStatus(status=Status.FAILED, message=error.message),
    )
    print(orjson.dumps(AirbyteMessageSerializer.dump(status)).decode())


def _no_parent_state_warning(record: logging.LogRecord) -> bool:
    # The CDK warns at every start that a cartesian router keeps no parent state. Only audiences (accounts x
    # ownership types) has one, a full-refresh stream with no state at all: a warning nobody can act on.
    return not str(record.msg).startswith("Parent state handling is not supported for CartesianProductStreamSlicer")


def run() -> None:
    init_uncaught_exception_handler(logger)
    logging.getLogger("airbyte.CartesianProductStreamSlicer").addFilter(_no_parent_state_warning)
    args = sys.argv[1:]
    command = args[0] if args else ""
    try:
        source = _source(args)
        # Before the CDK's spec check, whose messages ("'01/02/2025' does not match '^\d{4}...'") name no field.
        if command in ("check", "discover", "read") and source.resolved_config:
            config_keys.warn_unknown_keys(source.resolved_config)  # once per command, before any error
            config_validation.validate(source.resolved_config)
    except AirbyteTracedException as error:
        if command == "check" and error.failure_type == FailureType.config_error:
            _print_failed_check(error)  # like the CDK: a bad config is a failed check, not a crash
            return
        _print_trace(error)
        sys.exit(1)
    except Exception as error:  # a bad config/catalog/state file must end in a readable trace, not a stack dump
        _print_trace(error)
        sys.exit(1)
    launch(source, args)


if __name__ == "__main__":
    run()
