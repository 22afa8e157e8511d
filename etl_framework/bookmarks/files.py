"""Which files a bookmarked file source reads: Glue's high-water mark plus a band of remembered paths.

A file counts as processed when its modification time is at or below the high-water mark, or when
its path is remembered in the band with that same modification time. Each run moves the mark to
``listing time - maxBand`` and remembers by path every processed file newer than the mark, so a
file that shows up late in a listing is neither skipped nor read twice, and a file rewritten with a
newer time is read again. ``boundedFiles`` / ``boundedSize`` cap one run; the rest waits, and the
mark stays below the oldest file left waiting.
"""

from __future__ import annotations

import time
from typing import Any

from ..listing import FileInfo
from ..options import int_option
from .session import SourceBookmark

DEFAULT_MAX_BAND_MS = 900_000
DEFAULT_MAX_FILES_IN_BAND = 1000


def processed(state: dict[str, Any] | None, f: FileInfo) -> bool:
    if not state:
        return False
    return f.modified_ms <= state.get("high_water_ms", -1) or state.get("band", {}).get(f.path) == f.modified_ms


def select_new(
    files: list[FileInfo], state: dict[str, Any] | None, options: dict[str, Any], listed_at_ms: int
) -> tuple[list[FileInfo], dict[str, Any]]:
    """The files to read this run and the state to commit once the run succeeds."""
    max_band = int_option(options, "maxBand", DEFAULT_MAX_BAND_MS)
    max_in_band = int_option(options, "maxFilesInBand", DEFAULT_MAX_FILES_IN_BAND)
    bounded_files = int_option(options, "boundedFiles", None)
    bounded_size = int_option(options, "boundedSize", None)

    candidates = sorted((f for f in files if not processed(state, f)), key=lambda f: (f.modified_ms, f.path))
    selected: list[FileInfo] = []
    size = 0
    for f in candidates:
        if bounded_files is not None and len(selected) >= bounded_files:
            break
        if bounded_size is not None and selected and size + f.size > bounded_size:
            break
        selected.append(f)
        size += f.size
    old_mark = (state or {}).get("high_water_ms", -1)
    mark = listed_at_ms - max_band
    band = dict((state or {}).get("band", {}))
    in_band = [f for f in selected if f.modified_ms > mark]
    if len(band) + len(in_band) > max_in_band:  # remember at most maxFilesInBand; the newest wait
        keep = max(0, max_in_band - len(band))
        selected = [f for f in selected if f.modified_ms <= mark] + in_band[:keep]
    chosen = set(selected)
    waiting = [f for f in candidates if f not in chosen]
    if waiting:
        mark = min(mark, min(f.modified_ms for f in waiting) - 1)
    mark = max(mark, old_mark)
    band.update({f.path: f.modified_ms for f in selected})
    band = {path: modified for path, modified in band.items() if modified > mark}
    return selected, {"type": "files", "high_water_ms": mark, "band": band}


def select_files(mark: SourceBookmark, files: list[FileInfo], options: dict[str, Any]) -> list[FileInfo]:
    """The files a bookmarked file source reads this run, staging the state to commit with it."""
    if mark.replaying:
        return select_replay(files, mark.after, mark.up_to)
    chosen, state = select_new(files, mark.after, options, int(time.time() * 1000))
    mark.stage(state)
    return chosen


def select_replay(files: list[FileInfo], lower: dict[str, Any] | None, upper: dict[str, Any] | None) -> list[FileInfo]:
    """The files processed after the ``lower`` state up to the ``upper`` one (a pause-mode replay)."""
    return [f for f in files if processed(upper, f) and not processed(lower, f)]
