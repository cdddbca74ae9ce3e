"""zyctl's errors: on stderr (never in the file an answer is redirected to), one line naming what is wrong, an exit
code that says whose fault it was."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tools.stack import free_port

ZYCTL = str(Path(sys.executable).parent / "zyctl")


def zyctl(config: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ZYCTL_CONFIG=str(config))
    return subprocess.run([ZYCTL, *args], env=env, capture_output=True, text=True, timeout=60)


def test_an_unreachable_service_is_reported_on_stderr_and_the_csv_on_stdout_stays_empty(tmp_path: Path) -> None:
    config = tmp_path / "zyctl.json"
    config.write_text(json.dumps({"token": "zy_any", "targets": {"inventory": f"127.0.0.1:{free_port()}"}}))

    exported = zyctl(config, "catalog", "export", "--format", "csv")

    assert exported.returncode == 1
    assert exported.stdout == ""
    assert exported.stderr.startswith("UNAVAILABLE")


def test_a_missing_or_broken_settings_file_is_named_without_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")

    missing = zyctl(tmp_path / "missing.json", "systems", "list")
    unreadable = zyctl(broken, "systems", "list")

    assert missing.returncode == 2
    assert missing.stderr.startswith(f"zyctl settings {tmp_path / 'missing.json'}: [Errno 2] No such file")
    assert unreadable.returncode == 2
    assert unreadable.stderr.startswith(f"zyctl settings {broken}: Expecting property name")
    assert "Traceback" not in missing.stderr + unreadable.stderr
