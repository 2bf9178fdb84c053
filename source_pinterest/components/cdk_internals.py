"""The components' one reach into airbyte-cdk internals: every private CDK name they use is here.

Each name is listed in unit_tests/test_cdk_contract.py, which checks it against the installed CDK. The rest of the
components use the public functions and hook methods below:
- a cursor's state converter, replaced by the connector's own (`same_converter`, `use_converter`), and the state
  the cursor converted in its `__init__` (`converted_state`);
- `TokenRefreshHooks`: the OAuth token request and what a refresh persists, as public methods;
- `RefusalHook`: an error answer the error handler let through, before the CDK reads it as empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any, TypeVar

import requests
from airbyte_cdk.sources.declarative.auth.oauth import DeclarativeSingleUseRefreshTokenOauth2Authenticator
from airbyte_cdk.sources.declarative.incremental.concurrent_partition_cursor import ConcurrentPerPartitionCursor
from airbyte_cdk.sources.declarative.retrievers.simple_retriever import SimpleRetriever
from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor
from airbyte_cdk.sources.streams.concurrent.state_converters.datetime_stream_state_converter import (
    CustomFormatConcurrentStreamStateConverter,
)
from airbyte_cdk.sources.types import StreamSlice
from isodate import parse_duration

Converter = TypeVar("Converter", bound=CustomFormatConcurrentStreamStateConverter)


# ------------------------------------------------------------------------------------------- cursors, converters
def same_converter(definition: Mapping[str, Any], cls: type[Converter]) -> Converter:
    """A converter of class `cls` made with the arguments the CDK's factory gives the converter it builds inline for
    a DatetimeBasedCursor `definition` (both create_concurrent_cursor_from_* methods): the same formats, granularity
    and sequential state, so it reads and writes every value as the CDK's would."""
    granularity = definition.get("cursor_granularity")
    return cls(
        datetime_format=definition["datetime_format"],
        # a copy: the converter appends its output format to the list it is given
        input_datetime_formats=list(definition.get("cursor_datetime_formats") or []),
        is_sequential_state=True,
        cursor_granularity=parse_duration(granularity) if granularity else None,
    )


def use_converter(cursor: ConcurrentCursor | ConcurrentPerPartitionCursor, converter: Any) -> bool:
    """Make `converter` the cursor's, in place of the custom-format one the CDK built; False (nothing changed) if
    the CDK built another kind. The cursor converted the incoming state with the CDK's converter in its __init__:
    `converter` must be made by `same_converter` from the same definition, so that state is the one it would have
    made (the connector's converters differ only in what they write, and in caching)."""
    if not isinstance(cursor._connector_state_converter, CustomFormatConcurrentStreamStateConverter):
        return False
    cursor._connector_state_converter = converter
    return True


def converted_state(cursor: ConcurrentCursor) -> MutableMapping[str, Any]:
    """The cursor's state as its __init__ converted it (`legacy`, the incoming state, and `slices`), the live dict
    its slices and state are made from: a change to it changes what the cursor reads."""
    return cursor._concurrent_state


# ------------------------------------------------------------------------------------------ hooks, as public methods
class TokenRefreshHooks(DeclarativeSingleUseRefreshTokenOauth2Authenticator):
    """The CDK's single-use refresh token authenticator; its token request and what a refresh persists are the
    public methods below. The CDK still sets the new tokens into the connector config it was given."""

    def request_tokens(self) -> Mapping[str, Any]:
        """The token endpoint's JSON body, from which the CDK extracts the new tokens."""
        raise NotImplementedError

    def persist_tokens(self) -> None:
        """Called after each refresh, once the new tokens are in the connector config."""
        raise NotImplementedError

    def _make_handled_request(self) -> Any:
        return self.request_tokens()

    def _emit_control_message(self) -> None:
        self.persist_tokens()


class RefusalHook(SimpleRetriever):
    """A SimpleRetriever that asks `refusal` about every error answer its error handler let through (ignored), before
    the CDK reads such an answer as one without records."""

    def refusal(self, response: requests.Response) -> Exception | None:
        """What to raise (before any record) for an error answer; None: read it as the CDK does (no records)."""
        return None

    def _parse_response(
        self,
        response: requests.Response | None,
        records_schema: Mapping[str, Any],
        stream_slice: StreamSlice | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Iterable[Any]:
        if response is not None and not response.ok:
            refused = self.refusal(response)
            if refused is not None:
                raise refused
        yield from super()._parse_response(response, records_schema, stream_slice, next_page_token)
