"""What a crawler has seen: the data folders of its last crawls, for CRAWL_NEW_FOLDERS_ONLY.

Kept in ``<state_dir>/crawlers/<name>.json`` on the driver, beside the run history.

    >>> store = CrawlerState(f"{tmp}/state", "orders")
    >>> store.save({"file:/data/orders/day=1"})
    >>> sorted(store.load())
    ['file:/data/orders/day=1']
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ..errors import ConfigError


class CrawlerState:
    """The set of folder URIs a crawler has crawled; None before its first crawl."""

    def __init__(self, state_dir: str, crawler: str):
        local = state_dir[len("file://") :] if state_dir.startswith("file://") else state_dir
        self.path = Path(local) / "crawlers" / f"{crawler}.json"

    def load(self) -> set[str] | None:
        if not self.path.is_file():
            return None
        try:
            data = json.loads(self.path.read_text())
            return set(data["folders"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"{self.path}: crawler state is not valid ({exc}); delete the file to crawl everything"
            ) from exc

    def save(self, folders: set[str]) -> None:
        """Replace the state atomically (a crawl killed half-way leaves the previous state)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"crawled_at": time.time(), "folders": sorted(folders)}, indent=1))
        os.replace(tmp, self.path)
