"""DynamicFrame and its building blocks (schema inference, paths, choice resolution, errors)."""

from .collection import DynamicFrameCollection
from .errors import ErrorThresholdExceeded, Step
from .frame import DynamicFrame

__all__ = ["DynamicFrame", "DynamicFrameCollection", "ErrorThresholdExceeded", "Step"]
