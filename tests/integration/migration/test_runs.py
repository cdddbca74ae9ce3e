"""Per-system migrations driven by real ansible-runner playbooks on local-directory hosts."""

import subprocess

import grpc
import pytest
import sqlalchemy as sa

from services.common.engines import create_engine
from services.common.events import RUN_STATE_CHANGED
from services.migration.adapters.ansible import FREE_SPACE_PER_DATA
from services.pb.zhongyuan.migration.v1 import events_pb2 as migration_events
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from tests.fixtures.services import unary
from tests.integration.migration.conftest import journal

STEPS = ["precheck", "sync", "deploy", "cutover", "verify"]


def test_a_rehearsal_runs_every_step_once_and_moves_data_and_traffic(landscape) -> None:  # type: ignore[no-untyped-def]
    root = landscape.system("HA-WJW-JKK")

    landscape.start("HA-WJW-JKK", auto_approve=True)
    run = landscape.wait_until_settled("HA-WJW-JKK")

    assert run.state == "completed", run.error
    assert [(s.name, s.state, s.attempt, s.percent) for s in run.steps] == [(n, "completed", 1, 100) for n in STEPS]
    assert (root / "target" / "data" / "people.csv").read_text(encoding="utf-8") == "id,name\n1,张三\n2,李四\n"
    assert (root / "source" / "ROUTE").read_text().startswith("serving=target")
    assert journal(root, "target") == [
        f"{step} attempt=1" for step in ["precheck", "sync", "deploy", "cutover", "verify"]
    ]


def test_cutover_waits_for_a_named_decision_maker_and_a_rollback_plan(landscape) -> None:  # type: ignore[no-untyped-def]
    landscape.system("HA-WJW-YCHZ")
    landscape.start("HA-WJW-YCHZ")
    assert landscape.wait_until_settled("HA-WJW-YCHZ").state == "awaiting_approval"

    with pytest.raises(grpc.RpcError) as missing_plan:
        unary(
            landscape.migration.ApproveCutover,
            pb.ApproveCutoverRequest(id="HA-WJW-YCHZ", decided_by="王主任"),
            landscape.token,
        )
    assert missing_plan.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as illegal:
        unary(landscape.migration.RetryMigration, pb.GetMigrationRequest(id="HA-WJW-YCHZ"), landscape.token)
    assert illegal.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "it is awaiting_approval" in illegal.value.details()

    approval = pb.ApproveCutoverRequest(
        id="HA-WJW-YCHZ", decided_by="王主任", rollback_plan="回切到原机房，30分钟内完成"
    )
    unary(landscape.migration.ApproveCutover, approval, landscape.token)
    run = landscape.wait_until_settled("HA-WJW-YCHZ")

    assert run.state == "completed" and run.approval.decided_by == "王主任"


def state_change_reasons(database_url: str) -> list[str]:
    """The reasons of the RunStateChanged events the migration service has published (its outbox)."""
    query = sa.text("SELECT payload FROM outbox WHERE ce_type = :type")
    with create_engine(database_url).connect() as connection:
        payloads = connection.scalars(query, {"type": RUN_STATE_CHANGED}).all()
    return [migration_events.RunStateChanged.FromString(payload).reason for payload in payloads]


def test_a_failed_precheck_names_the_task_and_a_retry_resumes_at_the_failed_step(landscape) -> None:  # type: ignore[no-untyped-def]
    root = landscape.system("HA-WJW-DZBL", mlps=3, zone="ZY-HLW")
    landscape.start("HA-WJW-DZBL", auto_approve=True)

    failed = landscape.wait_until_settled("HA-WJW-DZBL")
    assert (failed.state, failed.failed_step) == ("failed", "precheck")
    assert "等保 level 3 needs transport and storage cryptography" in failed.error
    assert "ZY-HLW" in failed.error

    landscape.update_system("HA-WJW-DZBL", mlps_level=3, target_zone="ZY-A")
    unary(landscape.migration.RetryMigration, pb.GetMigrationRequest(id="HA-WJW-DZBL"), landscape.token)
    run = landscape.wait_until_settled("HA-WJW-DZBL")

    assert run.state == "completed", run.error
    assert "retry from precheck" in state_change_reasons(landscape.migration_config["DATABASE_URL"])
    assert journal(root, "target") == [
        "precheck attempt=1",
        "precheck attempt=2",
        "sync attempt=1",
        "deploy attempt=1",
        "cutover attempt=1",
        "verify attempt=1",
    ]


def test_a_failed_verify_rolls_back_by_itself_and_leaves_the_source_serving(landscape) -> None:  # type: ignore[no-untyped-def]
    root = landscape.system("HA-WJW-JYFW")
    landscape.start("HA-WJW-JYFW")
    assert landscape.wait_until_settled("HA-WJW-JYFW").state == "awaiting_approval"
    # the copy drifts from the source before cutover: verify must catch it
    with (root / "target" / "data" / "people.csv").open("a", encoding="utf-8") as drifted:
        drifted.write("3,王五\n")

    unary(
        landscape.migration.ApproveCutover,
        pb.ApproveCutoverRequest(id="HA-WJW-JYFW", decided_by="王主任", rollback_plan="回切"),
        landscape.token,
    )
    run = landscape.wait_until_settled("HA-WJW-JYFW")

    assert run.state == "rolled_back"
    assert run.failed_step == "verify" and "people.csv" in run.error
    assert (root / "source" / "ROUTE").read_text() == "serving=source\n"
    assert not (root / "target" / "current").exists()
    assert (root / "source" / "data" / "people.csv").read_text(encoding="utf-8") == "id,name\n1,张三\n2,李四\n"


def test_precheck_fails_when_a_host_lacks_room_for_the_systems_data(landscape) -> None:  # type: ignore[no-untyped-def]
    root = landscape.system("HA-WJW-YXZX")
    with (root / "source" / "data" / "archive" / "scans.bin").open("wb") as scans:
        scans.truncate(2**42)  # 4 TiB, sparse: no test machine has the room for a copy
    data_kb = int(
        subprocess.run(
            ["du", "-sk", "--apparent-size", str(root / "source" / "data")], capture_output=True, text=True, check=True
        ).stdout.split()[0]
    )

    landscape.start("HA-WJW-YXZX")
    run = landscape.wait_until_settled("HA-WJW-YXZX")

    assert (run.state, run.failed_step) == ("failed", "precheck")
    # the target names what it needs: room for the new copy beside the data of an earlier sync
    needed = data_kb * FREE_SPACE_PER_DATA["target"]
    assert f"{needed} KiB needed for {data_kb} KiB of data" in run.error, run.error
