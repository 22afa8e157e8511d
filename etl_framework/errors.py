"""Exceptions raised by etl_framework. Each message names the file, option or record at fault."""


class EtlError(Exception):
    """Base class of every error the framework raises on purpose."""


class ConfigError(EtlError):
    """A profile file, key or command-line override is missing or invalid."""


class JobArgumentError(EtlError):
    """A job argument required by ``get_resolved_options`` is missing or malformed."""


class JobNotFoundError(EtlError):
    """``etl run JOB`` names no file and no importable module."""


class JobFailedError(EtlError):
    """A job raised; carries the job name and the original exception."""
