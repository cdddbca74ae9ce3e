"""Who is calling and what they may do: bearer tokens, roles `operator`, `sre`, `department:<code>`.

Tokens are random secrets shown once; only their SHA-256 is stored (they are high-entropy, so no slow hash is needed).
"""

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.columns import UtcDateTime
from services.common.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated

OPERATOR = "operator"
SRE = "sre"
DEPARTMENT = "department:*"  # in a method's allowed roles: any department token
TOKEN_PREFIX = "zy_"
TOKEN_ID_LENGTH = 12
_DEPARTMENT_ROLE = re.compile(r"^department:[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

T = TypeVar("T")


@dataclass(frozen=True)
class Principal:
    roles: frozenset[str]
    name: str = ""  # the token's description: who or what it was issued to
    token_id: str = ""  # the start of the token's hash: names the token in audit records without revealing it

    @property
    def department(self) -> str | None:
        """The organisation code of a department-only caller; None for operators and SREs."""
        if OPERATOR in self.roles or SRE in self.roles:
            return None
        codes = sorted(role.split(":", 1)[1] for role in self.roles if role.startswith("department:"))
        return codes[0] if codes else None

    def may_read(self, organisation_code: str) -> bool:
        return self.department is None or self.department == organisation_code


def validate_role(role: str) -> str:
    if role in (OPERATOR, SRE) or _DEPARTMENT_ROLE.match(role):
        return role
    raise InvalidArgument.field("role", f"{role!r} is not operator, sre or department:<code>")


def authorize(principal: Principal, allowed: Sequence[str], method: str) -> None:
    """Raise PermissionDenied unless one of the principal's roles is among `allowed`."""
    for role in principal.roles:
        if role in allowed or (DEPARTMENT in allowed and role.startswith("department:")):
            return
    raise PermissionDenied(f"{method} needs one of the roles {', '.join(allowed)}")


def bearer_token(metadata: Iterable[tuple[str, str | bytes]]) -> str:
    for key, value in metadata:
        if key.lower() == "authorization":
            text = value.decode() if isinstance(value, bytes) else value
            scheme, _, token = text.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            raise Unauthenticated("authorization metadata must be 'Bearer <token>'")
    raise Unauthenticated("missing authorization metadata: send 'authorization: Bearer <token>'")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AuthBase(DeclarativeBase):
    pass


class ApiToken(AuthBase):
    __tablename__ = "api_token"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    roles: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TokenStore:
    """The table of hashed tokens, shared by every service (AUTH_DATABASE_URL)."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def create_token(self, roles: Sequence[str], description: str = "") -> str:
        if not roles:
            raise InvalidArgument.field("role", "give at least one role")
        checked = sorted({validate_role(role) for role in roles})
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with sa.orm.Session(self._engine) as session, session.begin():
            session.add(
                ApiToken(
                    token_hash=hash_token(token),
                    roles=",".join(checked),
                    description=description,
                    created_at=datetime.now(UTC),
                )
            )
        return token

    def authenticate(self, token: str) -> Principal:
        with sa.orm.Session(self._engine) as session:
            row = session.get(ApiToken, hash_token(token))
        if row is None:
            raise Unauthenticated("unknown or revoked token")
        return Principal(
            roles=frozenset(row.roles.split(",")), name=row.description, token_id=row.token_hash[:TOKEN_ID_LENGTH]
        )


def readable(entity: T | None, organisation_code: str, principal: Principal, what: str) -> T:
    """`entity` if the caller may read its organisation's rows; NOT_FOUND "no <what>" if it is missing or not theirs
    (a department must not learn that another organisation's row exists)."""
    if entity is None or not principal.may_read(organisation_code):
        raise NotFound(f"no {what}")
    return entity
