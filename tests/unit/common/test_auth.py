import pytest

from services.common.auth import DEPARTMENT, OPERATOR, SRE, Principal, authorize, bearer_token, validate_role
from services.common.errors import InvalidArgument, PermissionDenied, Unauthenticated


def principal(*roles: str) -> Principal:
    return Principal(frozenset(roles))


def test_a_method_admits_only_the_roles_it_declares() -> None:
    authorize(principal(OPERATOR), [OPERATOR], "RegisterSystem")
    with pytest.raises(PermissionDenied, match="RegisterSystem needs one of the roles operator"):
        authorize(principal(SRE), [OPERATOR], "RegisterSystem")


def test_any_department_token_matches_the_department_wildcard() -> None:
    authorize(principal("department:HA-WJW"), [OPERATOR, DEPARTMENT], "ListSystems")
    with pytest.raises(PermissionDenied):
        authorize(principal("department:HA-WJW"), [OPERATOR, SRE], "CountSystems")


def test_a_department_principal_reads_only_its_own_organisation() -> None:
    department = principal("department:HA-WJW")
    assert department.department == "HA-WJW"
    assert department.may_read("HA-WJW")
    assert not department.may_read("HA-RST")
    assert principal(OPERATOR).may_read("HA-RST")


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ([], "missing authorization metadata"),
        ([("authorization", "Basic abc")], "must be 'Bearer <token>'"),
        ([("authorization", "Bearer ")], "must be 'Bearer <token>'"),
    ],
)
def test_a_missing_or_malformed_bearer_token_is_unauthenticated(metadata, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Unauthenticated, match=reason):
        bearer_token(metadata)


def test_the_bearer_token_is_read_from_metadata() -> None:
    assert bearer_token([("user-agent", "grpc"), ("authorization", "Bearer zy_abc")]) == "zy_abc"


@pytest.mark.parametrize("role", ["admin", "department:", "department:a b", "OPERATOR"])
def test_unknown_roles_are_refused(role: str) -> None:
    with pytest.raises(InvalidArgument, match="role"):
        validate_role(role)
