"""gRPC requests read as catalogue rows, as the import file's rows are."""

from services.inventory.adapters import messages as m
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as pb


def test_a_registration_names_its_organisation_and_level_as_the_catalogue_file_does() -> None:
    request = pb.RegisterSystemRequest(
        code="HA-RST-SBK", organisation_code="HA-RST", admin_level=pb.ADMIN_LEVEL_PROVINCE, mlps_level=3
    )

    assert m.system_values(request) == {
        "code": "HA-RST-SBK",
        "organisation": "HA-RST",
        "admin_level": "province",
        "mlps_level": 3,
    }


def test_an_output_field_of_a_host_is_not_read_as_input() -> None:
    host = pb.Host(id="h-1", name="web-1", role="source")

    assert m.values_of(host, drop=("id",)) == {"name": "web-1", "role": "source"}
