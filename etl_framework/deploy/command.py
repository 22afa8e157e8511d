"""The spark-submit arguments of a deployed run: every file where the package is staged (an S3
location; on YARN directly, in ``deploy.stage_dir`` on the cluster's file system).

EMR steps pass them to ``spark-submit`` through ``command-runner.jar``; EMR Serverless takes the
options as ``sparkSubmitParameters`` and the launcher as ``entryPoint``. The job is named by
module (``--module NAME``): it travels in the framework zip, not as a file on the driver.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..config import Profile
from ..packages import coordinate
from ..runtime.launcher import RunRequest
from ..runtime.modules import JobModule
from ..runtime.submit import launcher_arguments
from .package import ENVIRONMENT, Package

PYTHON = f"./{ENVIRONMENT}/bin/python"


@dataclass(frozen=True)
class SparkSubmit:
    options: list[str]  # --deploy-mode, --conf, --py-files, ...
    entry_point: str  # the launcher's S3 location
    arguments: list[str]  # the launcher's: profile, job, job arguments

    def argv(self) -> list[str]:
        return [*self.options, self.entry_point, *self.arguments]


def spark_submit(
    req: RunRequest,
    job: JobModule,
    profile: Profile,
    package: Package,
    uris: dict[Path, str],
    serverless: bool,
    files: list[str] | None = None,
) -> SparkSubmit:
    """The arguments that run ``job`` from the staged ``package`` (``uris``: file -> its location;
    ``files``: what spark-submit ships to the containers' working folders, ``--files``)."""
    spark = profile.spark
    conf = dict(spark.conf)
    if serverless:  # EMR Serverless sets the interpreters through the driver's and executors' environment
        conf["spark.archives"] = f"{uris[package.env]}#{ENVIRONMENT}"
        conf["spark.emr-serverless.driverEnv.PYSPARK_DRIVER_PYTHON"] = PYTHON
        conf["spark.emr-serverless.driverEnv.PYSPARK_PYTHON"] = PYTHON
        conf["spark.executorEnv.PYSPARK_PYTHON"] = PYTHON
    else:
        conf["spark.pyspark.python"] = PYTHON
        if spark.deploy_mode == "cluster":  # the driver runs in a container that has the archive
            conf["spark.pyspark.driver.python"] = PYTHON
    options = [] if serverless else ["--deploy-mode", spark.deploy_mode]
    options += ["--name", spark.app_name or job.name]
    if spark.packages:  # the cluster fetches them; no JAR of this machine's Ivy cache travels
        options += ["--packages", ",".join(coordinate(p) for p in spark.packages)]
    if not serverless:
        options += ["--archives", f"{uris[package.env]}#{ENVIRONMENT}"]
    for key, value in conf.items():
        options += ["--conf", f"{key}={value}"]
    options += spark.submit_args
    if files:
        options += ["--files", ",".join(files)]
    options += ["--py-files", f"{uris[package.code]},{uris[package.shim]}"]
    # The packaged profile has the overrides applied already: none go on the command line.
    bare = replace(req, sets=[], confs=[])
    arguments = launcher_arguments(bare, job, uris[package.profile], job_on_disk=False)
    return SparkSubmit(options, uris[package.launcher], arguments)
