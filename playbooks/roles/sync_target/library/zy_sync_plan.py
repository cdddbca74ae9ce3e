"""zy_sync_plan: on the target, which of the source's files a sync must still send into the copy being built.

The copy (`directory`) holds what an earlier attempt unpacked before it was cut off, and hard links to the data of the
last sync. A file is kept when the source has a file of that name with the same permissions, modification time and
SHA-256; a directory when the source has a directory there. Everything else goes: the stream brings the source's
version, or the source no longer has it. The manifest's files not kept are written to `send_list`, NUL-separated, for
the source's `tar --null -T -`.

Removing rather than overwriting matters: a kept file shares its inode with the target's data (which nothing writes
to before cutover), and tar must never write into it.
"""

from __future__ import annotations  # the hosts' Python may be as old as 3.8

import hashlib
import os
import re
import shutil
import stat
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule

CHUNK = 1 << 20
ESCAPED = re.compile(rb"\\(.)")
UNESCAPE = {b"n": b"\n", b"r": b"\r", b"\\": b"\\"}


def manifest_entries(text: bytes) -> dict[str, str]:
    """sha256sum's lines (`HASH  ./path`) as {path: hash}. A line starting with a backslash has its name escaped
    (a backslash, a line feed or a carriage return); any other character, line breaks of other kinds included, is
    part of the name as it is."""
    entries = {}
    for line in text.split(b"\n"):
        if not line:
            continue
        if line.startswith(b"\\"):
            digest, name = line[1:65], ESCAPED.sub(lambda m: UNESCAPE.get(m.group(1), m.group(1)), line[67:])
        else:
            digest, name = line[:64], line[66:]
        entries[os.fsdecode(name)] = digest.decode("ascii").lower()
    return entries


def file_attributes(listing: bytes) -> dict[str, tuple[int, int]]:
    """`find -type f -printf '%m %T@ %p\\0'` as {path: (permissions, whole seconds of the modification time)}: what
    tar gives a file it unpacks."""
    found = {}
    for record in listing.split(b"\0"):
        if record:
            mode, mtime, name = record.split(b" ", 2)
            found[os.fsdecode(name)] = (int(mode, 8), int(float(mtime)))
    return found


def names(listing: bytes) -> set[str]:
    return {os.fsdecode(name) for name in listing.split(b"\0") if name}


def plan(
    hashes: dict[str, str], attributes: dict[str, tuple[int, int]], directories: set[str], copy: Path
) -> tuple[list[str], int, int]:
    """Remove from `copy` what the source does not have as it is; the paths still to send, and how many files were
    kept and entries removed."""
    kept, removed = set(), 0
    for top, dirs, files in os.walk(copy):
        for name in list(dirs):
            path = Path(top, name)
            if path.is_symlink() or _relative(path, copy) not in directories:
                _remove(path)
                dirs.remove(name)
                removed += 1
        for name in files:
            path = Path(top, name)
            relative = _relative(path, copy)
            if _same_file(path, relative, hashes, attributes):
                kept.add(relative)
            else:
                path.unlink()
                removed += 1
    return sorted(set(hashes) - kept), len(kept), removed


def _relative(path: Path, copy: Path) -> str:
    return "./" + path.relative_to(copy).as_posix()


def _same_file(path: Path, relative: str, hashes: dict[str, str], attributes: dict[str, tuple[int, int]]) -> bool:
    if relative not in hashes or relative not in attributes:
        return False
    status = path.lstat()
    if not stat.S_ISREG(status.st_mode):
        return False
    if (stat.S_IMODE(status.st_mode), int(status.st_mtime)) != attributes[relative]:
        return False
    return _sha256(path) == hashes[relative]  # read last: the data may be terabytes


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink()
    else:
        shutil.rmtree(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        chunk = data.read(CHUNK)
        while chunk:
            digest.update(chunk)
            chunk = data.read(CHUNK)
    return digest.hexdigest()


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "manifest": {"type": "path", "required": True},
            "files": {"type": "path", "required": True},
            "directories": {"type": "path", "required": True},
            "copy": {"type": "path", "required": True},
            "send_list": {"type": "path", "required": True},
        },
        supports_check_mode=False,
    )
    params = module.params
    to_send, kept, removed = plan(
        manifest_entries(Path(params["manifest"]).read_bytes()),
        file_attributes(Path(params["files"]).read_bytes()),
        names(Path(params["directories"]).read_bytes()),
        Path(params["copy"]),
    )
    Path(params["send_list"]).write_bytes(b"".join(os.fsencode(path) + b"\0" for path in to_send))
    module.exit_json(changed=removed > 0, to_send=len(to_send), kept=kept, removed=removed)


if __name__ == "__main__":
    main()
