"""DynamicRecord: the record a ``map`` or ``filter`` function receives, as Glue passes it.

A record is a ``dict`` of its fields; nested structs are records too, arrays are lists. As in Glue,
fields can also be read and set as attributes. A null field is absent from the record (as in
Glue's self-describing records), so use ``rec.get("zip")`` for fields that may be missing.

>>> rec = DynamicRecord.from_json('{"name": "Ana", "address": {"city": "Dothan"}, "tags": [1, 2]}')
>>> rec["address"]["city"], rec.name, rec["tags"]
('Dothan', 'Ana', [1, 2])
>>> rec["address"]["city"] = "Boaz"
>>> del rec["tags"]
>>> rec["total"] = 1.5
>>> rec.to_json()
'{"name":"Ana","address":{"city":"Boaz"},"total":1.5}'
"""

from __future__ import annotations

import json
import math
from typing import Any

import msgspec


class MissingField(KeyError, AttributeError):
    """A field the record does not have: a ``KeyError`` (what Glue's ``rec.x`` raises, which
    ``filter`` treats as false) that is also an ``AttributeError`` (so ``hasattr`` works)."""


class DynamicRecord(dict):
    """A record: a ``dict`` whose fields are also attributes (``rec.total``), as Glue's is."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # keep Python's protocols (copy, pickle) working
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise MissingField(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise MissingField(name) from None

    @classmethod
    def from_json(cls, text: str) -> DynamicRecord:
        """Decode one JSON object; every nested object becomes a DynamicRecord."""
        record = _DECODER.decode(text)
        if not isinstance(record, DynamicRecord):
            raise ValueError(f"a record must be a JSON object, got {type(record).__name__}")
        return record

    def to_json(self) -> str:
        """Encode as JSON (see :func:`record_to_json`)."""
        return record_to_json(self)


# Built once: json.loads with a hook builds a decoder on every call, a cost per record.
_DECODER = json.JSONDecoder(object_pairs_hook=DynamicRecord)


def _unsupported(value: Any) -> Any:
    raise TypeError(f"a record field cannot hold a {type(value).__name__} value: {value!r}")


# msgspec encodes a record about five times as fast as the json module: decimals as numbers, dates
# and times as ISO text, bytes as base64 (as Spark's to_json writes binary), sets and tuples as lists.
_FAST = msgspec.json.Encoder(enc_hook=_unsupported, decimal_format="number")


def record_to_json(record: dict) -> str:
    """One record as JSON text; NaN and infinity are refused (JSON has no such numbers).

    >>> import datetime, decimal
    >>> record_to_json({"paid": decimal.Decimal("1.50"), "day": datetime.date(2024, 1, 2)})
    '{"paid":1.50,"day":"2024-01-02"}'
    >>> record_to_json({"ratio": float("nan")})
    Traceback (most recent call last):
    ValueError: a record field cannot hold NaN or infinity: ratio
    """
    text = _FAST.encode(record)
    if b"null" in text:  # msgspec writes NaN and infinity as null: look for them (rarely needed)
        _refuse_non_finite(record, "")
    return text.decode()


def _refuse_non_finite(value: Any, path: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"a record field cannot hold NaN or infinity: {path or 'the record'}")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_non_finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _refuse_non_finite(item, f"{path}[]")
