"""etl_framework's stand-in for AWS Glue's ``awsglue`` package: Glue scripts' imports, resolved to etl_framework.

Not an installed package: ``etl_framework.glue_compat.install()`` puts this folder on ``sys.path``
for ``etl run``, the spark-submit launcher, a notebook or a test (see the README, "Glue scripts as written").
"""

from etl_framework.dynamicframe import DynamicFrame

__all__ = ["DynamicFrame"]
