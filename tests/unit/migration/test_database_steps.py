"""What a step's playbook gets and gives for the system's databases: credential files and what it measured."""

import json
import stat
from pathlib import Path

import pytest

from services.migration.adapters.database_steps import database_variables, measured_downtime, measured_lag
from services.migration.adapters.secrets import SecretError, SecretsDirectory
from services.migration.domain.model import ReplicationLag
from services.migration.ports import DatabaseInfo

PASSWORD = 'p:a\\ss"wörd'


def a_database(name: str, engine: str) -> DatabaseInfo:
    return DatabaseInfo(name, engine, "10.0.0.5", 3306, "jkk", "10.1.0.5", 3306, "jkk", "HA-WJW-JKK/admin")


@pytest.fixture
def secrets(tmp_path: Path) -> SecretsDirectory:
    (tmp_path / "secrets" / "HA-WJW-JKK").mkdir(parents=True)
    (tmp_path / "secrets" / "HA-WJW-JKK" / "admin").write_text(f"zy_admin\n{PASSWORD}\n", encoding="utf-8")
    return SecretsDirectory(tmp_path / "secrets")


def test_each_database_gets_a_private_credential_file_in_its_engines_form_and_no_password_in_its_variables(
    secrets: SecretsDirectory, tmp_path: Path
) -> None:
    staging = tmp_path / "staging"
    databases = [a_database("jkk-main", "mariadb"), a_database("jkk-pg", "postgresql")]

    variables = database_variables(databases, secrets, staging)

    assert [v["user"] for v in variables] == ["zy_admin", "zy_admin"]
    assert PASSWORD not in json.dumps(variables)
    option_file, passfile = staging / "credentials" / "jkk-main", staging / "credentials" / "jkk-pg"
    assert option_file.read_text(encoding="utf-8") == '[client]\nuser="zy_admin"\npassword="p:a\\\\ss\\"wörd"\n'
    assert passfile.read_text(encoding="utf-8") == '*:*:*:zy_admin:p\\:a\\\\ss"wörd\n'
    assert {stat.S_IMODE(path.stat().st_mode) for path in (option_file, passfile)} == {0o600}


def test_a_database_without_a_secrets_directory_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="no secrets directory"):
        database_variables([a_database("jkk-main", "mariadb")], None, tmp_path / "staging")
    assert not (tmp_path / "staging").exists()


def write(staging: Path, name: str, content: dict) -> None:  # type: ignore[type-arg]
    (staging / "databases").mkdir(parents=True, exist_ok=True)
    (staging / "databases" / name).write_text(json.dumps(content), encoding="utf-8")


def test_the_lag_is_the_worst_of_the_databases(tmp_path: Path) -> None:
    write(tmp_path, "a.lag.json", {"lag_seconds": 1.5, "lag_transactions": 12, "lag_bytes": None})
    write(tmp_path, "b.lag.json", {"lag_seconds": 0.0, "lag_transactions": None, "lag_bytes": 4096})
    assert measured_lag(tmp_path) == ReplicationLag(seconds=1.5, transactions=12, bytes=4096)
    assert measured_lag(tmp_path / "nothing") is None


def test_the_downtime_runs_from_the_first_freeze_to_the_last_target_taking_writes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.cutover.json",
        {"frozen_at": "2016-06-30T08:00:00+00:00", "writable_at": "2016-06-30T08:00:01.5+00:00"},
    )
    write(
        tmp_path,
        "b.cutover.json",
        {"frozen_at": "2016-06-30T08:00:00.5+00:00", "writable_at": "2016-06-30T08:00:02.25+00:00"},
    )
    assert measured_downtime(tmp_path) == 2.25
    assert measured_downtime(tmp_path / "nothing") is None
