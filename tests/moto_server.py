"""A real AWS API endpoint for tests: moto in server mode on a free loopback port.

boto3 (and Spark's S3A, and delta-rs) talk HTTP to it exactly as to AWS, so the Glue Data Catalog
backend and S3 are tested through their real client code. ``stop()`` shuts the server down::

    server = MotoServer().start()
    boto3.client("glue", endpoint_url=server.url, region_name="us-east-1").get_databases()
    server.stop()

``MotoServer(separate_process=True)`` runs it in a child process, for clients that block this
process's Python threads while they wait on the server (delta-rs commits, which froze a server
thread here for minutes).
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

from moto.server import ThreadedMotoServer

from tests.spark_cluster import free_port

REGION = "us-east-1"


@dataclass
class MotoServer:
    port: int = 0  # 0: a free one
    separate_process: bool = False
    _server: ThreadedMotoServer | None = None
    _process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        self.port = self.port or free_port()
        if not self.separate_process:
            self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
            self._server.start()
            return self
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
                return self
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"moto server on port {self.port} did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self._server:
            self._server.stop()
        if self._process:
            self._process.terminate()
            self._process.wait(timeout=10)
