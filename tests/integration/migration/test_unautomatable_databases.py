"""A system whose database has no automated path is refused at start, alone or in a wave, with the reason the
inventory's answer gives: never a silent file copy of a running database."""

from datetime import UTC, datetime, timedelta

import grpc
import pytest

from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from tests.fixtures.services import unary

REASON = (
    "HA-RST-JB2 cannot be migrated here: rst-jb2-db (oracle) needs a vendor tool or a manual runbook: no automated path"
)
JB2 = """
organisations: [{{code: HA-RST, name: 河南省人力资源和社会保障厅, admin_level: province}}]
systems:
  - code: HA-RST-JB2
    name: 金保工程二期核心业务系统
    organisation: HA-RST
    admin_level: province
    mlps_level: 2
    target_zone: ZY-A
    rollback_contact: 赵丽娟
    hosts:
      - {{name: rst-jb2-src, address: 127.0.0.1, role: source, connection: local, root: '{root}/source'}}
      - {{name: rst-jb2-dst, address: 127.0.0.1, role: target, connection: local, root: '{root}/target'}}
    databases:
      - {{name: rst-jb2-db, engine: oracle, source_host: 10.41.3.20, source_database: JB2, target_host: 10.200.12.20,
          credential: HA-RST-JB2/app}}
"""


def refusal(call, request, token: str) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as raised:
        unary(call, request, token)
    assert raised.value.code() is grpc.StatusCode.FAILED_PRECONDITION, raised.value.details()
    return raised.value


def test_starting_a_system_with_an_oracle_database_is_refused_naming_database_and_engine(landscape) -> None:  # type: ignore[no-untyped-def]
    landscape.seed(JB2.format(root=landscape.hosts_root / "HA-RST-JB2"))

    refused = refusal(
        landscape.migration.StartMigration,
        pb.StartMigrationRequest(system_code="HA-RST-JB2", auto_approve=True),
        landscape.token,
    )

    assert refused.details() == REASON
    listed = unary(landscape.migration.ListMigrations, pb.ListMigrationsRequest(), landscape.token)
    assert [run.system_code for run in listed.runs] == []


def test_a_wave_holding_it_is_planned_but_does_not_start(landscape) -> None:  # type: ignore[no-untyped-def]
    landscape.seed(JB2.format(root=landscape.hosts_root / "HA-RST-JB2"))
    landscape.system("HA-WJW-JKK")
    request = pb.CreateWaveRequest(name="第一批", systems=["HA-WJW-JKK", "HA-RST-JB2"], concurrency=2)
    request.window_start.FromDatetime(datetime.now(UTC))
    request.window_end.FromDatetime(datetime.now(UTC) + timedelta(days=2))
    unary(landscape.migration.CreateWave, request, landscape.token)

    refused = refusal(landscape.migration.StartWave, pb.GetWaveRequest(id="第一批"), landscape.token)

    assert refused.details() == REASON
    wave = unary(landscape.migration.GetWave, pb.GetWaveRequest(id="第一批"), landscape.token)
    assert wave.state == "planned"
