"""DynamicFrameCollection: named DynamicFrames, as returned by relationalize, split_fields, split_rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..services import Services
    from .frame import DynamicFrame


class DynamicFrameCollection(Mapping):
    """A dict-like set of frames keyed by name.

    >>> from etl_framework import DynamicFrame
    >>> people = DynamicFrame.fromDF(spark.createDataFrame([(1, "Ann")], "id long, name string"), ctx, "people")
    >>> coll = DynamicFrameCollection({"people": people, "orgs": people.select_fields(["id"])}, ctx)
    >>> coll, coll.select("people").count()
    (DynamicFrameCollection(['orgs', 'people']), 1)
    """

    def __init__(self, dynamic_frames: dict[str, DynamicFrame], glue_ctx: Services):
        self._frames = dict(dynamic_frames)
        self.glue_ctx = glue_ctx

    def __getitem__(self, key: str) -> DynamicFrame:
        if key not in self._frames:
            raise KeyError(f"no frame {key!r} in the collection (frames: {sorted(self._frames)})")
        return self._frames[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)

    def select(self, key: str, transformation_ctx: str = "") -> DynamicFrame:
        """The frame named ``key`` (as ``coll[key]``); an unknown key is a KeyError naming the keys.

        >>> from etl_framework import DynamicFrame
        >>> coll = DynamicFrameCollection({"ids": DynamicFrame.fromDF(spark.range(2), ctx, "ids")}, ctx)
        >>> coll.select("ids").count()
        2
        >>> coll.select("people")
        Traceback (most recent call last):
        ...
        KeyError: "no frame 'people' in the collection (frames: ['ids'])"
        """
        return self[key]

    def map(
        self, callable: Callable[[DynamicFrame, str], DynamicFrame], transformation_ctx: str = ""
    ) -> DynamicFrameCollection:
        """Apply ``callable(frame, transformation_ctx)`` to every frame; keys are kept.

        >>> from etl_framework import DynamicFrame
        >>> coll = DynamicFrameCollection({"ids": DynamicFrame.fromDF(spark.range(2), ctx, "ids")}, ctx)
        >>> coll.map(lambda frame, name: frame.rename_field("id", "key"))["ids"].toDF().columns
        ['key']
        """
        return DynamicFrameCollection(
            {k: callable(f, f"{transformation_ctx}_{k}" if transformation_ctx else k) for k, f in self.items()},
            self.glue_ctx,
        )

    def flatmap(
        self, f: Callable[[DynamicFrame, str], DynamicFrame | DynamicFrameCollection], transformation_ctx: str = ""
    ) -> DynamicFrameCollection:
        """Like map, but ``f`` may return a collection, whose frames are all kept (``key_subkey``).

        >>> from etl_framework import DynamicFrame
        >>> coll = DynamicFrameCollection({"ids": DynamicFrame.fromDF(spark.range(4), ctx, "ids")}, ctx)
        >>> coll.flatmap(lambda frame, name: frame.split_rows({"id": {"<": 1}}, "low", "high"))
        DynamicFrameCollection(['ids_high', 'ids_low'])
        """
        out: dict[str, DynamicFrame] = {}
        for key, frame in self.items():
            result = f(frame, f"{transformation_ctx}_{key}" if transformation_ctx else key)
            if isinstance(result, DynamicFrameCollection):
                out.update({f"{key}_{sub}": fr for sub, fr in result.items()})
            else:
                out[key] = result
        return DynamicFrameCollection(out, self.glue_ctx)

    def __repr__(self) -> str:
        return f"DynamicFrameCollection({sorted(self._frames)})"
