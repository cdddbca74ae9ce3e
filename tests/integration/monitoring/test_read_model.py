"""Monitoring folds inventory events into its read model and shows them on /metrics and over gRPC."""

import grpc
import pytest
import sqlalchemy as sa

from services.common.engines import create_engine
from services.monitoring.handlers import SYSTEMS_CONSUMER
from services.monitoring.service import MonitoringService
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as pb_grpc
from tests.fixtures.inventory_events import registrations, unique_department
from tests.fixtures.metrics_page import scraped
from tests.fixtures.services import eventually, produce, stream, unary


@pytest.fixture
def monitoring(database_url, container_factory, service_config):  # type: ignore[no-untyped-def]
    config = service_config(database_url)
    container_factory(MonitoringService, config).start()
    return config


def processed(database_url: str, ids: list[str]) -> int:
    query = sa.text("SELECT count(*) FROM processed_event WHERE consumer = :c AND event_id IN :ids").bindparams(
        sa.bindparam("ids", expanding=True)
    )
    with create_engine(database_url).connect() as connection:
        return connection.scalar(query, {"c": SYSTEMS_CONSUMER, "ids": ids})


def test_registered_systems_appear_on_metrics_and_redelivery_changes_nothing(
    monitoring, producer, database_url
) -> None:
    department = unique_department()
    metrics = f"http://{monitoring['WEB_SERVER_ADDRESS']}/metrics"
    first = registrations(department, 3)
    produce(producer, *first)
    eventually(
        lambda: scraped(metrics, "zhongyuan_inventory_systems", department=department) == 3,
        f"3 systems of {department} on /metrics",
    )

    later = registrations(department, 1)
    produce(producer, *first, *later)  # the first three again, as a redelivery would bring them

    eventually(lambda: scraped(metrics, "zhongyuan_inventory_systems", department=department) == 4, "the fourth system")
    assert processed(database_url, [e.id for e in first + later]) == 4


def test_counts_over_grpc_respect_the_department(monitoring, producer, tokens, channel_to, operator_token) -> None:
    mine, theirs = unique_department(), unique_department()
    produce(producer, *registrations(mine, 2), *registrations(theirs, 1))
    stub = pb_grpc.MonitoringServiceStub(channel_to(monitoring["GRPC_BIND_ADDRESS"]))
    token = tokens.create_token([f"department:{mine}"])

    def counts(token: str) -> dict[str, int]:
        return {
            c.organisation_code: c.systems for c in unary(stub.CountSystems, pb.CountSystemsRequest(), token).counts
        }

    eventually(lambda: counts(operator_token).get(theirs) == 1 and counts(operator_token).get(mine) == 2, "counts")
    assert counts(token) == {mine: 2}
    with pytest.raises(grpc.RpcError) as denied:
        unary(stub.CountSystems, pb.CountSystemsRequest(organisation_code=theirs), token)
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED
    [watched] = stream(stub.WatchSystemCounts, pb.CountSystemsRequest(), token, count=1)
    assert [(c.organisation_code, c.systems) for c in watched.counts] == [(mine, 2)]
