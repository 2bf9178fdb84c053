"""Query-string parsing with the API's validation rules and Pinterest-style error bodies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from .clock import parse_day

_DIGITS = re.compile(r"^\d+$")


class ApiError(Exception):
    """An error response: `{"code": ..., "message": ...}` unless a body is given."""

    def __init__(
        self, status: int, code: int, message: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body if body is not None else {"code": code, "message": message}
        self.headers = headers or {}


def bad_request(message: str) -> ApiError:
    return ApiError(400, 1, message)


def not_found(message: str, code: int = 4) -> ApiError:
    return ApiError(404, code, message)


class Params:
    """Accessors over parsed query parameters (each name maps to every value it was given)."""

    def __init__(self, raw: dict[str, list[str]]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        return name in self.raw

    def text(self, name: str, default: str | None = None, choices: Sequence[str] | None = None) -> str | None:
        values = self.raw.get(name)
        if not values:
            return default
        value = values[-1]
        if choices is not None and value not in choices:
            raise bad_request(f"Invalid request: '{name}' value '{value}' is not one of {list(choices)}")
        return value

    def required(self, name: str, choices: Sequence[str] | None = None) -> str:
        value = self.text(name, choices=choices)
        if value is None or value == "":
            raise bad_request(f"Invalid request: missing required parameter '{name}'")
        return value

    def integer(self, name: str, default: int, choices: Iterable[int] | None = None) -> int:
        value = self.text(name)
        if value is None:
            return default
        if not re.fullmatch(r"-?\d+", value):
            raise bad_request(f"Parameter '{name}' was not numeric (was {value})")
        number = int(value)
        allowed = list(choices) if choices is not None else None
        if allowed is not None and number not in allowed:
            raise bad_request(f"Invalid request: '{name}' value {number} is not one of {allowed}")
        return number

    def boolean(self, name: str, default: bool) -> bool:
        value = self.text(name)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            raise bad_request(f"Invalid request: '{name}' value '{value}' is not a boolean")
        return value.lower() == "true"

    def items(self, name: str) -> list[str]:
        """An array parameter, given as repeated keys (form, explode) or comma-joined (explode: false)."""
        return [part for value in self.raw.get(name, []) for part in value.split(",") if part != ""]

    def ids(self, name: str, max_items: int, required: bool = False) -> list[str]:
        values = self.items(name)
        if required and not values:
            raise bad_request(f"Invalid request: missing required parameter '{name}'")
        if len(values) > max_items:
            raise bad_request(f"Invalid request: '{name}' has {len(values)} items, the maximum is {max_items}")
        for value in values:
            if not _DIGITS.match(value):
                raise bad_request(f"Invalid request: '{name}' value '{value}' must match the pattern: ^\\d+$")
        return list(dict.fromkeys(values))

    def enums(self, name: str, allowed: Sequence[str], default: Sequence[str] = (), max_items: int = 0) -> list[str]:
        values = self.items(name) or list(default)
        for value in values:
            if value not in allowed:
                raise bad_request(f"Invalid request: '{name}' value '{value}' is not one of {list(allowed)}")
        if max_items and len(values) > max_items:
            raise bad_request(f"Invalid request: '{name}' has {len(values)} items, the maximum is {max_items}")
        return list(dict.fromkeys(values))

    def day(self, name: str) -> date:
        text = self.required(name)
        try:
            return parse_day(text)
        except ValueError:
            raise bad_request(f"Invalid request: '{name}' value '{text}' is not a valid date (YYYY-MM-DD)") from None

    def page_size(self, maximum: int = 250) -> int:
        size = self.integer("page_size", 25)
        if size < 1 or size > maximum:
            raise bad_request(f"Invalid request: 'page_size' value {size} must be between 1 and {maximum}")
        return size


def path_id(value: str, name: str) -> str:
    if not _DIGITS.match(value):
        raise bad_request(f"Invalid request: '{name}' value '{value}' must match the pattern: ^\\d+$")
    return value
