"""``etl run --watch``: one process, one session, a rerun on every save of the job or a module it imports."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from etl_framework.cli import main

from .conftest import ETL, ROOT, set_args

JOB = """\
from pathlib import Path

import helper


def main(ctx, args):
    n = ctx.spark_session.range(3).count()
    Path(args["out"]).write_text(f"{{helper.LABEL}}:{{n * {factor}}}")
"""
BROKEN = "def main(ctx, args):\n    raise ValueError('broken on purpose')\n"


def _save(path: Path, text: str) -> None:
    """As editors save: a temporary file renamed over the original."""
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text)
    os.replace(tmp, path)


class _Output:
    """The lines a process prints, read as they come."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, lines in ((proc.stdout, self.out), (proc.stderr, self.err)):
            threading.Thread(target=lambda s=stream, ls=lines: ls.extend(s), daemon=True).start()

    def summaries(self, count: int, timeout: float = 180) -> list[str]:
        """The first ``count`` summary lines, once the loop waits again after the last of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = [line for line in self.out if line.startswith("etl run summary:")]
            waiting = sum("etl run --watch: waiting for a save" in line for line in self.err)
            if len(got) >= count and waiting >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"no summary {count} in time:\n{''.join(self.out)}{''.join(self.err[-30:])}")


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the session's JVM)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_watch_reruns_on_saves_of_the_job_and_its_modules_and_ends_on_ctrl_c(tmp_path, dirs):
    jobs, out = tmp_path / "jobs", tmp_path / "out.txt"
    jobs.mkdir()
    job, helper = jobs / "tiny.py", jobs / "helper.py"
    job.write_text(JOB.format(factor=1))
    helper.write_text("LABEL = 'one'\n")
    env = {**os.environ, "ETL_CONF_DIR": str(ROOT / "conf")}
    cmd = [*ETL, "run", "jobs/tiny.py", "--watch", *set_args(dirs), "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        output = _Output(proc)
        assert "status=SUCCEEDED" in output.summaries(1)[0] and out.read_text() == "one:3"
        jvms = _children(proc.pid)
        assert jvms, "the session's JVM runs under the etl process"

        _save(job, BROKEN)  # a failing run prints its error; the loop goes on
        failed = output.summaries(2)[1]
        assert "status=FAILED" in failed and "error='ValueError: broken on purpose'" in failed

        _save(job, JOB.format(factor=2))  # the job's new code
        assert "status=SUCCEEDED" in output.summaries(3)[2] and out.read_text() == "one:6"

        _save(helper, "LABEL = 'two'\n")  # a project module the job imports
        assert "status=SUCCEEDED" in output.summaries(4)[3] and out.read_text() == "two:6"
        assert "etl run --watch: jobs/helper.py saved" in "".join(output.err)
        assert len({line.split("run_id=")[1].split()[0] for line in output.summaries(4)}) == 4  # four runs

        proc.send_signal(signal.SIGINT)  # between runs: a clean end
        assert proc.wait(timeout=60) == 0
        assert "etl run --watch: stopped" in "".join(output.err) and "KeyboardInterrupt" not in "".join(output.err)
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() for pid in jvms) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(Path(f"/proc/{pid}").exists() for pid in jvms), "the JVM outlived etl run --watch"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_watch_needs_a_local_profile(capsys, monkeypatch):
    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    assert main(["run", "jobs/sample_orders.py", "--env", "standalone", "--watch"]) == 2
    err = capsys.readouterr().err
    assert "--watch: profile " in err and "standalone.yaml runs jobs on spark://127.0.0.1:7077" in err
    assert "needs a local profile (spark.master: local[...])" in err
