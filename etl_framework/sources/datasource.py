"""Glue's ``DataSource`` object: ``ctx.getSource(...)``, ``setFormat(...)``, ``getFrame()``.

>>> spark.createDataFrame([(1, "open")], "id long, status string").write.json(f"{tmp}/orders/2026-01-01")
>>> source = ctx.getSource("file", paths=[f"{tmp}/orders"], recurse=True)
>>> source.setFormat("json").getFrame().toDF().collect()
[Row(id=1, status='open')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import read_from_options

if TYPE_CHECKING:
    from ..dynamicframe import DynamicFrame
    from ..services import Services


class DataSource:
    """A source by connection type and options (``from_options`` in object form)."""

    def __init__(self, ctx: Services, connection_type: str, transformation_ctx: str = "", **options: Any):
        self.ctx, self.connection_type, self.transformation_ctx = ctx, connection_type, transformation_ctx
        self.options = options
        self.format: str | None = None
        self.format_options: dict[str, Any] = {}

    def setFormat(self, format: str, **options: Any) -> DataSource:
        self.format, self.format_options = format, options
        return self

    def getFrame(self, **kwargs: Any) -> DynamicFrame:
        """Read the source; bookmarked by ``transformation_ctx`` as ``from_options`` is."""
        return read_from_options(
            self.ctx, self.connection_type, self.options, self.format, self.format_options, self.transformation_ctx
        )

    set_format, get_frame = setFormat, getFrame
