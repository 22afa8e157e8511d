"""One run's view of its job's bookmarks: the state it started from and the state it will commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..logs import get_logger
from .store import BookmarkStore, BookmarkVersion

log = get_logger("bookmarks")

ENABLE, DISABLE, PAUSE = "job-bookmark-enable", "job-bookmark-disable", "job-bookmark-pause"


@dataclass
class BookmarkSession:
    """Created by ``Job.init``; sources with a ``transformation_ctx`` ask it what to read."""

    store: BookmarkStore
    job: str
    run_id: str | None
    option: str = DISABLE
    base: BookmarkVersion | None = None
    replay_from: BookmarkVersion | None = None
    replay_to: BookmarkVersion | None = None
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Delta sinks this run has written (app ids): a second write to one is not a crashed run's.
    delta_written: set[str] = field(default_factory=set)
    # File sink output staged by this run, made visible by its commit (``sinks/staging.py``).
    outputs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.option in (ENABLE, PAUSE)

    @property
    def replaying(self) -> bool:
        return self.option == PAUSE and self.replay_to is not None

    def state_for(self, ctx: str) -> dict[str, Any] | None:
        """The committed state of source ``ctx`` this run starts from."""
        return (self.base.sources.get(ctx) if self.base else None) if self.active else None

    def replay_range(self, ctx: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        lower = self.replay_from.sources.get(ctx) if self.replay_from else None
        upper = self.replay_to.sources.get(ctx) if self.replay_to else None
        return lower, upper

    @property
    def defers_output(self) -> bool:
        """File sinks stage their output until the commit only when the run commits a bookmark."""
        return self.option == ENABLE

    def defer_output(self, output: dict[str, Any]) -> bool:
        """Keep a sink's staged output for the commit to make visible; False when it is not kept."""
        if self.defers_output:
            self.outputs.append(output)
        return self.defers_output

    def stage(self, ctx: str, state: dict[str, Any]) -> None:
        """Remember the state to commit for ``ctx`` (committed only by ``Job.commit``)."""
        if self.option == ENABLE:
            self.pending[ctx] = state

    def commit(self) -> BookmarkVersion | None:
        if self.option != ENABLE:
            log.info("job %s: bookmarks %s, nothing committed", self.job, self.option.replace("job-bookmark-", ""))
            return None
        previous = self.base.version if self.base else 0
        sources = {**(self.base.sources if self.base else {}), **self.pending}
        version = self.store.commit(self.job, previous, sources, self.run_id, "commit", self.outputs)
        log.info(
            "job %s: committed bookmark version %d (%s)",
            self.job,
            version.version,
            ", ".join(sorted(self.pending)) or "no bookmarked sources",
        )
        self.base, self.pending, self.outputs = version, {}, []
        return version


@dataclass(frozen=True)
class SourceBookmark:
    """One bookmarked source's part of a run: the committed state it reads past and, when a paused
    run replays a range (``--job-bookmark-from/-to``), the state it reads up to."""

    session: BookmarkSession
    name: str  # the source's transformation_ctx

    @property
    def replaying(self) -> bool:
        return self.session.replaying

    @property
    def after(self) -> dict[str, Any] | None:
        """The state whose data was read already (None: nothing was)."""
        return self.session.replay_range(self.name)[0] if self.replaying else self.session.state_for(self.name)

    @property
    def up_to(self) -> dict[str, Any] | None:
        """In a replay, the state to read up to; otherwise None (read everything new)."""
        return self.session.replay_range(self.name)[1] if self.replaying else None

    def stage(self, state: dict[str, Any]) -> None:
        """The state this run read up to, for ``job.commit()`` to commit (a replay commits nothing)."""
        if not self.replaying:
            self.session.stage(self.name, state)


def source_bookmark(session: BookmarkSession | None, transformation_ctx: str) -> SourceBookmark | None:
    """The bookmark of the source named ``transformation_ctx``, or None when the run does not track
    it: bookmarks disabled, no ``Job.init``, or a source without a ``transformation_ctx`` (as in Glue).

    >>> source_bookmark(None, "orders") is None
    True
    """
    if session is None or not session.active or not transformation_ctx:
        return None
    return SourceBookmark(session, transformation_ctx)
