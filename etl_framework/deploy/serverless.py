"""EMR Serverless: the run as a job run (``start_job_run``) of ``deploy.application_id`` with the
role ``deploy.execution_role_arn``: the launcher is the ``entryPoint``, the spark-submit options
are ``sparkSubmitParameters``."""

from __future__ import annotations

from typing import Any

from ..config import Profile
from ..errors import ConfigError, EtlError
from .command import SparkSubmit
from .staging import aws_client

# EMR Serverless's JobRunState -> Glue's JobRunState (the ends of a job run)
ENDS = {"SUCCESS": "SUCCEEDED", "FAILED": "FAILED", "CANCELLED": "STOPPED"}


class ServerlessTarget:
    """One run as an EMR Serverless job run."""

    kind = "emr-serverless"

    def __init__(self, profile: Profile):
        self.profile, self.settings = profile, profile.deploy
        for key in ("application_id", "execution_role_arn"):
            if not getattr(self.settings, key):
                raise ConfigError(f"{profile.source}: key 'deploy.{key}' is required for target emr-serverless")
        self.job_run_id: str | None = None
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws_client(self.profile, "emr-serverless")
        return self._client

    def requests(self, cmd: SparkSubmit, name: str) -> dict[str, dict]:
        request: dict[str, Any] = {
            "applicationId": self.settings.application_id,
            "executionRoleArn": self.settings.execution_role_arn,
            "name": name,
            "jobDriver": {
                "sparkSubmit": {
                    "entryPoint": cmd.entry_point,
                    "entryPointArguments": cmd.arguments,
                    # Split at spaces by the service, not by a shell: no quoting
                    "sparkSubmitParameters": " ".join(cmd.options),
                }
            },
        }
        if self.settings.log_uri:
            request["configurationOverrides"] = {
                "monitoringConfiguration": {"s3MonitoringConfiguration": {"logUri": self.settings.log_uri}}
            }
        if self.settings.timeout_minutes is not None:
            request["executionTimeoutMinutes"] = max(5, int(self.settings.timeout_minutes))  # the API's minimum
        return {"StartJobRun": request}

    def check(self) -> None:
        """The application exists (before anything is uploaded)."""
        from botocore.exceptions import ClientError

        try:
            state = self.client.get_application(applicationId=self.settings.application_id)["application"]["state"]
        except ClientError as exc:
            raise EtlError(
                f"deploy.application_id {self.settings.application_id}: no such EMR Serverless application in "
                f"{self.client.meta.region_name} ({exc.response.get('Error', {}).get('Message')})"
            ) from exc
        if state in ("STOPPING", "TERMINATED"):
            raise EtlError(f"deploy.application_id {self.settings.application_id}: the application is {state}")

    def submit(self, cmd: SparkSubmit, name: str) -> dict[str, str]:
        from botocore.exceptions import ClientError

        try:
            self.job_run_id = self.client.start_job_run(**self.requests(cmd, name)["StartJobRun"])["jobRunId"]
        except ClientError as exc:  # a role of another account, a stopped application, ...
            error = exc.response.get("Error", {})
            raise EtlError(f"EMR Serverless refused the job run: {error.get('Code')}: {error.get('Message')}") from exc
        return {"application_id": self.settings.application_id, "job_run_id": self.job_run_id}  # type: ignore[dict-item]

    @property
    def label(self) -> str:
        return f"EMR Serverless job run {self.job_run_id} of {self.settings.application_id}"

    def poll(self) -> tuple[str, str | None]:
        run = self.client.get_job_run(applicationId=self.settings.application_id, jobRunId=self.job_run_id)["jobRun"]
        return run["state"], run.get("stateDetails") or None

    def logs(self) -> str:
        if not self.settings.log_uri:
            return "no deploy.log_uri: the logs are in the application's managed storage (EMR Studio)"
        return (
            f"{self.settings.log_uri.rstrip('/')}/applications/{self.settings.application_id}/jobs/{self.job_run_id}/"
        )

    def close(self) -> None:
        return None
