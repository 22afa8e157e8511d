from pathlib import Path

import pytest

from etl_framework.config import load_profile
from etl_framework.crawler import load_crawler
from etl_framework.errors import ConfigError

from .conftest import ROOT


@pytest.fixture(autouse=True)
def _conf_dir(monkeypatch):
    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("name", ["local", "standalone", "emr", "emr-serverless", "yarn"])
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
        ConfigError,
        match=r"nope\.yaml: profile file not found \(profiles in .*: emr, emr-serverless, local, standalone, yarn\)",
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


def test_duplicate_keys_are_refused_naming_file_and_line(tmp_path):
    path = write(tmp_path, "spark:\n  master: local\n  conf:\n    spark.jars: a.jar\n    spark.jars: b.jar\n")
    with pytest.raises(ConfigError, match=r"p\.yaml, line 5: key 'spark\.jars' is given twice \(also on line 4\)"):
        load_profile(path)
    with pytest.raises(ConfigError, match=r"--set spark\.conf=\{a: 1, a: 2\}: .*key 'a' on line 1 is given twice"):
        load_profile("local", sets=["spark.conf={a: 1, a: 2}"])
    crawler = tmp_path / "orders.yaml"
    crawler.write_text("database: sales\ntargets:\n  - path: /data/orders\ndatabase: shop\n")
    with pytest.raises(ConfigError, match=r"orders\.yaml, line 4: key 'database' is given twice \(also on line 1\)"):
        load_crawler(str(crawler))
    # a merge key overrides on purpose
    merged = write(tmp_path, "base: &b {master: local, app_name: x}\nspark:\n  <<: *b\n  app_name: y\n")
    with pytest.raises(ConfigError, match="unknown key 'base'"):  # parsed: the merge was accepted
        load_profile(merged)


def test_secret_names_extend_the_built_in_list(tmp_path):
    profile = load_profile(write(tmp_path, "spark:\n  master: local\nsecret_names: [pin, dsn]\n"))
    assert profile.secret_names[-2:] == ("pin", "dsn") and "password" in profile.secret_names
    with pytest.raises(ConfigError, match=r"key 'secret_names' must be a list of non-empty strings"):
        load_profile("local", sets=["secret_names=[1]"])
