"""The types of the records ``map``'s function returns, observed in Python as each one is encoded.

The tree is ObservedTypes.java's (the kinds seen at every path, object fields and array elements),
and means what that class would make of the records' JSON text: an integer past a long is a
double (Jackson reads it as a big integer), ``None`` adds no kind, an empty list has elements of no
kind. A shape of record (its keys and their values' Python types) is learned once per node, so a
batch of records alike costs a tuple or two per record. A value the walker cannot type as its
JSON text would be typed (a decimal, a date, a key that is not text) raises
:class:`Unobservable`: ``map`` then lets Spark infer over the text instead.

>>> from etl_framework.dynamicframe.inference import tree_type
>>> from etl_framework.dynamicframe.records import record_to_json
>>> node = Node()
>>> for rec in ({"a": 1, "b": [{"c": "x"}]}, {"a": 1.5, "b": []}, {"a": 2**63}):
...     node.add(rec, record_to_json(rec))
>>> tree_type(node.tree()).simple_string()
'struct<a:choice<double,long>,b:array<struct<c:string>>>'

"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .records import DynamicRecord

# ObservedTypes' kinds, by bit, as far as JSON text from Python values reaches.
_KINDS = ("OBJECT", "ARRAY", "BIGINT", "DOUBLE", "STRING", "BOOLEAN")
OBJECT, ARRAY, BIGINT, DOUBLE, STRING, BOOLEAN = (1 << i for i in range(len(_KINDS)))
_SCALARS = {str: STRING, int: BIGINT, float: DOUBLE, bool: BOOLEAN}
_OBJECTS = (dict, DynamicRecord)
_ARRAYS = (list, tuple, set, frozenset)  # msgspec writes each as a JSON array
_LONG = range(-(2**63), 2**63)
# Shapes kept per node: records keyed by data (ids as keys) would otherwise keep one per record.
_SHAPES = 1024
# An integer past a long has at least 19 digits; a text without such a run needs no range checks.
_LONG_DIGITS = re.compile(r"[0-9]{19}")


class Unobservable(TypeError):
    """A value whose JSON type the walker does not decide (Spark's inference over the text does)."""


class Node:
    """The kinds seen at one path, with its fields (objects) and its element node (arrays)."""

    __slots__ = ("element", "fields", "kinds", "shapes")

    def __init__(self) -> None:
        self.kinds = 0
        self.fields: dict[str, Node] | None = None
        self.element: Node | None = None
        # record shape (keys, then their values' types) -> how to walk its objects and arrays
        self.shapes: dict[tuple, list[tuple[Any, Callable[[Any], None]]]] = {}

    def add(self, value: Any, text: str | None = None) -> None:
        """Observe one value; ``text``, its JSON, tells whether its integers need range checks."""
        self._add(value, text is None or _LONG_DIGITS.search(text) is not None)

    def _add(self, value: Any, exact: bool) -> None:
        t = type(value)
        bit = _SCALARS.get(t)
        if bit is not None:
            self.kinds |= DOUBLE if t is int and exact and value not in _LONG else bit
        elif t in _OBJECTS:
            self._mark(OBJECT)
            if not exact:
                self._shaped(value)
            else:  # rare (a 19-digit run): no shapes, every integer checked
                for key, item in value.items():
                    self._child(key)._add(item, True)
        elif t in _ARRAYS:
            self._mark(ARRAY)
            for item in value:
                self.element._add(item, exact)  # type: ignore[union-attr]
        elif value is not None:
            raise Unobservable(f"no JSON type decided for a {t.__name__} value")

    def _mark(self, bit: int) -> None:
        self.kinds |= bit
        if bit == OBJECT and self.fields is None:
            self.fields = {}
        elif bit == ARRAY and self.element is None:
            self.element = Node()

    def _shaped(self, record: dict) -> None:
        """An object whose integers all fit a long: its shape's scalars are marked once."""
        shape = (*record, *map(type, record.values()))
        walks = self.shapes.get(shape)
        if walks is None:
            walks = self._learn(record)
            if len(self.shapes) < _SHAPES:
                self.shapes[shape] = walks
        for key, walk in walks:
            walk(record[key])

    def _learn(self, record: dict) -> list[tuple[Any, Callable[[Any], None]]]:
        walks = []
        for key, value in record.items():
            child = self._child(key)
            t = type(value)
            bit = _SCALARS.get(t)
            if bit is not None:
                child.kinds |= bit
            elif t in _OBJECTS:
                child._mark(OBJECT)
                walks.append((key, child._shaped))
            elif t in _ARRAYS:
                child._mark(ARRAY)
                walks.append((key, child._items))
            elif value is not None:
                raise Unobservable(f"no JSON type decided for a {t.__name__} value")
        return walks

    def _items(self, items: Any) -> None:
        element = self.element
        assert element is not None
        for item in items:
            element._add(item, False)

    def _child(self, key: Any) -> Node:
        if type(key) is not str:
            raise Unobservable(f"no JSON type decided for a record with a {type(key).__name__} key")
        assert self.fields is not None
        child = self.fields.get(key)
        if child is None:
            child = self.fields[key] = Node()
        return child

    def tree(self) -> dict[str, Any]:
        """ObservedTypes' form: ``{"k": [kinds], "f": {name: tree}, "e": tree}``."""
        out: dict[str, Any] = {"k": [k for i, k in enumerate(_KINDS) if self.kinds & (1 << i)]}
        if self.fields is not None:
            out["f"] = {name: child.tree() for name, child in self.fields.items()}
        if self.element is not None:
            out["e"] = self.element.tree()
        return out


def merge_trees(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The tree of two trees' values together (two batches' records).

    >>> merge_trees({"k": ["BIGINT"]}, {"k": ["STRING", "BIGINT"]})
    {'k': ['BIGINT', 'STRING']}
    """
    out: dict[str, Any] = {"k": [k for k in _KINDS if k in a["k"] or k in b["k"]]}
    if "f" in a or "f" in b:
        fields = dict(a.get("f", {}))
        for name, tree in b.get("f", {}).items():
            fields[name] = merge_trees(fields[name], tree) if name in fields else tree
        out["f"] = fields
    if "e" in a or "e" in b:
        out["e"] = merge_trees(a["e"], b["e"]) if "e" in a and "e" in b else a.get("e", b.get("e"))
    return out


class Observer:
    """The tree of the records one task returns, or none once a value is :class:`Unobservable`.

    >>> import decimal
    >>> observer = Observer()
    >>> observer.add({"a": 1}, '{"a":1}')
    >>> observer.summary()
    '{"k": ["OBJECT"], "f": {"a": {"k": ["BIGINT"]}}}'
    >>> observer.add({"a": decimal.Decimal("1.5")}, '{"a":1.5}')
    >>> observer.summary()
    ''
    """

    def __init__(self) -> None:
        self.node: Node | None = Node()

    def add(self, record: dict, text: str) -> None:
        if self.node is not None:
            try:
                self.node.add(record, text)
            except Unobservable:
                self.node = None

    def summary(self) -> str:
        """The tree as JSON text; empty when there is none."""
        return "" if self.node is None else json.dumps(self.node.tree())
