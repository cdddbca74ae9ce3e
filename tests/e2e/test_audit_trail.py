"""The audit trail end to end: a mutating call, whatever its outcome, leaves a record in its service's database, on
zhongyuan.audit.events.v1, in monitoring's ListAuditRecords and in `zyctl audit list`; a read leaves none; no record
holds a token."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.timestamp_pb2 import Timestamp

from services.common.audit import AuditRecordRow
from services.common.auth import hash_token
from services.common.engines import create_engine
from services.common.events import AUDIT_EVENTS, CALL_RECORDED, decode_event
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inv_grpc
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as mon
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as mon_grpc
from tests.e2e.conftest import RunningStack
from tests.fixtures.services import eventually, read_topic, refused_code, unary

ZYCTL = str(Path(sys.executable).parent / "zyctl")
ORG = "HA-SJ"
BAD_CATALOGUE = b"organisations:\n  - {code: not a code, name: x, admin_level: nowhere}\n"
WRITES = {"CreateOrganisation": "OK", "ImportCatalog": "INVALID_ARGUMENT", "RetireOrganisation": "PERMISSION_DENIED"}


@dataclass(frozen=True)
class Calls:
    """What the module's calls were made with, and when."""

    operator: str
    sre: str
    started: datetime
    ended: datetime


@pytest.fixture(scope="module")
def calls(module_stack: RunningStack) -> Calls:
    """One successful write, one refused import, one write with the wrong role, and two reads."""
    operator = module_stack.token("operator", "审计 operator")
    sre = module_stack.token("sre", "审计 sre")
    inventory = module_stack.stub("inventory", inv_grpc.InventoryServiceStub)
    started = datetime.now(UTC)
    organisation = inv.Organisation(code=ORG, name="河南省审计厅", admin_level=inv.ADMIN_LEVEL_PROVINCE)
    assert unary(inventory.CreateOrganisation, organisation, operator).code == ORG
    bad_import = inv.ImportCatalogRequest(content=BAD_CATALOGUE)
    assert refused_code(inventory.ImportCatalog, bad_import, operator) is grpc.StatusCode.INVALID_ARGUMENT
    retire = inv.GetByCodeRequest(code=ORG)
    assert refused_code(inventory.RetireOrganisation, retire, sre) is grpc.StatusCode.PERMISSION_DENIED
    assert unary(inventory.GetOrganisation, inv.GetByCodeRequest(code=ORG), sre).code == ORG
    assert unary(inventory.ListOrganisations, inv.ListOrganisationsRequest(), operator).organisations
    return Calls(operator, sre, started, datetime.now(UTC))


def inventory_rows(module_stack: RunningStack) -> list[dict[str, Any]]:
    url = f"sqlite:///{module_stack.stack.var_dir / 'inventory.db'}"
    with create_engine(url).connect() as connection:
        rows = connection.execute(sa.select(AuditRecordRow.__table__).order_by(AuditRecordRow.at))
        return [dict(row._mapping) for row in rows]


def test_every_write_is_recorded_in_its_services_database_whatever_its_outcome(module_stack, calls) -> None:
    rows = {row["method"]: row for row in inventory_rows(module_stack)}

    assert {method: row["outcome"] for method, row in rows.items()} == WRITES
    created, imported, retired = rows["CreateOrganisation"], rows["ImportCatalog"], rows["RetireOrganisation"]
    assert (created["actor_name"], created["actor_token_id"]) == ("审计 operator", hash_token(calls.operator)[:12])
    assert (retired["actor_name"], retired["actor_roles"]) == ("审计 sre", "sre")
    assert created["service"] == "inventory" and created["target"] == f"code={ORG}" and created["error"] == ""
    request = {"code": ORG, "name": "河南省审计厅", "admin_level": "ADMIN_LEVEL_PROVINCE"}
    assert json.loads(created["request_json"]) == request
    assert "organisations[1].code" in imported["error"]  # rows count from 1
    assert json.loads(imported["request_json"])["content"].startswith(f"<{len(BAD_CATALOGUE)} bytes sha256:")
    assert "operator" in retired["error"]
    for row in rows.values():
        assert row["peer"].startswith(("ipv4:127.0.0.1:", "ipv6:")), row["peer"]
        assert calls.started <= row["at"].replace(tzinfo=UTC) <= calls.ended


def test_a_read_leaves_no_record(module_stack, calls) -> None:
    methods = [row["method"] for row in inventory_rows(module_stack)]

    assert sorted(methods) == sorted(WRITES)  # GetOrganisation and ListOrganisations were called too


@pytest.fixture(scope="module")
def audit_topic(module_stack: RunningStack, calls: Calls) -> list[Any]:
    """The audit topic's records, read once: each new reader group has to join, which Tansu makes slow."""
    ids = {row["id"] for row in inventory_rows(module_stack)}
    return read_topic(
        module_stack.stack.broker.bootstrap,
        AUDIT_EVENTS,
        lambda found: ids <= {dict(r.headers).get("ce_id", b"").decode() for r in found},
        "the three audit events",
    )


