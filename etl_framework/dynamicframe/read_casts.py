"""Casts done in the JSON read: a frame fresh from a JSON read reads a choice field again as text
when every use a transform makes of it is a cast that gives, from the text, what it gives from the
VARIANT. That spares a VARIANT per record and Spark's variant cast, which builds a cast per value:
a fifth of a read + resolveChoice + apply_mapping + write.

Spark's JSON reader puts a value's own text from the file in a string field (NaN, 1e400 and numbers
past a long or a decimal as written), and Spark casts that text as it casts the VARIANT: the same
code for a string, the correctly rounded number for a number. So numbers and strings cast to double
alike, and without fractional numbers (12.5 cast to long is 12, its text does not cast) to an
integer or a decimal. Cast to string is left out: the text keeps a number as written (1E2), the
VARIANT its value. One difference, by design: the numbers -0 and -0.0 cast to -0.0 as Spark's JSON
reader reads them, where their VARIANT (an integer, a decimal) holds 0; the two compare equal.

>>> from etl_framework.types import ChoiceType, DoubleType, LongType, StringType
>>> casts_from_text(ChoiceType([DoubleType(), StringType()]), DoubleType())
True
>>> casts_from_text(ChoiceType([DoubleType(), StringType()]), LongType())
False
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyspark.sql import DataFrame

from ..types import ChoiceType, DataType, StringType, StructType
from .paths import retype, type_at

Rescan = Callable[[StructType], DataFrame]
"""Reads a frame's records again with another schema: a JSON read offers one to its frame."""

Use = tuple[list[str], DataType | None]
"""A field path (its steps) a transform reads, and the type it casts the field to (None: no cast)."""

_TEXT_KINDS = {"byte", "short", "int", "long", "double", "string"}
_WHOLE_TARGETS = {"byte", "short", "int", "long", "decimal"}


def casts_from_text(t: DataType | None, target: DataType) -> bool:
    """True when casting the text of each value of ``t`` to ``target`` gives the cast of its VARIANT."""
    if not isinstance(t, ChoiceType) or not t.choices or not set(t.choices) <= _TEXT_KINDS:
        return False
    return target.name == "double" or (target.name in _WHOLE_TARGETS and "double" not in t.choices)


def _overlap(a: list[str], b: list[str]) -> bool:
    return a[: len(b)] == b or b[: len(a)] == a


def read_as_text(
    schema: StructType, rescan: Rescan, uses: Sequence[Use]
) -> tuple[DataFrame, StructType, list[list[str]]] | None:
    """The records read again with the choices as text that only ``uses`` casting from text touch,
    the schema they are read with and their paths; None when there are none. Paths are compared
    without case, so a use in another case keeps a field as it is."""
    lowered = [[step.lower() for step in steps] for steps, _ in uses]
    chosen: list[list[str]] = []
    for steps, target in uses:
        if target is None or steps in chosen or not casts_from_text(type_at(schema, steps), target):
            continue
        low = [step.lower() for step in steps]
        if all(
            other == low and other_target is not None and casts_from_text(type_at(schema, other_steps), other_target)
            for (other_steps, other_target), other in zip(uses, lowered, strict=True)
            if _overlap(low, other)
        ):
            chosen.append(steps)
    if not chosen:
        return None
    for steps in chosen:
        schema = retype(schema, steps, StringType())
    return rescan(schema), schema, chosen
