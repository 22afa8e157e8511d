"""EMR on EC2: the run as a step (``command-runner.jar spark-submit ...``) on ``deploy.cluster_id``,
or on a cluster made from ``deploy.cluster`` with ``run_job_flow`` and terminated after it."""

from __future__ import annotations

from typing import Any

from ..config import Profile
from ..errors import ConfigError, EtlError
from .command import SparkSubmit
from .staging import aws_client

# EMR's StepState -> Glue's JobRunState (the ends of a step)
ENDS = {"COMPLETED": "SUCCEEDED", "CANCELLED": "STOPPED", "FAILED": "FAILED", "INTERRUPTED": "FAILED"}
_USABLE = ("STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING")  # steps can be added in these states only
NEW_CLUSTER = "<the id run_job_flow returns>"


class EmrTarget:
    """One run as an EMR step."""

    kind = "emr"

    def __init__(self, profile: Profile):
        self.profile, self.settings = profile, profile.deploy
        self.cluster_id, self.step_id, self.made = self.settings.cluster_id, None, False
        self._client: Any = None
        if not self.cluster_id:
            missing = [
                k for k in ("ReleaseLabel", "Instances", "JobFlowRole", "ServiceRole") if k not in self.settings.cluster
            ]
            if missing:
                raise ConfigError(
                    f"{profile.source}: target emr needs deploy.cluster_id, or a deploy.cluster to make "
                    f"(run_job_flow keys); deploy.cluster lacks {', '.join(missing)}"
                )

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws_client(self.profile, "emr")
        return self._client

    def requests(self, cmd: SparkSubmit, name: str) -> dict[str, dict]:
        """The API requests of the run, by operation name."""
        step = {
            "Name": name,
            "ActionOnFailure": self.settings.action_on_failure,
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["spark-submit", *cmd.argv()]},
        }
        out: dict[str, dict] = {}
        if not self.cluster_id:
            out["RunJobFlow"] = self._cluster_request(name)
        out["AddJobFlowSteps"] = {"JobFlowId": self.cluster_id or NEW_CLUSTER, "Steps": [step]}
        return out

    def _cluster_request(self, name: str) -> dict:
        request = {"Name": f"etl-{name}", "Applications": [{"Name": "Spark"}], **self.settings.cluster}
        if self.settings.log_uri:
            request.setdefault("LogUri", self.settings.log_uri)
        # Kept alive until the step ends, then terminated: its logs and state stay readable meanwhile.
        request["Instances"] = {**request["Instances"], "KeepJobFlowAliveWhenNoSteps": True}
        return request

    def check(self) -> None:
        """The cluster exists and takes steps (before anything is uploaded)."""
        if not self.cluster_id:
            return
        state = self._cluster()["Status"]["State"]
        if state not in _USABLE:
            raise EtlError(f"deploy.cluster_id {self.cluster_id}: the cluster is {state}; steps cannot be added")

    def _cluster(self) -> dict:
        from botocore.exceptions import ClientError

        try:
            return self.client.describe_cluster(ClusterId=self.cluster_id)["Cluster"]
        except ClientError as exc:
            raise EtlError(
                f"deploy.cluster_id {self.cluster_id}: no such EMR cluster in {self.client.meta.region_name} "
                f"({exc.response.get('Error', {}).get('Message')})"
            ) from exc

    def submit(self, cmd: SparkSubmit, name: str) -> dict[str, str]:
        requests = self.requests(cmd, name)
        if "RunJobFlow" in requests:
            self.cluster_id = self.client.run_job_flow(**requests["RunJobFlow"])["JobFlowId"]
            self.made = True
        steps = {**requests["AddJobFlowSteps"], "JobFlowId": self.cluster_id}
        self.step_id = self.client.add_job_flow_steps(**steps)["StepIds"][0]
        return {"cluster_id": self.cluster_id, "step_id": self.step_id}  # type: ignore[dict-item]

    @property
    def label(self) -> str:
        return f"EMR step {self.step_id} on {self.cluster_id}"

    def poll(self) -> tuple[str, str | None]:
        status = self.client.describe_step(ClusterId=self.cluster_id, StepId=self.step_id)["Step"]["Status"]
        details = status.get("FailureDetails") or {}
        reason = details.get("Message") or details.get("Reason") or status.get("StateChangeReason", {}).get("Message")
        return status["State"], reason

    def logs(self) -> str:
        log_uri = self._cluster().get("LogUri")
        if not log_uri:
            return f"the cluster {self.cluster_id} has no LogUri: its step logs stay on the primary node"
        return f"{log_uri.rstrip('/')}/{self.cluster_id}/steps/{self.step_id}/"

    def close(self) -> None:
        if self.made:
            self.client.terminate_job_flows(JobFlowIds=[self.cluster_id])
