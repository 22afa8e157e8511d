"""A private PostgreSQL server for tests: ``initdb`` + ``pg_ctl`` on a free loopback port.

The cluster lives in a temporary directory owned by the ``postgres`` user (PostgreSQL refuses to
run as root, so when the tests run as root the server commands run through ``runuser``). Trust
authentication on 127.0.0.1; ``stop()`` shuts the server down and removes the directory::

    server = PostgresServer().start()
    server.psql("CREATE TABLE t (id int primary key)")
    server.stop()
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.spark_cluster import free_port

JDBC_JAR = "/usr/share/java/postgresql.jar"
INSTALL_HINT = "run `make services` (Debian packages postgresql and libpostgresql-jdbc-java)"


def postgres_bin() -> Path:
    """The bin folder of the newest installed PostgreSQL; a clear error when there is none."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError(f"PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/pg_ctl): {INSTALL_HINT}")
    if not os.path.exists(JDBC_JAR):
        raise RuntimeError(f"PostgreSQL JDBC driver not found ({JDBC_JAR}): {INSTALL_HINT}")
    return Path(found[-1]).parent


@dataclass
class PostgresServer:
    database: str = "etl_test"
    user: str = "postgres"
    port: int = 0
    workdir: Path | None = None
    bin: Path = field(default_factory=postgres_bin)

    @property
    def url(self) -> str:
        return f"jdbc:postgresql://127.0.0.1:{self.port}/{self.database}"

    @property
    def options(self) -> dict[str, str]:
        """Connection options for ``from_options(connection_type="postgresql", ...)``."""
        return {"url": self.url, "user": self.user, "password": ""}

    def _as_owner(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse root
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    def start(self) -> PostgresServer:
        self.workdir = Path(tempfile.mkdtemp(prefix="etl-pg-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam(self.user)
            os.chown(self.workdir, owner.pw_uid, owner.pw_gid)
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name
        self.port = free_port()
        data, log = self.workdir / "data", self.workdir / "server.log"
        init = self._as_owner("initdb", "-D", str(data), "-U", self.user, "-A", "trust", "-E", "UTF8", "--no-sync")
        if init.returncode:
            self.stop()
            raise RuntimeError(f"initdb failed ({init.returncode}):\n{init.stdout}{init.stderr}")
        server_options = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        started = self._as_owner("pg_ctl", "-D", str(data), "-l", str(log), "-o", server_options, "-w", "start")
        if started.returncode:
            text = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            self.stop()
            raise RuntimeError(f"pg_ctl start failed ({started.returncode}):\n{started.stdout}{started.stderr}{text}")
        self.psql(f"CREATE DATABASE {self.database}", database="postgres")
        return self

    def psql(self, sql: str, database: str | None = None) -> str:
        """Run SQL with ``psql`` over TCP; returns its unaligned, tuples-only output."""
        proc = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
            + ["-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", database or self.database, "-c", sql],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if proc.returncode:
            raise RuntimeError(f"psql failed ({proc.returncode}) on {sql!r}:\n{proc.stderr}")
        return proc.stdout.strip()

    def stop(self) -> None:
        if self.workdir is None:
            return
        if (self.workdir / "data" / "postmaster.pid").exists():
            self._as_owner("pg_ctl", "-D", str(self.workdir / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir = None
