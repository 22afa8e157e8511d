"""Reading typed values out of Glue's option dictionaries (connection_options, format_options)."""

from __future__ import annotations

from typing import Any

from .errors import EtlError


def int_option(options: dict[str, Any], name: str, default: int | None, minimum: int = 0) -> int | None:
    """``options[name]`` as an int (Glue passes numbers as strings too), at least ``minimum``.

    >>> int_option({"boundedFiles": "10"}, "boundedFiles", None)
    10
    """
    value = options.get(name, default)
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise EtlError(f"connection option {name!r} must be an integer, got {value!r}") from exc
    if number < minimum:
        raise EtlError(f"connection option {name!r} must be at least {minimum}, got {number}")
    return number
