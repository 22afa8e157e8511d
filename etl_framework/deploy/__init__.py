"""Deploying jobs to EMR-like services: ``etl package`` builds the artefacts, ``etl run --env
PROFILE`` with a ``deploy.target`` stages them on S3, submits the run and follows it.

* ``package``: the content-addressed artefacts (framework and jobs zip, Glue shim, launcher,
  profile, the job's packages as a venv-pack archive);
* ``staging``: the upload under ``deploy.s3_prefix`` (only files not there yet);
* ``command``: the spark-submit arguments, every file an S3 location;
* ``emr``, ``serverless``: the targets (an EMR step; an EMR Serverless job run);
* ``follow``: polling to the end; ``run``: the whole run, and ``--dry-run``'s API requests.
"""

from .package import Package, build
from .run import deploy_run, dry_run

__all__ = ["Package", "build", "deploy_run", "dry_run"]
