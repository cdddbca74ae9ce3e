"""Two orchestrator replicas never drive the same run; operators can watch a run and roll it back on demand."""

import eventlet
import pytest

from services.migration.service import MigrationService
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from tests.fixtures.services import RUN_DEADLINE_SECONDS, WAVE_DEADLINE_SECONDS, bearer, unary
from tests.integration.migration.conftest import journal

STEPS = ["precheck", "sync", "deploy", "cutover", "verify"]


def shared_postgres(request) -> str:  # type: ignore[no-untyped-def]
    return request.getfixturevalue("postgres_database")()


@pytest.mark.parametrize("landscape", [{"database": shared_postgres}], indirect=True)
def test_two_replicas_on_one_database_run_each_step_once(
    landscape, container_factory, service_config, tokens, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    second = service_config(
        landscape.migration_config["DATABASE_URL"],
        INVENTORY_GRPC_TARGET=landscape.migration_config["INVENTORY_GRPC_TARGET"],
        INTERCONNECT_GRPC_TARGET="127.0.0.1:1",
        SERVICE_TOKEN=tokens.create_token(["sre"]),
        MIGRATION_WORK_DIR=str(tmp_path / "runs-2"),
        MIGRATION_POLL_SECONDS=0.1,
    )
    container_factory(MigrationService, second).start()
    codes = [f"HA-WJW-R{i}" for i in range(3)]
    roots = [landscape.system(code) for code in codes]

    for code in codes:
        landscape.start(code, auto_approve=True)
    runs = [landscape.wait_until_settled(code, timeout=WAVE_DEADLINE_SECONDS) for code in codes]

    for run, root in zip(runs, roots, strict=True):
        assert run.state == "completed", run.error
        assert [(s.name, s.attempt) for s in run.steps] == [(step, 1) for step in STEPS]
        assert journal(root, "target") == [f"{step} attempt=1" for step in STEPS]


def test_watching_a_run_streams_its_progress_and_an_operator_can_roll_it_back(landscape) -> None:  # type: ignore[no-untyped-def]
    root = landscape.system("HA-WJW-GWY")
    run = landscape.start("HA-WJW-GWY")

    call = landscape.migration.WatchMigration(
        pb.GetMigrationRequest(id=run.id), metadata=bearer(landscape.token), timeout=RUN_DEADLINE_SECONDS
    )

    def states_until_approval() -> list[str]:
        states = []
        for update in call:
            states.append(update.state)
            if update.state == "awaiting_approval":
                call.cancel()
                break
        return states

    seen = eventlet.tpool.execute(states_until_approval)

    assert seen[-1] == "awaiting_approval"
    assert {"precheck", "sync", "deploy"} <= set(seen)
    unary(landscape.migration.RollbackMigration, pb.GetMigrationRequest(id=run.id), landscape.token)
    rolled_back = landscape.wait_for_state(run.id, "rolled_back")
    assert [s.name for s in rolled_back.steps][-1] == "rollback"
    assert (root / "source" / "ROUTE").read_text() == "serving=source\n"
