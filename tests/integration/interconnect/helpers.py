"""Talking to the interconnect service in tests: import a small network, read links and the gate."""

from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2 as pb
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2_grpc as pb_grpc
from tests.fixtures.services import unary


def network(province_endpoint: str, **cities: str) -> bytes:
    """An import file: the province and the given cities (code=endpoint) under it."""
    lines = ["platforms:", f'  - {{code: HA, name: 中原云, admin_level: province, endpoint: "{province_endpoint}"}}']
    lines += [
        f'  - {{code: {code.replace("_", "-")}, name: 市平台, admin_level: city, parent: HA, endpoint: "{endpoint}"}}'
        for code, endpoint in cities.items()
    ]
    return "\n".join(lines).encode()


def import_network(stub: pb_grpc.InterconnectServiceStub, token: str, content: bytes) -> None:
    unary(stub.ImportPlatforms, pb.ImportPlatformsRequest(content=content), token)


def links(stub: pb_grpc.InterconnectServiceStub, token: str) -> dict[str, pb.Link]:
    return {link.platform_code: link for link in unary(stub.ListLinks, pb.ListLinksRequest(), token).links}


def gate(stub: pb_grpc.InterconnectServiceStub, token: str, code: str) -> pb.CutoverReadiness:
    return unary(stub.CheckCutoverReadiness, pb.CheckCutoverReadinessRequest(code=code), token)
