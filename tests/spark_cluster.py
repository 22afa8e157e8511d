"""A real Spark standalone cluster (one master, one worker) on 127.0.0.1, for tests.

Started with ``spark-class`` from the pip-installed pyspark, each process in its own process group,
and stopped by exactly those process ids.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from etl_framework.jvm import spark_home

# Every Spark JVM the suite starts compiles with C1 only: on test-sized data C2's compiler threads
# cost more CPU than its code saves (measured on 2 cores: a no-op `etl run` 16.4 -> 9.4 CPU
# seconds, test_transforms.py + test_dynamicframe.py in one process 63 -> 33). Behaviour is the same.
C1_ONLY = "-XX:TieredStopAtLevel=1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class StandaloneCluster:
    workdir: Path
    env: dict[str, str] | None = None  # the processes' environment (default: this one's)
    master_url: str = ""
    processes: list[subprocess.Popen] = field(default_factory=list)

    def _spawn(self, name: str, *args: str) -> tuple[subprocess.Popen, Path]:
        log = self.workdir / f"{name}.log"
        base = os.environ if self.env is None else self.env
        env = {**base, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_WORKER_DIR": str(self.workdir / "work")}
        # The master, the worker and the executors it starts (they inherit its environment).
        env["JAVA_TOOL_OPTIONS"] = f"{env.get('JAVA_TOOL_OPTIONS', '')} {C1_ONLY}".strip()
        proc = subprocess.Popen(
            [str(spark_home() / "bin" / "spark-class"), *args],
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: we stop it and its children only
        )
        self.processes.append(proc)
        return proc, log

    def _wait_for(self, proc: subprocess.Popen, log: Path, text: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in log.read_text(errors="replace"):
                return
            if proc.poll() is not None:
                raise RuntimeError(f"{log.name}: process exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        raise TimeoutError(f"{log.name}: no '{text}' after {timeout}s:\n{log.read_text()[-3000:]}")

    def start(self) -> StandaloneCluster:
        self.workdir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.master_url = f"spark://127.0.0.1:{port}"
        master, master_log = self._spawn(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webui-port",
            str(free_port()),
        )
        self._wait_for(master, master_log, "I have been elected leader")
        worker, worker_log = self._spawn(
            "worker",
            "org.apache.spark.deploy.worker.Worker",
            self.master_url,
            "--host",
            "127.0.0.1",
            "--cores",
            "2",
            "--memory",
            "2g",
            "--webui-port",
            str(free_port()),
        )
        self._wait_for(worker, worker_log, "Successfully registered with master")
        return self

    def stop(self) -> None:
        for proc in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.processes.clear()
