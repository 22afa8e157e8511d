"""Job: Glue's run lifecycle, ``Job(ctx); job.init(name, args); ...; job.commit()``.

``init`` reads the job's committed bookmarks (``--job-bookmark-option``); sources with a
``transformation_ctx`` then read only what is new; ``commit`` records what this run read. A run
that never commits leaves the state as it was, so the next run reads the same input again.

    >>> from etl_framework import Job, getResolvedOptions
    >>> argv = ["orders.py", "--JOB_NAME", "orders", "--job-bookmark-option", "job-bookmark-enable"]
    >>> args = getResolvedOptions(argv, ["JOB_NAME"])
    >>> job = Job(glueContext)
    >>> _ = job.init(args["JOB_NAME"], args)
    >>> job.commit().version  # the job's first committed bookmark
    1
    >>> from etl_framework.bookmarks.store import BookmarkStore
    >>> BookmarkStore(glueContext.profile.state_dir).latest("orders").note
    'commit'
"""

from __future__ import annotations

from typing import Any

from .bookmarks.session import DISABLE, PAUSE, BookmarkSession
from .bookmarks.store import BookmarkError, BookmarkStore, BookmarkVersion, ConcurrentCommitError
from .context import EtlContext
from .errors import JobArgumentError
from .logs import get_logger
from .runtime.active import active_run
from .sinks.staging import StagedOutput, discard, promote, remove_stale

log = get_logger("job")


def _arg(args: dict[str, Any], name: str) -> Any:
    # getResolvedOptions returns job_bookmark_option; a hand-made dict may use Glue's dashed spelling.
    return args.get(name.replace("-", "_"), args.get(name))


class Job:
    """The lifecycle of one run of a job."""

    def __init__(self, glue_context: EtlContext):
        self.glue_context = glue_context
        self.session: BookmarkSession | None = None

    def init(self, job_name: str, args: dict[str, Any] | None = None) -> Job:
        args = dict(args or {})
        option = _arg(args, "job-bookmark-option") or DISABLE
        if option not in ("job-bookmark-enable", DISABLE, PAUSE):
            raise JobArgumentError(
                f"--job-bookmark-option {option!r}: expected job-bookmark-enable, "
                "job-bookmark-disable or job-bookmark-pause"
            )
        store = BookmarkStore(self.glue_context.state_dir)
        run_id = args.get("JOB_RUN_ID") or self.glue_context.run_id
        session = BookmarkSession(store, job_name, run_id, option)
        if option != DISABLE:
            session.base = store.latest(job_name)
        first, last = _arg(args, "job-bookmark-from"), _arg(args, "job-bookmark-to")
        if first or last:
            if option != PAUSE or not (first and last):
                raise JobArgumentError(
                    "--job-bookmark-from and --job-bookmark-to go together, with "
                    "--job-bookmark-option job-bookmark-pause"
                )
            session.replay_from = _committed(store, job_name, first)
            session.replay_to = _committed(store, job_name, last)
        self.session = self.glue_context.bookmarks = session
        if session.base and session.base.outputs:
            self._promote(session.base.outputs, f"committed by run {session.base.run_id}, which stopped before")
        run = active_run()
        if run is not None:
            run.on_success.append(self._promote_uncommitted)
        log.info(
            "job %s: bookmarks %s%s",
            job_name,
            option.replace("job-bookmark-", ""),
            f" from version {session.base.version}" if session.base else "",
        )
        return self

    def commit(self) -> BookmarkVersion | None:
        """Record what this run read (with bookmarks enabled); call it after the outputs are written."""
        if self.session is None:
            raise JobArgumentError("Job.commit() before Job.init()")
        outputs = list(self.session.outputs)
        try:
            version = self.session.commit()
        except ConcurrentCommitError:
            for output in outputs:
                discard(self.glue_context.spark_session, StagedOutput.from_dict(output))
            self.session.outputs = []  # gone: nothing is left for the end of the run to move
            raise
        self._promote(outputs)
        if version is not None:
            for target in sorted({StagedOutput.from_dict(o).target for o in outputs}):
                remove_stale(self.glue_context.spark_session, target, version.job, version.version)
        return version

    def _promote(self, outputs: list[dict[str, Any]], why: str = "") -> None:
        """Move staged file output into place (again, after a crash: promoting is idempotent)."""
        for output in outputs:
            staged = StagedOutput.from_dict(output)
            moved = promote(self.glue_context.spark_session, staged)
            if why and moved:
                log.warning("%s: moved %d staged files into place (%s moving them)", staged.target, moved, why)

    def _promote_uncommitted(self) -> None:
        """A run that ends well without ``job.commit()`` still delivers its output, as in Glue; its
        bookmark does not move, so the next run reads the same input again."""
        if self.session is not None and self.session.outputs:
            log.warning(
                "job %s ended without job.commit(): its output is moved into place, but its bookmark is not "
                "committed, so the next run reads the same input again",
                self.session.job,
            )
            self._promote(self.session.outputs)
            self.session.outputs = []


def _committed(store: BookmarkStore, job: str, run_id: str) -> BookmarkVersion:
    try:
        return store.committed_by(job, run_id)
    except BookmarkError as exc:
        raise JobArgumentError(str(exc)) from exc
