"""`zyctl auth create-token` against a real auth database."""

import os
import subprocess
import sys
from pathlib import Path

from services.common.auth import TokenStore
from services.common.engines import create_engine

ZYCTL = str(Path(sys.executable).parent / "zyctl")


def create_token(database_url: str, *roles: str) -> subprocess.CompletedProcess:
    args = [arg for role in roles for arg in ("--role", role)]
    env = dict(os.environ, AUTH_DATABASE_URL=database_url)
    return subprocess.run([ZYCTL, "auth", "create-token", *args], env=env, capture_output=True, text=True, timeout=60)


def test_a_created_token_authenticates_with_its_roles_and_only_its_hash_is_stored(database_url: str) -> None:
    created = create_token(database_url, "sre", "department:HA-WJW")

    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    engine = create_engine(database_url)
    assert TokenStore(engine).authenticate(token).roles == {"sre", "department:HA-WJW"}
    with engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT token_hash, roles FROM api_token").all()
    assert token not in str(stored)


def test_an_unknown_role_is_refused_and_nothing_is_stored(database_url: str) -> None:
    refused = create_token(database_url, "admin")

    assert refused.returncode == 2
    assert "'admin' is not operator, sre or department:<code>" in refused.stderr
    with create_engine(database_url).connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM api_token").scalar() == 0
