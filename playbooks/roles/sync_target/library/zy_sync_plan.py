"""zy_sync_plan: on the target, which of the source's files a sync must still send into the copy being built.

The copy (`directory`) holds what an earlier attempt unpacked before it was cut off, and links to the data of the last
sync. A file whose SHA-256 matches the source's manifest is kept; any other file is removed (the stream brings the
source's one, or the source no longer has it), and so is anything that is neither a file nor a directory (the stream
brings the source's links again). The manifest's files not kept are written to `send_list`, NUL-separated, for the
source's `tar --null -T -`. Removing rather than overwriting matters: a kept copy's files share their inodes with the
data that is served until the sync ends, and tar must never write into them.
"""

import hashlib
import os
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule

CHUNK = 1 << 20


def manifest_entries(text: str) -> dict[str, str]:
    """sha256sum's lines (`HASH  ./path`) as {path: hash}; a line starting with a backslash has its name escaped."""
    entries = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        escaped = line.startswith("\\")
        digest, name = line[1:65] if escaped else line[:64], line[(67 if escaped else 66) :]
        if escaped:
            name = name.replace("\\n", "\n").replace("\\r", "\r").replace("\\\\", "\\")
        entries[name] = digest.lower()
    return entries


def plan(wanted: dict[str, str], directory: Path) -> tuple[list[str], int, int]:
    """Remove from `directory` what does not match `wanted`; the paths still to send, and how many files were kept
    and removed."""
    kept, removed = set(), 0
    for top, dirs, files in os.walk(directory):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            path = Path(top, name)
            relative = "./" + path.relative_to(directory).as_posix()
            if _regular(path) and relative in wanted and _sha256(path) == wanted[relative]:
                kept.add(relative)
            else:
                path.unlink()
                removed += 1
    return sorted(set(wanted) - kept), len(kept), removed


def _regular(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "manifest": {"type": "path", "required": True},
            "directory": {"type": "path", "required": True},
            "send_list": {"type": "path", "required": True},
        },
        supports_check_mode=False,
    )
    params = module.params
    wanted = manifest_entries(Path(params["manifest"]).read_text(encoding="utf-8", errors="surrogateescape"))
    to_send, kept, removed = plan(wanted, Path(params["directory"]))
    Path(params["send_list"]).write_bytes(b"".join(os.fsencode(path) + b"\0" for path in to_send))
    module.exit_json(changed=removed > 0, to_send=len(to_send), kept=kept, removed=removed)


if __name__ == "__main__":
    main()
