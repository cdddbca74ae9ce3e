"""zyctl's interconnect commands against the running service: import, list, share, gate, and links --watch."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.services import eventually
from tests.integration.interconnect.helpers import network

ZYCTL = str(Path(sys.executable).parent / "zyctl")


@pytest.fixture
def cli_env(interconnect, interconnect_config, operator_token, tmp_path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    config = tmp_path / "zyctl.json"
    config.write_text(
        json.dumps({"token": operator_token, "targets": {"interconnect": interconnect_config["GRPC_BIND_ADDRESS"]}})
    )
    return dict(os.environ, ZYCTL_CONFIG=str(config), COLUMNS="200")


def zyctl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ZYCTL, *args], env=env, capture_output=True, text=True, timeout=60)


def test_import_list_share_and_gate(cli_env, listeners, tmp_path) -> None:
    web = listeners.http()
    file = tmp_path / "platforms.yaml"
    file.write_bytes(network(web.http_url, HA_ZZ=web.http_url))

    imported = zyctl(cli_env, "platforms", "import", str(file), "-o", "json")
    shared = zyctl(
        cli_env,
        "share",
        "add",
        "--code",
        "HA-ZZ-RK",
        "--name",
        "郑州市人口基础信息",
        "--platform",
        "HA-ZZ",
        "--every",
        "1d",
        "-o",
        "json",
    )

    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert json.loads(imported.stdout)["counts"][0] == {"kind": "platform", "created": 2}
    assert shared.returncode == 0, shared.stdout + shared.stderr
    assert json.loads(shared.stdout)["schedule_seconds"] == "86400"
    listed = json.loads(zyctl(cli_env, "platforms", "list", "--level", "city", "-o", "json").stdout)
    assert [p["code"] for p in listed] == ["HA-ZZ"]
    assert [r["code"] for r in json.loads(zyctl(cli_env, "share", "list", "-o", "json").stdout)] == ["HA-ZZ-RK"]
    ready = eventually(lambda: (done := zyctl(cli_env, "gate", "HA-ZZ")).returncode == 0 and done, "HA-ZZ ready")
    assert "HA-ZZ: ready" in ready.stdout and "exchanged on time" in ready.stdout
    bad = zyctl(cli_env, "share", "add", "--code", "HA-ZZ-X", "--name", "x", "--platform", "HA-ZZ", "--every", "soon")
    assert bad.returncode == 2 and "not seconds or a duration" in bad.stderr


def test_a_gate_that_is_not_ready_says_why_and_exits_1(cli_env, tmp_path) -> None:
    file = tmp_path / "platforms.yaml"
    file.write_bytes(network("tcp://127.0.0.1:9", HA_ZZ="http://exchange.nowhere.invalid/health"))
    zyctl(cli_env, "platforms", "import", str(file))

    down = eventually(
        lambda: "is down since" in (done := zyctl(cli_env, "gate", "HA-ZZ")).stdout and done, "HA-ZZ down"
    )

    assert down.returncode == 1
    assert "HA-ZZ: not ready" in down.stdout and "cannot resolve host exchange.nowhere.invalid" in down.stdout
    missing = zyctl(cli_env, "gate", "HA-NOPE-1")
    assert missing.returncode == 1 and missing.stderr.startswith("NOT_FOUND")


def test_links_watch_shows_each_change(cli_env, listeners, tmp_path) -> None:
    web = listeners.http()
    file = tmp_path / "platforms.yaml"
    file.write_bytes(network(web.http_url, HA_ZZ=web.http_url))
    zyctl(cli_env, "platforms", "import", str(file))
    watch = subprocess.Popen(
        [ZYCTL, "links", "--watch", "--interval", "0.2", "-o", "json"], env=cli_env, stdout=subprocess.PIPE, text=True
    )
    try:

        def zhengzhou_becomes(state: str) -> bool:
            rows = {row["platform_code"]: row for row in json.loads(watch.stdout.readline())}  # type: ignore[union-attr]
            return rows["HA-ZZ"].get("state") == state

        eventually(lambda: zhengzhou_becomes("LINK_STATE_UP"), "zyctl to show HA-ZZ up")
        web.stop()
        eventually(lambda: zhengzhou_becomes("LINK_STATE_DOWN"), "zyctl to show HA-ZZ down")
    finally:
        watch.terminate()
        watch.wait(10)
    shown = json.loads(zyctl(cli_env, "platforms", "show", "HA-ZZ", "-o", "json").stdout)
    assert [c["state"] for c in shown["history"]] == ["LINK_STATE_DOWN", "LINK_STATE_UP"]
