"""Reading catalogue files: every problem is named with its place, and limits are stated."""

import pytest

from services.common.errors import InvalidArgument
from services.inventory.domain import catalog
from services.inventory.domain.catalog import Known, rows_from_csv, rows_from_yaml, validate
from services.inventory.domain.schema import Kind

KNOWN = Known(zones={"ZY-A"}, organisations={"HA-WJW"}, systems={"HA-WJW-JKK"})
HEADER = "record,code,name,organisation,admin_level,mlps_level,system,address,role,depends_on\n"


def violations(data: bytes, reader=rows_from_csv) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as raised:
        validate(reader(data), KNOWN)
    return {v.field: v.reason for v in raised.value.violations}


def test_csv_rows_are_named_by_their_line_number() -> None:
    data = (
        HEADER + "system,HA-WJW-YCHZ,远程会诊,HA-WJW,province,3,,,,\nsystem,ha-lower,小写,HA-WJW,galaxy,,,,,\n"
    ).encode()

    assert violations(data) == {
        "row 3.code": "'ha-lower' is not a code: upper-case letters and digits in dash-separated parts, at most 64 "
        "characters (e.g. HA-WJW-JKK)",
        "row 3.admin_level": "'galaxy' is not one of province, city, county",
        "row 3.mlps_level": "is required",
    }


def test_a_host_of_another_system_is_refused_instead_of_moved() -> None:
    known = Known(zones={"ZY-A"}, organisations={"HA-WJW", "HA-RST"}, systems={"HA-WJW-JKK", "HA-RST-SBK"})
    known.hosts = {"jkk-app-01": "HA-WJW-JKK"}
    data = (HEADER + "host,,jkk-app-01,,,,HA-RST-SBK,10.41.1.5,source,\n").encode()

    with pytest.raises(InvalidArgument) as raised:
        validate(rows_from_csv(data), known)

    assert {v.field: v.reason for v in raised.value.violations} == {
        "row 2.name": "host jkk-app-01 belongs to HA-WJW-JKK; remove it there before adding it here"
    }
    assert validate(rows_from_csv(data.replace(b"HA-RST-SBK", b"HA-WJW-JKK")), known).counts()["host"] == 1


def test_a_host_field_that_would_run_a_command_in_a_playbook_is_refused() -> None:
    header = "record,name,system,address,role,user,root\n"
    data = (header + "host,jkk-app-01,HA-WJW-JKK,10.1.0.11,source,deploy,/srv/{{ lookup('pipe' 'id') }}\n").encode()

    assert violations(data) == {
        "row 2.root": "\"/srv/{{ lookup('pipe' 'id') }}\" is not a path of letters, digits, '.', '_', '-' and '/'"
    }
    assert validate(rows_from_csv(data.replace(b"{{ lookup('pipe' 'id') }}", b"jkk")), KNOWN).counts()["host"] == 1


def test_a_cell_in_a_column_that_does_not_belong_to_the_row_kind_is_an_error() -> None:
    data = (HEADER + "dependency,,,,,,HA-WJW-JKK,10.0.0.1,,HA-WJW-JKK\n").encode()

    found = violations(data)

    assert found["row 2.address"].startswith("is not a field of a dependency row")
    assert found["row 2.depends_on"] == "HA-WJW-JKK cannot depend on itself"


def test_an_unknown_record_kind_is_named() -> None:
    data = (HEADER + "spaceship,X,,,,,,,,\n").encode()

    assert "'spaceship' is not one of zone, organisation" in violations(data)["row 2.(record)"]


def test_a_csv_without_the_record_column_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="must include a 'record' column"):
        rows_from_csv(b"code,name\nA,B\n")


def test_nested_yaml_hosts_and_dependencies_are_named_by_path() -> None:
    data = """
systems:
  - code: HA-WJW-YCHZ
    name: 远程会诊
    organisation: HA-WJW
    admin_level: province
    mlps_level: 2
    hosts: [{name: Bad_Name, address: 10.0.0.1, role: sideways}]
    depends_on: [HA-NOPE]
""".encode()

    assert violations(data, rows_from_yaml) == {
        "systems[1].hosts[1].name": "'Bad_Name' is not a host name: lower-case letters, digits and dashes, at most 63",
        "systems[1].hosts[1].role": "'sideways' is not one of source, target",
        "systems[1].depends_on[1].depends_on": "unknown system HA-NOPE",
    }


def test_malformed_yaml_and_unknown_sections_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="is not valid UTF-8 YAML"):
        rows_from_yaml(b"systems: [unclosed")
    with pytest.raises(InvalidArgument, match=r"unknown sections \['servers'\]"):
        rows_from_yaml(b"servers: []")


def test_an_oversized_file_is_refused_with_the_limit(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument, match="the import limit is 8388608 bytes"):
        rows_from_yaml(b" " * (catalog.MAX_IMPORT_BYTES + 1))


def test_too_many_rows_are_refused_with_the_limit(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(catalog, "MAX_IMPORT_ROWS", 2)

    with pytest.raises(InvalidArgument, match="has 3 rows; the import limit is 2 rows"):
        rows_from_csv((HEADER + "zone,ZY-B,B区,,,,,,,\n" * 3).encode())


def test_references_may_point_at_rows_of_the_same_file() -> None:
    data = """
organisations: [{code: HA-ZZ, name: 郑州市, admin_level: city}]
zones: [{code: ZY-ZZ, name: 郑州专区}]
systems: [{code: HA-ZZ-ZHYL, name: 郑州市智慧医疗云分平台, organisation: HA-ZZ, admin_level: city, mlps_level: 2,
           target_zone: ZY-ZZ, depends_on: [HA-WJW-JKK]}]
""".encode()

    change = validate(rows_from_yaml(data), KNOWN)

    assert change.counts() == {
        "zone": 1,
        "organisation": 1,
        "system": 1,
        "host": 0,
        "database": 0,
        "dependency": 1,
        "data_resource": 0,
    }
    assert change.of(Kind.SYSTEM)[0]["organisation_code"] == "HA-ZZ"
