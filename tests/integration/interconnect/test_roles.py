"""Who may do what over gRPC: writes need an operator; a department sees only its own platform."""

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2 as pb
from tests.fixtures.services import refused_code, unary
from tests.integration.interconnect.helpers import import_network, links, network
from tools.stack import free_port

CLOSED = f"tcp://127.0.0.1:{free_port()}"


def test_a_department_sees_only_its_own_platform(interconnect, operator_token, tokens) -> None:
    import_network(interconnect, operator_token, network(CLOSED, HA_ZZ=CLOSED, HA_LY=CLOSED))
    zhengzhou = tokens.create_token(["department:HA-ZZ"])

    listed = unary(interconnect.ListPlatforms, pb.ListPlatformsRequest(), zhengzhou)
    assert [p.code for p in listed.platforms] == ["HA-ZZ"]
    assert set(links(interconnect, zhengzhou)) == {"HA-ZZ"}
    assert set(links(interconnect, tokens.create_token(["sre"]))) == {"HA", "HA-ZZ", "HA-LY"}
    for method, request in (
        (interconnect.GetPlatform, pb.GetPlatformRequest(code="HA-LY")),
        (interconnect.GetLinkHistory, pb.GetLinkHistoryRequest(platform_code="HA-LY")),
        (interconnect.CheckCutoverReadiness, pb.CheckCutoverReadinessRequest(code="HA-LY")),
    ):
        assert refused_code(method, request, zhengzhou) is grpc.StatusCode.NOT_FOUND
    others = pb.ListSharedResourcesRequest(platform="HA-LY")
    assert refused_code(interconnect.ListSharedResources, others, zhengzhou) is grpc.StatusCode.PERMISSION_DENIED
    own = unary(interconnect.CheckCutoverReadiness, pb.CheckCutoverReadinessRequest(code="HA-ZZ"), zhengzhou)
    assert own.platform_code == "HA-ZZ" and not own.ready


def test_writes_need_an_operator_and_every_call_a_token(interconnect, operator_token, tokens) -> None:
    import_network(interconnect, operator_token, network(CLOSED, HA_ZZ=CLOSED))
    department, sre = tokens.create_token(["department:HA-ZZ"]), tokens.create_token(["sre"])
    platform = pb.Platform(code="HA-LY", name="洛阳", admin_level=pb.ADMIN_LEVEL_CITY, parent="HA", endpoint=CLOSED)
    share = pb.SharedResource(
        code="HA-ZZ-RK", name="人口", platform="HA-ZZ", direction="to_province", schedule_seconds=60
    )

    for token in (department, sre):
        assert refused_code(interconnect.RegisterPlatform, platform, token) is grpc.StatusCode.PERMISSION_DENIED
        assert refused_code(interconnect.ShareResource, share, token) is grpc.StatusCode.PERMISSION_DENIED
        run = pb.ExchangeRun(resource="HA-ZZ-RK", rows=1, checksum="sha256:1")
        assert refused_code(interconnect.RecordExchange, run, token) is grpc.StatusCode.PERMISSION_DENIED
    assert refused_code(interconnect.ListLinks, pb.ListLinksRequest(), None) is grpc.StatusCode.UNAUTHENTICATED
    assert unary(interconnect.RegisterPlatform, platform, operator_token).id


def test_a_bad_import_names_every_bad_field_and_stores_nothing(interconnect, operator_token) -> None:
    content = b"platforms:\n  - {code: HA, name: x, admin_level: province, endpoint: 'ftp://x'}\n  - {code: ha-zz}\n"

    with pytest.raises(grpc.RpcError) as raised:
        unary(interconnect.ImportPlatforms, pb.ImportPlatformsRequest(content=content), operator_token)

    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    [detail] = rpc_status.from_call(raised.value).details  # type: ignore[arg-type, union-attr]
    bad_request = error_details_pb2.BadRequest()
    detail.Unpack(bad_request)
    assert {v.field for v in bad_request.field_violations} >= {
        "platforms[0].endpoint",
        "platforms[1].code",
        "platforms[1].name",
        "platforms[1].endpoint",
    }
    assert unary(interconnect.ListPlatforms, pb.ListPlatformsRequest(), operator_token).platforms == []


def test_an_update_naming_the_platform_with_spaces_around_its_code_answers_with_the_updated_platform(
    interconnect, operator_token
) -> None:
    import_network(interconnect, operator_token, network(CLOSED, HA_ZZ=CLOSED))
    renamed = pb.Platform(
        code=" HA-ZZ ", name="郑州市政务平台", admin_level=pb.ADMIN_LEVEL_CITY, parent="HA", endpoint=CLOSED
    )

    updated = unary(interconnect.UpdatePlatform, renamed, operator_token)

    assert (updated.code, updated.name) == ("HA-ZZ", "郑州市政务平台")
