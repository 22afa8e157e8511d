"""A real AWS API endpoint for tests: moto in server mode on a free loopback port.

boto3 (and Spark's S3A, and delta-rs) talk HTTP to it exactly as to AWS, so the Glue Data Catalog
backend and S3 are tested through their real client code. ``stop()`` shuts the server down.

    >>> server = MotoServer().start()  # doctest: +SKIP
    >>> boto3.client("glue", endpoint_url=server.url, region_name="us-east-1").get_databases()  # doctest: +SKIP
    >>> server.stop()  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

from moto.server import ThreadedMotoServer

from tests.spark_cluster import free_port

REGION = "us-east-1"


@dataclass
class MotoServer:
    port: int = 0  # 0: a free one
    _server: ThreadedMotoServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        self.port = self.port or free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop()
