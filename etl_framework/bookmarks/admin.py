"""What ``etl bookmarks`` does: show, reset, rewind and set a job's bookmark state.

Each change is a new version (the history stays), written with the same exclusive create as a
run's commit, so a change made while the job runs makes that run's commit fail rather than both
silently applying.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .state import source_problem
from .store import BookmarkError, BookmarkStore, BookmarkVersion


def describe_source(state: dict[str, Any]) -> str:
    if state.get("type") == "files":
        mark = state.get("high_water_ms", -1)
        when = datetime.fromtimestamp(mark / 1000, timezone.utc).isoformat() if mark >= 0 else "none"
        return f"files modified up to {when} ({mark} ms), {len(state.get('band', {}))} newer files remembered"
    if state.get("type") == "delta":
        return f"Delta table read up to version {state.get('version')}"
    if state.get("type") == "jdbc":
        keys = ", ".join(
            f"{k}={v!r}" for k, v in zip(state.get("keys", []), state.get("high_water") or [], strict=False)
        )
        return f"rows up to {keys or 'none'} ({state.get('sort_order', 'asc')})"
    return str(state)


def show(store: BookmarkStore, job: str) -> str:
    history = store.history(job)
    if not history:
        return f"job {job!r} has no bookmark state under {store.root}"
    lines = [f"bookmarks of job {job!r} ({store.root}/{job}):"]
    for v in history:
        if isinstance(v, BookmarkError):
            lines.append(f"  CORRUPT: {v}")
            continue
        when = datetime.fromtimestamp(v.committed_at, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"  version {v.version:<4} {when} UTC  {v.note:<24} run {v.run_id or '-'}")
        for ctx, state in sorted(v.sources.items()):
            lines.append(f"      {ctx}: {describe_source(state)}")
    return "\n".join(lines)


def reset(store: BookmarkStore, job: str) -> BookmarkVersion:
    """The next run reads everything again."""
    return store.commit(job, store.latest_version(job), {}, None, "reset")


def rewind(store: BookmarkStore, job: str, run_id: str) -> BookmarkVersion:
    """Back to the state that run ``run_id`` committed; later runs' input is read again."""
    target = store.committed_by(job, run_id)
    return store.commit(job, store.latest_version(job), target.sources, None, f"rewind to {run_id}")


def _parse_instant(text: str) -> int:
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BookmarkError(f"--high-water {text!r}: expected epoch milliseconds or an ISO date-time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def _parse_value(text: str) -> Any:
    return int(text) if text.lstrip("-").isdigit() else text


def set_high_water(
    store: BookmarkStore, job: str, ctx: str, high_water: str, kind: str | None = None, keys: list[str] | None = None
) -> BookmarkVersion:
    """Set one source's mark by hand: for files a time (ms or ISO); for JDBC the key values
    (comma-separated for composite keys); for Delta the table version read up to."""
    latest = store.latest(job, replacing=ctx)  # this source's state may be corrupt: it is replaced
    sources = dict(latest.sources) if latest else {}
    current = sources.get(ctx, {})
    problem = source_problem(ctx, current) if ctx in sources else None
    if problem:  # nothing of a corrupt state is carried over
        current = {}
    kind = kind or current.get("type")
    if kind == "files":
        state: dict[str, Any] = {"type": "files", "high_water_ms": _parse_instant(high_water), "band": {}}
    elif kind == "delta":
        if not high_water.isdigit():
            raise BookmarkError(f"--high-water {high_water!r}: expected the Delta table version read up to (0, 1, ...)")
        state = {"type": "delta", "version": int(high_water)}
    elif kind == "jdbc":
        keys = keys or current.get("keys")
        if not keys:
            raise BookmarkError(f"source {ctx!r} of job {job!r}: give the key columns with --keys")
        values = [_parse_value(v) for v in high_water.split(",")]
        if len(values) != len(keys):
            raise BookmarkError(f"--high-water {high_water!r}: {len(keys)} values needed for keys {keys}")
        state = {"type": "jdbc", "keys": keys, "sort_order": current.get("sort_order", "asc"), "high_water": values}
    else:
        state_now = f"has a corrupt state ({problem})" if problem else "has no state yet"
        raise BookmarkError(f"source {ctx!r} of job {job!r} {state_now}: say --type files, jdbc or delta")
    sources[ctx] = state
    return store.commit(job, latest.version if latest else 0, sources, None, f"set {ctx}")
