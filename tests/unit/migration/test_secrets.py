"""Credentials from the secrets directory: resolved only inside it, and no error or repr shows what a file holds."""

import errno
import os
from pathlib import Path

import pytest

from services.migration.adapters.secrets import (
    MAX_FILE_BYTES,
    Credential,
    SecretError,
    SecretsDirectory,
)
from services.migration.settings import settings_from

PASSWORD = "Zy#2016 健康卡!"


@pytest.fixture
def secrets(tmp_path: Path) -> SecretsDirectory:
    root = tmp_path / "secrets"
    (root / "HA-WJW-JKK").mkdir(parents=True)
    (root / "HA-WJW-JKK" / "app").write_text(f"jkk_app\n{PASSWORD}\n", encoding="utf-8")
    return SecretsDirectory(root)


def refusal(secrets: SecretsDirectory, reference: str) -> str:
    with pytest.raises(SecretError) as raised:
        secrets.resolve(reference)
    return str(raised.value)


def test_a_reference_resolves_to_the_user_and_password_its_file_holds(secrets: SecretsDirectory) -> None:
    assert secrets.resolve("HA-WJW-JKK/app") == Credential("jkk_app", PASSWORD)


def test_windows_line_ends_and_a_missing_last_newline_are_read_alike(secrets: SecretsDirectory) -> None:
    (secrets.path / "HA-RST-SBK").write_bytes(b"sbk\r\np@ss word \r\n")
    (secrets.path / "HA-RST-JB2").write_bytes(b"jb2\nsecret")

    assert secrets.resolve("HA-RST-SBK") == Credential("sbk", "p@ss word ")
    assert secrets.resolve("HA-RST-JB2") == Credential("jb2", "secret")


def test_a_credential_never_shows_its_password(secrets: SecretsDirectory) -> None:
    credential = secrets.resolve("HA-WJW-JKK/app")

    for shown in (repr(credential), str(credential), f"{credential}", repr([credential]), repr({"c": credential})):
        assert PASSWORD not in shown and "jkk_app" in shown


def test_a_kubernetes_secret_volume_resolves_through_its_links(tmp_path: Path) -> None:
    # what the kubelet mounts: <dir>/<path> -> ..data/<path>, ..data -> ..<timestamp>
    root = tmp_path / "mounted"
    (root / "..2016_06_30_08_00_00.1" / "HA-WJW-JKK").mkdir(parents=True)
    (root / "..2016_06_30_08_00_00.1" / "HA-WJW-JKK" / "app").write_text("jkk_app\nsecret\n")
    (root / "..data").symlink_to("..2016_06_30_08_00_00.1")
    (root / "HA-WJW-JKK").symlink_to("..data/HA-WJW-JKK")

    assert SecretsDirectory(root).resolve("HA-WJW-JKK/app") == Credential("jkk_app", "secret")


@pytest.mark.parametrize(
    "reference",
    ["../outside", "HA-WJW-JKK/../../outside", "/etc/passwd", "HA-WJW-JKK//app", "./HA-WJW-JKK/app", "HA-WJW-JKK/"],
)
def test_a_reference_out_of_the_directory_is_refused_naming_it(secrets: SecretsDirectory, reference: str) -> None:
    (secrets.path.parent / "outside").write_text("root\nhunter2\n")

    message = refusal(secrets, reference)

    assert f"credential {reference}: leads out of the secrets directory" in message
    assert "hunter2" not in message


def test_a_link_out_of_the_directory_is_refused_without_reading_its_target(secrets: SecretsDirectory) -> None:
    outside = secrets.path.parent / "shadow"
    outside.write_text("root\nhunter2\n")
    (secrets.path / "HA-GAT-RKK").symlink_to(outside)

    message = refusal(secrets, "HA-GAT-RKK")

    assert message == f"credential HA-GAT-RKK: its file links out of the secrets directory {secrets.path}"


def test_a_hidden_name_is_refused(secrets: SecretsDirectory) -> None:
    assert "names a hidden file" in refusal(secrets, "..data/HA-WJW-JKK/app")
    assert "names a hidden file" in refusal(secrets, "HA-WJW-JKK/.app")


@pytest.mark.parametrize("reference", ["app:hunter2", "password=hunter2", "hunter2 x", "mysql://a:hunter2@db/x", "库"])
def test_a_reference_that_may_be_a_secret_itself_is_refused_without_repeating_it(
    secrets: SecretsDirectory, reference: str
) -> None:
    message = refusal(secrets, reference)

    assert "hunter2" not in message and reference not in message
    assert "it is not shown" in message


def test_an_empty_reference_is_refused(secrets: SecretsDirectory) -> None:
    assert "names no credential" in refusal(secrets, "")
    assert "names no credential" in refusal(secrets, "  ")


def test_a_missing_file_directory_or_secrets_directory_is_named(secrets: SecretsDirectory, tmp_path: Path) -> None:
    assert refusal(secrets, "HA-WJW-JKK/dba") == (
        f"credential HA-WJW-JKK/dba: the secrets directory {secrets.path} has no file HA-WJW-JKK/dba"
    )
    assert refusal(secrets, "HA-WJW-JKK") == f"credential HA-WJW-JKK: {secrets.path / 'HA-WJW-JKK'} is not a file"
    nowhere = SecretsDirectory(tmp_path / "nowhere")
    assert refusal(nowhere, "HA-WJW-JKK/app") == (
        f"credential HA-WJW-JKK/app: the secrets directory {nowhere.path} does not exist (MIGRATION_SECRETS_DIR)"
    )


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        (b"", "must hold two lines, the user and then the password, not 0"),
        (b"hunter2\n", "must hold two lines, the user and then the password, not 1"),
        (b"jkk\nhunter2\nhunter3\n", "must hold two lines, the user and then the password, not 3"),
        (b"jkk\n\n", "the password is empty"),
        (b" jkk\nhunter2\n", "the user is empty or has spaces around it"),
        (b"\nhunter2\n", "the user is empty or has spaces around it"),
        ("jkk\nhunter2\xff".encode("latin-1"), "its file is not UTF-8 text"),
        (b"jkk\n" + b"hunter2" * MAX_FILE_BYTES, f"its file is larger than {MAX_FILE_BYTES} bytes"),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused_saying_what_is_wrong_and_not_what_it_holds(
    secrets: SecretsDirectory, content: bytes, cause: str
) -> None:
    (secrets.path / "HA-WJW-JKK" / "app").write_bytes(content)

    message = refusal(secrets, "HA-WJW-JKK/app")

    assert message.startswith("credential HA-WJW-JKK/app: ") and cause in message
    assert "hunter" not in message


def test_an_unreadable_file_is_named_with_the_cause(secrets: SecretsDirectory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def refuse(path: Path, mode: str = "r") -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(Path, "open", refuse)  # as a file mode 0600 of another user is (the tests may run as root)

    assert refusal(secrets, "HA-WJW-JKK/app") == "credential HA-WJW-JKK/app: cannot be read: Permission denied"


def test_the_directory_comes_from_the_setting_or_var_secrets() -> None:
    assert settings_from({"MIGRATION_SECRETS_DIR": "/run/secrets/db"}).secrets_dir == Path("/run/secrets/db")
    assert settings_from({}).secrets_dir == Path("var/secrets")
    assert settings_from({"MIGRATION_SECRETS_DIR": ""}).secrets_dir == Path("var/secrets")
