"""``awsglue.dynamicframe``: DynamicFrame, DynamicFrameCollection and the context's reader and writer."""

from etl_framework.context import DynamicFrameReader, DynamicFrameWriter
from etl_framework.dynamicframe import DynamicFrame, DynamicFrameCollection

__all__ = ["DynamicFrame", "DynamicFrameCollection", "DynamicFrameReader", "DynamicFrameWriter"]
