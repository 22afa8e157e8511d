"""Glue's scheduling model: cron schedules (``cron``) and trigger, workflow and job-setting
definitions read from ``conf/`` (``definitions``)."""
