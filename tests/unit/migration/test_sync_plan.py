"""What a sync still sends into the target's copy: the files the copy lacks or holds otherwise than the source has
them (content, permissions, time), read from the lists sync_source writes, with the same commands."""

import hashlib
import importlib.util
import os
import subprocess
from pathlib import Path

from services.migration.adapters.ansible import PLAYBOOKS

_spec = importlib.util.spec_from_file_location(
    "zy_sync_plan", PLAYBOOKS / "roles" / "sync_target" / "library" / "zy_sync_plan.py"
)
assert _spec is not None and _spec.loader is not None
zy_sync_plan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(zy_sync_plan)


def listed(directory: Path, command: str) -> bytes:
    return subprocess.run(command, shell=True, cwd=directory, capture_output=True, check=True).stdout


def manifest_of(directory: Path) -> bytes:
    return listed(directory, "find . -type f -print0 | sort -z | xargs -0 -r sha256sum")


def plan(source: Path, copy: Path) -> tuple[list[str], int, int]:
    return zy_sync_plan.plan(
        zy_sync_plan.manifest_entries(manifest_of(source)),
        zy_sync_plan.file_attributes(listed(source, r"find . -type f -printf '%m %T@ %p\0'")),
        zy_sync_plan.names(listed(source, "find . -type d -print0")),
        copy,
    )


def test_names_sha256sum_escapes_or_not_are_read_back_as_they_are(tmp_path: Path) -> None:
    names = ["plain.csv", "政务 数据.csv", "C:\\new\\report.csv", "line\nbreak.csv", "form\x0cfeed.csv", "cr\rhere"]
    for name in names:
        (tmp_path / name).write_text(name, encoding="utf-8")

    entries = zy_sync_plan.manifest_entries(manifest_of(tmp_path))

    assert entries == {f"./{name}": hashlib.sha256(name.encode()).hexdigest() for name in names}


def same_tree(source: Path, copy: Path) -> None:
    """`copy` as tar makes it of `source`: the same files with their permissions and times."""
    copy.mkdir()
    subprocess.run(f"tar -cf - -C '{source}' . | tar -xpf - -C '{copy}'", shell=True, check=True)


def test_the_copy_keeps_what_the_source_has_as_it_is_and_loses_the_rest(tmp_path: Path) -> None:
    source, copy = tmp_path / "source", tmp_path / "copy"
    for directory in ("archive", "old/empty", "becomes-file", "becomes-link"):
        (source / directory).mkdir(parents=True)
    for name in ("people.csv", "secret.csv", "archive/2015.csv", "new.csv"):
        (source / name).write_text(f"{name}\n", encoding="utf-8")
    same_tree(source, copy)
    (copy / "archive" / "2015.csv").write_text("arch", encoding="utf-8")  # cut off while it was unpacked
    (copy / "stray.csv").write_text("the source deleted it\n", encoding="utf-8")
    (copy / "link").symlink_to(copy / "people.csv")
    os.chmod(source / "secret.csv", 0o600)  # only its permissions changed
    for gone in ("old/empty", "old", "becomes-file", "becomes-link"):
        (source / gone).rmdir()
    (source / "becomes-file").write_text("a file now\n", encoding="utf-8")
    (source / "becomes-link").symlink_to("archive")
    (copy / "new.csv").unlink()

    to_send, kept, removed = plan(source, copy)

    assert to_send == ["./archive/2015.csv", "./becomes-file", "./new.csv", "./secret.csv"]
    assert (kept, removed) == (1, 7)
    assert sorted(str(p.relative_to(copy)) for p in copy.rglob("*")) == ["archive", "people.csv"]
