"""Anyone who can reach a gRPC port can be refused: the audit trail keeps a share of those refusals per host."""

import grpc
import sqlalchemy as sa

from services.common.audit import AuditRecordRow
from services.common.engines import create_engine
from services.inventory.service import InventoryService
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as pb
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as pb_grpc
from tests.fixtures.metrics_page import scraped
from tests.fixtures.services import refused_code

SHARE = 5


def test_unauthenticated_refusals_beyond_a_hosts_share_are_counted_not_recorded(
    container_factory, service_config, channel_to, tokens, tmp_path
) -> None:
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    config = service_config(url, AUDIT_ANONYMOUS_REFUSALS_PER_MINUTE=SHARE)
    container_factory(InventoryService, config).start()
    stub = pb_grpc.InventoryServiceStub(channel_to(config["GRPC_BIND_ADDRESS"]))
    organisation = pb.Organisation(code="HA-FLOOD", name="洪水", admin_level=pb.ADMIN_LEVEL_PROVINCE)

    codes = {refused_code(stub.CreateOrganisation, organisation, token) for token in [None, "zy_unknown"] * 15}
    wrong_role = refused_code(stub.CreateOrganisation, organisation, tokens.create_token(["sre"], "洪水 sre"))

    with create_engine(url).connect() as connection:
        rows = connection.execute(sa.select(AuditRecordRow.outcome, AuditRecordRow.actor_name)).all()
    assert codes == {grpc.StatusCode.UNAUTHENTICATED} and wrong_role is grpc.StatusCode.PERMISSION_DENIED
    assert sorted(rows) == [("PERMISSION_DENIED", "洪水 sre")] + [("UNAUTHENTICATED", "")] * SHARE
    unrecorded = "zhongyuan_audit_refusals_unrecorded_total"
    assert scraped(f"http://{config['WEB_SERVER_ADDRESS']}/metrics", unrecorded, method="CreateOrganisation") == 25
