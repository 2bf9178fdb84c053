from __future__ import annotations

import sys
import time

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch, logger
from airbyte_cdk.exception_handler import init_uncaught_exception_handler
from airbyte_cdk.models import (
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    FailureType,
    TraceType,
    Type,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest.source import SourcePinterest


def _source(args: list[str]) -> SourcePinterest:
    catalog_path = AirbyteEntrypoint.extract_catalog(args)
    config_path = AirbyteEntrypoint.extract_config(args)
    state_path = AirbyteEntrypoint.extract_state(args)
    return SourcePinterest(
        SourcePinterest.read_catalog(catalog_path) if catalog_path else None,
        SourcePinterest.read_config(config_path) if config_path else None,
        SourcePinterest.read_state(state_path) if state_path else None,
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


def run() -> None:
    init_uncaught_exception_handler(logger)
    args = sys.argv[1:]
    try:
        source = _source(args)
    except Exception as error:  # a bad config/catalog/state file must end in a readable trace, not a stack dump
        _print_trace(error)
        sys.exit(1)
    launch(source, args)


if __name__ == "__main__":
    run()
