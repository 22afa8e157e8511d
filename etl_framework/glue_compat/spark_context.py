"""``SparkContext()`` inside a run: the run's SparkContext, as on Glue.

A Glue script starts with ``sc = SparkContext()``: on Glue that creates the job's context. Under
``etl run`` the launcher has already built the session from the profile, and Spark refuses a
second context ("Cannot run multiple SparkContexts at once"); while ``attached_spark_context()``
is active, ``SparkContext(...)`` returns the running context instead. Given ``make_session``, the
first ``SparkContext(...)`` (also through ``SparkSession.builder.getOrCreate()``) builds the run's
session with it: a job that never asks for Spark never starts a JVM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..logs import get_logger

log = get_logger("glue_compat")


@contextmanager
def attached_spark_context(make_session: Callable[[], Any] | None = None) -> Iterator[None]:
    """Within the block, ``SparkContext(...)`` returns the active SparkContext when there is one
    (its arguments are ignored, with a warning: the profile made the context), or the one
    ``make_session()`` builds when there is none yet."""
    from pyspark import SparkConf, SparkContext  # pyspark is imported only when a job runs

    saved_new = SparkContext.__dict__.get("__new__")
    saved_init = SparkContext.__init__
    building = False  # make_session's own SparkContext(...) is a real one

    def new(cls: type, *args: Any, **kwargs: Any) -> Any:
        nonlocal building
        if cls is SparkContext and SparkContext._active_spark_context is None and make_session and not building:
            building = True
            try:
                make_session()
            finally:
                building = False
        active = SparkContext._active_spark_context
        if cls is SparkContext and active is not None:
            # An empty SparkConf (SparkContext.getOrCreate()'s, the builder's) asks for nothing.
            given = [*((None, a) for a in args), *kwargs.items()]
            given = [(k, v) for k, v in given if not (isinstance(v, SparkConf) and not v.getAll())]
            if given:
                log.warning(
                    "SparkContext(%s): the run's SparkContext is made from the profile; these arguments are ignored",
                    ", ".join(f"{k}={_shown(v)}" if k else _shown(v) for k, v in given),
                )
            return active
        return object.__new__(cls)

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        if self is not SparkContext._active_spark_context:  # the running context is initialised already
            saved_init(self, *args, **kwargs)

    SparkContext.__new__ = staticmethod(new)  # type: ignore[method-assign,assignment]
    SparkContext.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        SparkContext.__init__ = saved_init  # type: ignore[method-assign]
        # Deleting an assigned __new__ leaves CPython's slot behind: object.__new__ then refuses
        # the constructor's arguments, and no SparkContext(conf=...) could be made after a run.
        SparkContext.__new__ = saved_new or staticmethod(_plain_new)  # type: ignore[method-assign]


def _plain_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    return object.__new__(cls)


def _shown(value: Any) -> str:
    """A SparkConf by its keys (its repr is an object address; its values may be secrets), anything
    else by its repr."""
    if hasattr(value, "getAll"):
        return "SparkConf(" + ", ".join(sorted(k for k, _ in value.getAll())) + ")"
    return repr(value)
