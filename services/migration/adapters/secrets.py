"""The credentials of the databases a migration moves, from the migration service's secrets directory.

The catalogue names a credential (`HA-WJW-JKK/app`); only the migration service reads it, from
`<MIGRATION_SECRETS_DIR>/<reference>`: a Kubernetes Secret mounted in the migration pods (a projected volume whose
items have paths such as `HA-WJW-JKK/app`), or a file under `var/secrets` for `make run`. The file holds two lines:
the user, then the password. Errors name the reference and what is wrong with it, never what the file holds.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from services.common.errors import FailedPrecondition

SETTING = "MIGRATION_SECRETS_DIR"
MAX_FILE_BYTES = 4096
MAX_REFERENCE = 200
# What the catalogue accepts as a reference (services/inventory/domain/schema.py): names of portable file name
# characters, none hidden, so no `.`, `..` or Kubernetes' own `..data` parts.
REFERENCE_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
SHOWABLE = re.compile(r"^[A-Za-z0-9._/-]+$")


class SecretError(FailedPrecondition):
    """A credential that cannot be had; the message names the reference and the cause, never the file's content."""


@dataclass(frozen=True)
class Credential:
    user: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credential(user={self.user!r}, password=<hidden>)"

    __str__ = __repr__


class SecretsDirectory:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def resolve(self, reference: str) -> Credential:
        """The user and password `reference` names; SecretError naming the reference and what is wrong."""
        name = _checked(reference)
        root = self.path.resolve()
        if not root.is_dir():
            raise SecretError(f"credential {name}: the secrets directory {self.path} does not exist ({SETTING})")
        try:
            found = (root / name).resolve(strict=True)
        except FileNotFoundError:
            raise SecretError(f"credential {name}: the secrets directory {self.path} has no file {name}") from None
        except OSError as error:  # a loop of links, say
            raise SecretError(f"credential {name}: cannot be found: {error.strerror}") from None
        if not found.is_relative_to(root):
            raise SecretError(f"credential {name}: its file links out of the secrets directory {self.path}")
        if not found.is_file():
            raise SecretError(f"credential {name}: {self.path / name} is not a file")
        return _parsed(name, _read(name, found))


def _checked(reference: str) -> str:
    if not reference or not reference.strip():
        raise SecretError("a database names no credential: give a reference into the secrets directory")
    if not SHOWABLE.match(reference) or len(reference) > MAX_REFERENCE:
        # it may be a password written where its name belongs: not repeated
        raise SecretError(
            "a credential reference must be a name of letters, digits, '.', '_', '-' and '/' of at most "
            f"{MAX_REFERENCE} characters (this one is not, so it is not shown)"
        )
    parts = reference.split("/")
    if reference.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise SecretError(f"credential {reference}: leads out of the secrets directory (an absolute path, '.' or '..')")
    if not all(REFERENCE_PART.match(part) for part in parts):
        raise SecretError(f"credential {reference}: names a hidden file (a part starting with '.')")
    return reference


def _read(name: str, path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            content = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise SecretError(f"credential {name}: cannot be read: {error.strerror}") from None
    if len(content) > MAX_FILE_BYTES:
        raise SecretError(f"credential {name}: its file is larger than {MAX_FILE_BYTES} bytes; it holds two lines")
    return content


def _parsed(name: str, content: bytes) -> Credential:
    shape = "its file must hold two lines, the user and then the password"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretError(f"credential {name}: its file is not UTF-8 text; {shape}") from None
    lines = text.split("\n")
    if lines[-1] == "":  # the newline that ends the last line
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    if len(lines) != 2:
        raise SecretError(f"credential {name}: {shape}, not {len(lines)}")
    user, password = lines
    if not user or user != user.strip():
        raise SecretError(f"credential {name}: {shape}; the user is empty or has spaces around it")
    if not password:
        raise SecretError(f"credential {name}: {shape}; the password is empty")
    return Credential(user, password)
