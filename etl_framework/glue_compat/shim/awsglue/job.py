"""``awsglue.job``: ``Job(glueContext)``, ``job.init(name, args)``, ``job.commit()``."""

from etl_framework.job import Job

__all__ = ["Job"]
