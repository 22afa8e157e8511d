"""Deploying jobs to EMR-like services: ``etl package`` builds the artefacts, ``etl run --env
PROFILE`` with a ``deploy.target`` stages them (S3; YARN: the cluster's file system), submits the
run and follows it.

* ``package``: the content-addressed artefacts (framework and jobs zip, Glue shim, launcher,
  profile, the framework's and the job's packages as a venv-pack archive);
* ``staging``: the upload under ``deploy.s3_prefix`` (only files not there yet);
* ``cluster_staging``: YARN's: the files put in ``deploy.stage_dir`` on the cluster's file system;
* ``command``: the spark-submit arguments, every file where it is staged;
* ``emr``, ``serverless``, ``yarn``: the targets (an EMR step; an EMR Serverless job run; a YARN application);
* ``follow``: polling to the end; ``run``: the whole run, and ``--dry-run``'s API requests.
"""

from .package import Package, build
from .run import deploy_run, dry_run

__all__ = ["Package", "build", "deploy_run", "dry_run"]