def test_each_record_is_announced_on_the_audit_topic(audit_topic) -> None:
    events = [decode_event(r.value, r.headers) for r in audit_topic if r.key == b"inventory"]
    assert {e.type for e in events} == {CALL_RECORDED}
    assert {e.payload.record.method: e.payload.record.outcome for e in events} == WRITES  # type: ignore[attr-defined]
    assert all(e.id == e.payload.record.id for e in events)  # type: ignore[attr-defined]


def list_records(module_stack: RunningStack, token: str, **filters: Any) -> mon.ListAuditRecordsResponse:
    monitoring = module_stack.stub("monitoring", mon_grpc.MonitoringServiceStub)
    return unary(monitoring.ListAuditRecords, mon.ListAuditRecordsRequest(**filters), token)


def test_monitoring_keeps_the_records_and_filters_them(module_stack, calls) -> None:
    def methods(**filters: Any) -> list[str]:
        return [r.method for r in list_records(module_stack, calls.sre, service="inventory", **filters).records]

    eventually(lambda: len(methods()) == 3, "monitoring to receive the three audit records", timeout=60)

    assert methods() == ["RetireOrganisation", "ImportCatalog", "CreateOrganisation"]  # newest first
    assert methods(outcome="ERROR") == ["RetireOrganisation", "ImportCatalog"]
    assert methods(outcome="PERMISSION_DENIED") == ["RetireOrganisation"]
    assert methods(method="ImportCatalog") == ["ImportCatalog"]
    assert methods(actor=hash_token(calls.operator)[:12]) == ["ImportCatalog", "CreateOrganisation"]
    assert methods(actor="审计 sre") == ["RetireOrganisation"]
    later = calls.ended + timedelta(seconds=1)
    assert methods(since=_stamp(later)) == []
    assert methods(until=_stamp(later), since=_stamp(calls.started)) == methods()
    assert list_records(module_stack, calls.sre, service="migration").records == []


def test_monitoring_pages_through_the_records(module_stack, calls) -> None:
    eventually(
        lambda: len(list_records(module_stack, calls.operator, service="inventory").records) == 3, "three records"
    )
    seen, token = [], ""
    while True:
        page = list_records(module_stack, calls.operator, service="inventory", page_size=2, page_token=token)
        seen += [r.id for r in page.records]
        if not (token := page.next_page_token):
            break
    assert seen == [r.id for r in list_records(module_stack, calls.operator, service="inventory").records]


def test_a_bad_outcome_filter_is_refused_naming_the_field(module_stack, calls) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        list_records(module_stack, calls.sre, outcome="MAYBE")
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "outcome" in raised.value.details()


def zyctl(module_stack: RunningStack, token: str, *args: str) -> subprocess.CompletedProcess:
    config = module_stack.stack.var_dir / "zyctl-audit.json"
    config.write_text(json.dumps(module_stack.stack.cli_config(token)))
    env = dict(os.environ, ZYCTL_CONFIG=str(config), COLUMNS="200")
    return subprocess.run([ZYCTL, *args], env=env, capture_output=True, text=True, timeout=60)


def test_zyctl_lists_the_audit_trail(module_stack, calls) -> None:
    eventually(lambda: len(list_records(module_stack, calls.sre, service="inventory").records) == 3, "three records")

    failures = ("audit", "list", "--service", "inventory", "--outcome", "error", "-o", "json")
    listed = zyctl(module_stack, calls.operator, *failures)

    assert listed.returncode == 0, listed.stdout + listed.stderr
    records = json.loads(listed.stdout)
    assert [(r["method"], r["outcome"]) for r in records] == [
        ("RetireOrganisation", "PERMISSION_DENIED"),
        ("ImportCatalog", "INVALID_ARGUMENT"),
    ]
    assert records[1]["actor"]["name"] == "审计 operator" and records[0]["target"] == f"code={ORG}"
    future = (calls.ended + timedelta(minutes=5)).isoformat()
    assert json.loads(zyctl(module_stack, calls.sre, "audit", "list", "--since", future, "-o", "json").stdout) == []
    table = zyctl(module_stack, calls.sre, "audit", "list", "--method", "CreateOrganisation")
    assert table.returncode == 0 and "CreateOrganisation" in table.stdout and "ImportCatalog" not in table.stdout


def test_a_department_may_not_read_the_audit_trail(module_stack, calls) -> None:
    department = module_stack.token("department:HA-SJ")

    listed = zyctl(module_stack, department, "audit", "list", "-o", "json")

    assert listed.returncode == 1 and "PERMISSION_DENIED" in listed.stderr


def test_no_record_holds_a_token(module_stack, calls, audit_topic) -> None:
    eventually(lambda: len(list_records(module_stack, calls.sre, service="inventory").records) == 3, "three records")
    served = list_records(module_stack, calls.sre).SerializeToString()
    stored = json.dumps(inventory_rows(module_stack), default=str, ensure_ascii=False)
    shown = zyctl(module_stack, calls.sre, "audit", "list", "-o", "json").stdout

    for token in (calls.operator, calls.sre):
        secret = token.removeprefix("zy_")
        assert secret not in stored and secret not in shown and hash_token(token) not in stored
        assert secret.encode() not in served and all(secret.encode() not in (r.value or b"") for r in audit_topic)


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp
