"""``awsglue.transforms``: every transform class (``from awsglue.transforms import *``) and ``ALL_TRANSFORMS``."""

from etl_framework.transforms import *  # noqa: F403 - the module's public names are the shim's
from etl_framework.transforms import ALL_TRANSFORMS
from etl_framework.transforms import __all__ as _names

__all__ = [*_names, "ALL_TRANSFORMS"]
