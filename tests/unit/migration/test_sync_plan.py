"""What a sync still sends into the target's copy: the files the copy lacks or holds otherwise than the source's
manifest says, as sha256sum writes it (names with a backslash or a line break escaped)."""

import hashlib
import importlib.util
import subprocess
from pathlib import Path

from services.migration.adapters.ansible import PLAYBOOKS

_spec = importlib.util.spec_from_file_location(
    "zy_sync_plan", PLAYBOOKS / "roles" / "sync_target" / "library" / "zy_sync_plan.py"
)
assert _spec is not None and _spec.loader is not None
zy_sync_plan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(zy_sync_plan)


def manifest_of(directory: Path) -> str:
    """The manifest sync_source writes, by the same command."""
    command = "find . -type f -print0 | sort -z | xargs -0 -r sha256sum"
    return subprocess.run(command, shell=True, cwd=directory, capture_output=True, text=True, check=True).stdout


def test_names_with_spaces_backslashes_and_line_breaks_are_read_back_as_they_are(tmp_path: Path) -> None:
    names = ["plain.csv", "政务 数据.csv", "back\\slash.csv", "line\nbreak.csv"]
    for name in names:
        (tmp_path / name).write_text(name, encoding="utf-8")

    entries = zy_sync_plan.manifest_entries(manifest_of(tmp_path))

    assert entries == {f"./{name}": hashlib.sha256(name.encode()).hexdigest() for name in names}


def test_the_copy_keeps_what_matches_and_loses_the_rest_and_the_rest_of_the_manifest_is_to_send(
    tmp_path: Path,
) -> None:
    source, copy = tmp_path / "source", tmp_path / "copy"
    for root in (source, copy):
        (root / "archive").mkdir(parents=True)
        (root / "people.csv").write_text("id,name\n1,张三\n", encoding="utf-8")
    (source / "archive" / "2015.csv").write_text("year,count\n2015,3\n", encoding="utf-8")
    (copy / "archive" / "2015.csv").write_text("year,co", encoding="utf-8")  # cut off while unpacked
    (source / "new.csv").write_text("new\n", encoding="utf-8")
    (copy / "gone.csv").write_text("the source deleted it\n", encoding="utf-8")
    (copy / "link").symlink_to(copy / "people.csv")

    to_send, kept, removed = zy_sync_plan.plan(zy_sync_plan.manifest_entries(manifest_of(source)), copy)

    assert to_send == ["./archive/2015.csv", "./new.csv"]
    assert (kept, removed) == (1, 3)
    assert sorted(str(p.relative_to(copy)) for p in copy.rglob("*")) == ["archive", "people.csv"]
