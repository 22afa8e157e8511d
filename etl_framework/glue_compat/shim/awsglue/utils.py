"""``awsglue.utils``: ``getResolvedOptions(sys.argv, [...])``; a bad argument raises ``GlueArgumentError``."""

from etl_framework.errors import JobArgumentError
from etl_framework.runtime.arguments import getResolvedOptions

GlueArgumentError = JobArgumentError

__all__ = ["GlueArgumentError", "getResolvedOptions"]
