"""DynamicFrame and its building blocks (schema inference, paths, choice resolution, errors)."""

from .errors import ErrorThresholdExceeded
from .frame import DynamicFrame

__all__ = ["DynamicFrame", "ErrorThresholdExceeded"]
