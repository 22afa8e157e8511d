"""DynamicFrameCollection: named DynamicFrames, as returned by relationalize, split_fields, split_rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..services import Services
    from .frame import DynamicFrame


class DynamicFrameCollection(Mapping):
    """A dict-like set of frames keyed by name.

    >>> coll = DynamicFrameCollection({"people": people, "orgs": orgs}, ctx)  # doctest: +SKIP
    >>> coll.select("people").count()  # doctest: +SKIP
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
        return self[key]

    def map(
        self, callable: Callable[[DynamicFrame, str], DynamicFrame], transformation_ctx: str = ""
    ) -> DynamicFrameCollection:
        """Apply ``callable(frame, transformation_ctx)`` to every frame; keys are kept."""
        return DynamicFrameCollection(
            {k: callable(f, f"{transformation_ctx}_{k}" if transformation_ctx else k) for k, f in self.items()},
            self.glue_ctx,
        )

    def flatmap(
        self, f: Callable[[DynamicFrame, str], DynamicFrame | DynamicFrameCollection], transformation_ctx: str = ""
    ) -> DynamicFrameCollection:
        """Like map, but ``f`` may return a collection, whose frames are all kept (``key_subkey``)."""
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
