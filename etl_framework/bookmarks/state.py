"""The shape of a bookmark version file, checked when it is read.

A version is only trusted whole: a mark of the wrong type, or a source entry that lost its mark,
would otherwise make the next run read everything again (or skip input) without a word. Each
check names the field at fault, as ``sources.inbox.high_water_ms``. Source states are the ones
the sources stage: files (``bookmarks/files.py``), JDBC (``sources/jdbc.py``), Delta
(``sources/delta.py``). This module imports nothing of the framework, so the store can use it
without adding to the package's import cycle.
"""

from __future__ import annotations

from typing import Any


class StateShapeError(ValueError):
    """A version file is JSON, but not of a bookmark version's shape."""


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _files_problem(state: dict[str, Any]) -> str | None:
    if not _whole(state.get("high_water_ms")):
        return f"high_water_ms is {state.get('high_water_ms')!r}, expected whole milliseconds"
    band = state.get("band")
    if not isinstance(band, dict) or not all(isinstance(p, str) and _whole(ms) for p, ms in band.items()):
        return f"band is {band!r}, expected an object of file path: modification milliseconds"
    return None


def _jdbc_problem(state: dict[str, Any]) -> str | None:
    keys, values = state.get("keys"), state.get("high_water")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        return f"keys is {keys!r}, expected a list of column names"
    if state.get("sort_order") not in ("asc", "desc"):
        return f"sort_order is {state.get('sort_order')!r}, expected 'asc' or 'desc'"
    if not isinstance(values, list) or len(values) != len(keys) or not all(_scalar(v) for v in values):
        return f"high_water is {values!r}, expected a list of {len(keys)} key value(s)"
    return None


def _delta_problem(state: dict[str, Any]) -> str | None:
    if not _whole(state.get("version")):
        return f"version is {state.get('version')!r}, expected a table version number"
    return None


_CHECKS = {"files": _files_problem, "jdbc": _jdbc_problem, "delta": _delta_problem}


def source_problem(ctx: str, state: Any) -> str | None:
    """What is wrong with the state of source ``ctx``, naming the field (None: nothing)."""
    where = f"sources.{ctx}"
    if not isinstance(state, dict):
        return f"{where} is {state!r}, expected an object"
    kind = state.get("type")
    if kind not in _CHECKS:
        return f"{where}.type is {kind!r}, expected 'files', 'jdbc' or 'delta'"
    problem = _CHECKS[kind](state)
    return f"{where}.{problem}" if problem else None


def _outputs(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(o, dict) and isinstance(o.get("target"), str) and isinstance(o.get("folder"), str) for o in value
    )


_FIELDS = {
    "version": (_whole, "a version number"),
    "job": (lambda v: isinstance(v, str), "a job name"),
    "run_id": (lambda v: v is None or isinstance(v, str), "a run id or null"),
    "committed_at": (lambda v: _whole(v) or isinstance(v, float), "epoch seconds"),
    "note": (lambda v: isinstance(v, str), "a text"),
    "sources": (lambda v: isinstance(v, dict), "an object of transformation_ctx: state"),
    "outputs": (_outputs, "a list of staged outputs, each with a target and a folder"),
}
_OPTIONAL = {"outputs"}  # versions written before sinks staged their output have none


def check_version(data: Any, version: int, replacing: str | None = None) -> None:
    """Raise StateShapeError naming the first field of ``data`` that is not a bookmark version's.

    ``replacing``: a source whose state the caller is about to replace, so it is not checked.
    """
    if not isinstance(data, dict):
        raise StateShapeError(f"expected a JSON object, found {type(data).__name__}")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise StateShapeError(f"unknown field(s) {', '.join(unknown)}")
    for name, (valid, expected) in _FIELDS.items():
        if name not in data:
            if name in _OPTIONAL:
                continue
            raise StateShapeError(f"field {name} is missing")
        if not valid(data[name]):
            raise StateShapeError(f"field {name} is {data[name]!r}, expected {expected}")
    if data["version"] != version:
        raise StateShapeError(f"field version is {data['version']}, but the file is version {version}")
    for ctx, state in data["sources"].items():
        problem = None if ctx == replacing else source_problem(ctx, state)
        if problem:
            raise StateShapeError(f"field {problem}")
