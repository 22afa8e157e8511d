"""YARN directly: the run as ``spark-submit --master yarn`` from this machine, which needs only to
reach the ResourceManager (``HADOOP_CONF_DIR`` names the cluster's client configuration).

The package's files are put in ``deploy.stage_dir`` on the cluster's file system first (only those
not there yet, ``cluster_staging``), and the command names them there, so spark-submit uploads none
of them and YARN localizes them into the driver's and executors' containers: the profile travels
with ``--files``, so the launcher finds it in its working folder. spark-submit waits for the
application and reports it (``spark.yarn.submit.waitAppCompletion``); its report lines are followed here.

Nothing in the containers refers to this machine: spark-submit runs without this machine's
``PYTHONPATH`` (Spark's YARN client would pass it on to the containers), and the containers' Python
is the environment archive's.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from ..config import Profile
from ..errors import ConfigError, EtlError
from ..jvm import spark_home
from .cluster_staging import stage_dir
from .command import SparkSubmit
from .package import Package, cache_dir

# YARN's FinalApplicationStatus -> Glue's JobRunState (the ends of an application)
ENDS = {"SUCCEEDED": "SUCCEEDED", "FAILED": "FAILED", "KILLED": "STOPPED"}
_SUBMITTED = re.compile(r"Submitted application (application_\d+_\d+)")
_STATE = re.compile(r"\(state: ([A-Z_]+)\)")
_FINAL = re.compile(r"final status: ([A-Z]+)")
_DIAGNOSTICS = re.compile(r"diagnostics: (.+)")


def uris(package: Package, folder: str) -> tuple[dict[Path, str], list[str]]:
    """Where the command finds each file (in the stage folder ``folder``; the profile by its name
    in the container's working folder) and the ``--files`` YARN localizes there."""
    found = {p: f"{folder}/{p.name}" for p in package.files}
    found[package.profile] = package.profile.name
    return found, [f"{folder}/{package.profile.name}"]


class YarnTarget:
    """One run as a YARN application, submitted and followed by spark-submit."""

    kind = "yarn"

    def __init__(self, profile: Profile):
        self.profile = profile
        if profile.spark.master != "yarn":
            raise ConfigError(f"{profile.source}: target yarn needs spark.master: yarn (got {profile.spark.master})")
        conf_dir = os.environ.get("HADOOP_CONF_DIR") or os.environ.get("YARN_CONF_DIR")
        if not conf_dir or not (Path(conf_dir) / "yarn-site.xml").is_file():
            raise ConfigError(
                f"{profile.source}: target yarn needs HADOOP_CONF_DIR, a folder with the cluster's yarn-site.xml "
                f"and core-site.xml (got {conf_dir or 'none'})"
            )
        self.stage_dir = stage_dir(profile)
        self.app_id: str | None = None
        self.process: subprocess.Popen | None = None
        self.log: Path | None = None

    def requests(self, cmd: SparkSubmit, name: str) -> dict[str, list[str]]:
        return {"spark-submit": [str(spark_home() / "bin" / "spark-submit"), "--master", "yarn", *cmd.argv()]}

    def check(self) -> None:
        return None  # spark-submit reports an unreachable ResourceManager itself

    def submit(self, cmd: SparkSubmit, name: str) -> dict[str, str]:
        """Start spark-submit and wait until YARN has accepted the application."""
        folder = cache_dir() / "yarn"
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / f"{name}-{os.getpid()}.log"
        self.process = subprocess.Popen(
            self.requests(cmd, name)["spark-submit"],
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
            start_new_session=True,  # its own process group: close() stops it alone
        )
        while self.app_id is None:
            text = self.log.read_text(errors="replace")
            if found := _SUBMITTED.search(text):
                self.app_id = found.group(1)
            elif self.process.poll() is not None:
                raise EtlError(
                    f"spark-submit exited with {self.process.returncode} before YARN accepted the run:\n{_tail(text)}"
                )
            else:
                time.sleep(0.2)
        return {"application_id": self.app_id}

    @property
    def label(self) -> str:
        return f"YARN application {self.app_id}"

    def poll(self) -> tuple[str, str | None]:
        assert self.process is not None and self.log is not None
        ended = self.process.poll() is not None
        text = self.log.read_text(errors="replace")
        if not ended:
            states = _STATE.findall(text)
            return (states[-1] if states else "SUBMITTED"), None
        finals = _FINAL.findall(text)
        state = finals[-1] if finals else "FAILED"
        reasons = [r for r in _DIAGNOSTICS.findall(text) if r.strip() not in ("N/A", "")]
        return state, reasons[-1].strip() if reasons else _tail(text, 3)

    def logs(self) -> str:
        return f"`yarn logs -applicationId {self.app_id}` (the containers' logs); spark-submit's output: {self.log}"

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the application goes on; only no longer followed
            self.process.wait()


def _tail(text: str, lines: int = 10) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
