from pathlib import Path

import pytest

from etl_framework.config import load_profile
from etl_framework.errors import ConfigError

from .conftest import ROOT


@pytest.fixture(autouse=True)
def _conf_dir(monkeypatch):
    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("name", ["local", "standalone", "emr"])
def test_bundled_profiles_are_valid(name):
    profile = load_profile(name)
    assert profile.name == name
    assert profile.spark.master
    assert Path(profile.state_dir).is_absolute() or "://" in profile.state_dir


def test_local_profile_is_in_process_and_standalone_is_not():
    assert load_profile("local").spark.is_local
    assert not load_profile("standalone").spark.is_local


def test_env_interpolation_with_and_without_default(tmp_path, monkeypatch):
    path = write(tmp_path, "spark:\n  master: ${MY_MASTER}\nstate_dir: ${MY_STATE:-/srv/state}\n")
    monkeypatch.setenv("MY_MASTER", "spark://10.0.0.5:7077")
    profile = load_profile(path)
    assert profile.spark.master == "spark://10.0.0.5:7077"
    assert profile.state_dir == "/srv/state"
    monkeypatch.delenv("MY_MASTER")
    with pytest.raises(ConfigError, match=r"p\.yaml: key 'spark.master' refers to \$\{MY_MASTER\}"):
        load_profile(path)


def test_overrides_from_command_line(tmp_path):
    profile = load_profile(
        "local",
        sets=[f"state_dir={tmp_path}/st", "catalog.backend=glue", "spark.master=local[1]"],
        confs=["spark.sql.shuffle.partitions=3", "spark.executor.memory=2g"],
    )
    assert profile.state_dir == f"{tmp_path}/st"
    assert profile.catalog.backend == "glue"
    assert profile.spark.master == "local[1]"
    assert profile.spark.conf["spark.sql.shuffle.partitions"] == "3"
    assert profile.spark.conf["spark.executor.memory"] == "2g"
    # keys of the file not overridden stay as they were
    assert profile.spark.conf["spark.sql.session.timeZone"] == "UTC"


def test_relative_dirs_become_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    profile = load_profile(str(ROOT / "conf" / "local.yaml"), sets=["warehouse_dir=wh"])
    assert profile.warehouse_dir == str(tmp_path / "wh")


def test_unknown_key_names_file_and_key(tmp_path):
    path = write(tmp_path, "spark:\n  master: local\n  mastr: x\n")
    with pytest.raises(ConfigError, match=r"p\.yaml: unknown key 'spark\.mastr'"):
        load_profile(path)


def test_unknown_key_from_set_is_rejected():
    with pytest.raises(ConfigError, match=r"local\.yaml: unknown key 'stat_dir'"):
        load_profile("local", sets=["stat_dir=/x"])


def test_wrong_type_names_key(tmp_path):
    path = write(tmp_path, "spark:\n  master: local\n  conf: [a, b]\n")
    with pytest.raises(ConfigError, match=r"p\.yaml: key 'spark\.conf' must be dict, got list"):
        load_profile(path)


def test_bad_choice_names_key():
    with pytest.raises(ConfigError, match=r"key 'catalog\.backend' must be one of local, hive, glue, got 'oracle'"):
        load_profile("local", sets=["catalog.backend=oracle"])


def test_missing_file_names_file():
    with pytest.raises(
        ConfigError, match=r"nope\.yaml: profile file not found \(profiles in .*: emr, local, standalone\)"
    ):
        load_profile("nope")


def test_missing_master(tmp_path):
    with pytest.raises(ConfigError, match=r"key 'spark\.master' is required"):
        load_profile(write(tmp_path, "state_dir: /x\n"))


def test_malformed_override():
    with pytest.raises(ConfigError, match=r"--set 'state_dir': expected KEY=VALUE"):
        load_profile("local", sets=["state_dir"])


def test_empty_spark_setting_means_unset(monkeypatch):
    monkeypatch.delenv("ETL_SPARK_JARS", raising=False)
    assert "spark.jars" not in load_profile("local").spark.conf
    monkeypatch.setenv("ETL_SPARK_JARS", "/usr/share/java/postgresql.jar")
    assert load_profile("local").spark.conf["spark.jars"] == "/usr/share/java/postgresql.jar"
