import pytest

from etl_framework import JobArgumentError, get_resolved_options, getResolvedOptions
from etl_framework.runtime.arguments import parse_job_args


def test_named_options_and_reserved_defaults():
    argv = ["script.py", "--JOB_NAME", "orders", "--day", "2026-11-01", "--TempDir", "/tmp/x", "--other", "1"]
    args = get_resolved_options(argv, ["JOB_NAME", "day"])
    assert args["JOB_NAME"] == "orders"
    assert args["day"] == "2026-11-01"
    assert args["TempDir"] == "/tmp/x"
    assert args["job_bookmark_option"] == "job-bookmark-disable"
    assert "other" not in args


def test_glue_alias_is_the_same_function():
    assert getResolvedOptions is get_resolved_options


def test_missing_required_option_is_named():
    with pytest.raises(JobArgumentError, match="--day"):
        get_resolved_options(["s.py", "--JOB_NAME", "x"], ["JOB_NAME", "day"])


def test_no_prefix_abbreviation():
    with pytest.raises(JobArgumentError, match="--source_path"):
        get_resolved_options(["s.py", "--source", "/data"], ["source_path"])


def test_bookmark_option_values_are_checked():
    args = get_resolved_options(["s.py", "--job-bookmark-option", "job-bookmark-enable"], [])
    assert args["job_bookmark_option"] == "job-bookmark-enable"
    with pytest.raises(JobArgumentError, match="job-bookmark-option"):
        get_resolved_options(["s.py", "--job-bookmark-option", "on"], [])


def test_pause_range_needs_both_ends():
    argv = ["s.py", "--job-bookmark-option", "job-bookmark-pause", "--job-bookmark-from", "jr_1"]
    with pytest.raises(JobArgumentError, match="together"):
        get_resolved_options(argv, [])


def test_requesting_a_reserved_name_is_not_a_requirement():
    assert get_resolved_options(["s.py"], ["TempDir"])["TempDir"] is None


def test_parse_job_args_pairs_equals_and_flags():
    assert parse_job_args(["--a", "1", "--b=2", "--flag", "--c", "x y"]) == {
        "a": "1",
        "b": "2",
        "flag": "true",
        "c": "x y",
    }
    with pytest.raises(JobArgumentError, match="'stray'"):
        parse_job_args(["stray"])
