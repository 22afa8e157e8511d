"""A real Hadoop cluster for tests: HDFS and YARN in one JVM (``tests/MiniCluster.java``) on 127.0.0.1.

Its JARs are Hadoop's ``hadoop-client-minicluster`` at the Hadoop version inside pyspark, and what
it needs beyond Spark's own JARs, fetched once from Maven Central into Ivy's cache through
``etl_framework.packages`` (as ``etl jars`` fetches Spark packages). The launcher is compiled in
memory by Janino, which Spark ships, so a JRE is enough. The cluster's client configuration
(``core-site.xml``, ``yarn-site.xml``) is written to ``conf_dir``, a ``HADOOP_CONF_DIR``.

Container sizes are small (the machine has 2 cores): the NodeManager offers 4 GiB and 4 vcores,
YARN allocates in 128 MiB steps, in one first-come-first-served queue. The JVM runs in its own
process group and is stopped by exactly that id.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from etl_framework.packages import Packages, fetch, hadoop_version, spark_jars_dir

from .spark_cluster import C1_ONLY, free_port

LAUNCHER = Path(__file__).with_name("MiniCluster.java")
_SCHEDULERS = "org.apache.hadoop.yarn.server.resourcemanager.scheduler"
_SPARK_JARS = ("hadoop-client-", "log4j-", "slf4j-", "janino-", "commons-compiler-")


def packages() -> list[str]:
    """What the launcher needs beyond Spark's JARs: the versions Hadoop's own build pins."""
    return [
        f"org.apache.hadoop:hadoop-client-minicluster:{hadoop_version()}",
        "org.junit.jupiter:junit-jupiter-api:5.13.3",  # MiniDFSCluster's asserts
        "org.bouncycastle:bcpkix-jdk18on:1.82",  # the ResourceManager's proxy CA
    ]


def fetch_jars() -> Packages:
    return fetch(packages(), {})


def _settings() -> dict[str, str]:
    loopback = "127.0.0.1:{}".format
    settings = {
        "yarn.minicluster.fixed.ports": "true",  # the addresses below, not the host name's
        "yarn.resourcemanager.hostname": "127.0.0.1",
        "yarn.nodemanager.hostname": "127.0.0.1",
        "yarn.nodemanager.resource.memory-mb": "4096",
        "yarn.nodemanager.resource.cpu-vcores": "4",
        "yarn.scheduler.minimum-allocation-mb": "128",
        "yarn.nodemanager.vmem-check-enabled": "false",  # a JVM reserves far more virtual memory than it uses
        # One queue, first come first served: the capacity scheduler's queues need a file of their own.
        "yarn.resourcemanager.scheduler.class": f"{_SCHEDULERS}.fifo.FifoScheduler",
        "yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage": "100",
    }
    for key in (
        "yarn.resourcemanager.address",
        "yarn.resourcemanager.scheduler.address",
        "yarn.resourcemanager.resource-tracker.address",
        "yarn.resourcemanager.admin.address",
        "yarn.resourcemanager.webapp.address",
        "yarn.nodemanager.address",
        "yarn.nodemanager.localizer.address",
        "yarn.nodemanager.webapp.address",
    ):
        settings[key] = loopback(free_port())
    return settings


def client_env() -> dict[str, str]:
    """This environment without its Python path (the tests' checkout): Spark's YARN client passes
    ``PYTHONPATH`` on to the containers, whose Python must have only what the package brings."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


@dataclass
class MiniYarnCluster:
    workdir: Path
    jars: tuple[str, ...]
    process: subprocess.Popen | None = None
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def conf_dir(self) -> Path:
        return self.workdir / "conf"

    @property
    def log(self) -> Path:
        return self.workdir / "minicluster.log"

    @property
    def hdfs(self) -> str:
        """The NameNode's URI (``hdfs://127.0.0.1:PORT``)."""
        text = (self.conf_dir / "core-site.xml").read_text()
        return re.search(r"<name>fs.defaultFS</name><value>([^<]+)</value>", text).group(1)  # type: ignore[union-attr]

    @property
    def resource_manager(self) -> str:
        """The ResourceManager's REST address (``http://127.0.0.1:PORT``)."""
        return f"http://{self.settings['yarn.resourcemanager.webapp.address']}"

    def env(self) -> dict[str, str]:
        """The environment of a client of this cluster (spark-submit)."""
        return {**client_env(), "HADOOP_CONF_DIR": str(self.conf_dir), "YARN_CONF_DIR": str(self.conf_dir)}

    def start(self, timeout: float = 180) -> MiniYarnCluster:
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        self.settings = _settings()
        spark = spark_jars_dir()
        # Spark's Hadoop client and logging, and Janino: a short class path keeps start-up quick.
        own = [j for j in spark.glob("*.jar") if j.name.startswith(_SPARK_JARS)]
        classpath = ":".join([*self.jars, *map(str, sorted(own))])
        java = shutil.which("java") or "java"
        # The NodeManager starts containers with $JAVA_HOME/bin/java.
        java_home = os.environ.get("JAVA_HOME") or str(Path(os.path.realpath(java)).parent.parent)
        command = [
            java,
            "-Xmx1g",
            C1_ONLY,
            "-Dlog4j2.configurationFile=org/apache/spark/log4j2-defaults.properties",
            f"-Dtest.build.data={self.workdir / 'data'}",
            "-cp",
            classpath,
            "org.codehaus.janino.SimpleCompiler",  # compiles the launcher in memory, then runs its main
            str(LAUNCHER),
            "MiniCluster",
            str(self.conf_dir),
            str(free_port()),
            *(f"{k}={v}" for k, v in self.settings.items()),
        ]
        self.process = subprocess.Popen(
            command,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            env={**client_env(), "JAVA_HOME": java_home},
            start_new_session=True,  # its own process group: we stop it and its children only
        )
        deadline = time.monotonic() + timeout
        while "MiniCluster ready" not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-4000:]
                self.stop()
                raise RuntimeError(f"the Hadoop mini cluster did not start (log {self.log}):\n{tail}")
            time.sleep(0.5)
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the shutdown hook stops YARN, then HDFS
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
