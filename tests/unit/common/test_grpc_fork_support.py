"""The services fork only to exec a playbook: grpc's fork handlers stay off in them (services/common/runtime)."""

import os
import subprocess
import sys


def test_importing_the_runtime_turns_grpc_fork_support_off_unless_the_environment_says_otherwise() -> None:
    probe = "import os, services.common.runtime; print(os.environ['GRPC_ENABLE_FORK_SUPPORT'])"
    environment = {name: value for name, value in os.environ.items() if name != "GRPC_ENABLE_FORK_SUPPORT"}

    by_default = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True)
    chosen = subprocess.run(
        [sys.executable, "-c", probe],
        env=environment | {"GRPC_ENABLE_FORK_SUPPORT": "true"},
        capture_output=True,
        text=True,
    )

    assert by_default.stdout.strip() == "false", by_default.stderr
    assert chosen.stdout.strip() == "true", chosen.stderr
