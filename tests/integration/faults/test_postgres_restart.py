"""PostgreSQL restarted in the middle of a wave: the services recover by themselves and the wave completes, each step
once and none of them interrupted. The server is a private cluster of this test's own — the machine's shared server
serves other tests."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from tests.integration.faults.wave import (
    SYSTEMS,
    assert_each_step_completed_exactly_once,
    assert_every_event_published_and_folded_once,
)
from tools.stack import free_port

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
DATABASES = ("inventory", "migration", "interconnect", "monitoring", "auth")


@dataclass
class PrivatePostgres:
    directory: Path
    port: int

    def run(self, tool: str, *args: str) -> None:
        # initdb and postgres refuse to run as root
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        command = [*as_postgres, str(POSTGRES_BIN / tool), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def pg_ctl(self, action: str, *args: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", action, "-D", str(self.directory / "data"), "-o", options, "-l", str(self.log), "-w", *args)

    @property
    def log(self) -> Path:
        return self.directory / "postgres.log"

    def create_database(self, name: str) -> str:
        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    directory = Path(tempfile.mkdtemp(prefix="zy-faults-pg-"))  # not under tmp_path: the postgres user needs access
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    server = PrivatePostgres(directory, free_port())
    server.run("initdb", "-D", str(directory / "data"), "-U", "postgres", "--auth=trust", "--no-sync")
    server.pg_ctl("start")
    try:
        yield server
    finally:
        server.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(directory, ignore_errors=True)


def test_a_wave_completes_when_postgresql_restarts_under_it(private_postgres, wave_under_fire) -> None:  # type: ignore[no-untyped-def]
    wave = wave_under_fire(SYSTEMS[:2], **{name: private_postgres.create_database(name) for name in DATABASES})
    wave.wait_steps_started(4)
    assert wave.running(), "the wave was over before the restart: the test proves nothing"

    private_postgres.pg_ctl("restart", "-m", "fast")

    finished = wave.wait_finished()
    assert_each_step_completed_exactly_once(wave, finished)
    interrupted = [(r.system_code, s.name) for r in finished.runs for s in r.steps if s.state != "completed"]
    assert interrupted == [], "the restart cost these steps a second attempt"
    assert_every_event_published_and_folded_once(wave)
