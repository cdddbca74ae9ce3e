"""The step playbooks parse, pass ansible-lint, and the progress count matches what they contain."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from services.common.runtime.tls import TransportSecurityError
from services.migration.adapters import ansible
from services.migration.adapters.ansible import inventory_for, write_inventory
from services.migration.adapters.playbook_progress import PLAYBOOKS, count_tasks
from services.migration.domain.model import Step
from services.migration.ports import Host

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("step", list(Step))
def test_every_step_playbook_passes_the_syntax_check(step: Step, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), "--syntax-check", "-i", "localhost,", str(PLAYBOOKS / f"{step.value}.yml")],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": f"{BIN}:/usr/bin:/bin",
            "ANSIBLE_ROLES_PATH": str(PLAYBOOKS / "roles"),
            "ANSIBLE_LOCAL_TEMP": str(tmp_path),
            "HOME": str(tmp_path),
        },
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_playbooks_pass_ansible_lint_at_the_production_profile(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "ansible-lint"), "--offline", "--profile", "production", "--nocolor", "."],
        cwd=PLAYBOOKS,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path), "ANSIBLE_LOCAL_TEMP": str(tmp_path)},
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_progress_counts_the_tasks_of_the_roles_each_play_uses() -> None:
    # deploy: journal (2 tasks) + deploy (3 tasks)
    assert count_tasks(Step.DEPLOY) == 5
    # sync: two plays, each with the journal, then 4 source tasks and 9 target tasks; the databases' play includes
    # its engine's tasks once per database (counted as one)
    assert count_tasks(Step.SYNC) == 2 + 4 + 2 + 9 + 1
    # cutover: two plays, each with the journal and the cutover role: a block of 4 tasks and one task after it
    assert count_tasks(Step.CUTOVER) == 1 + (2 + 4 + 1) * 2


def test_the_inventory_groups_hosts_by_role_with_their_connection() -> None:
    inventory = inventory_for(
        [
            Host("jkk-src", "source", "10.20.0.5", "ssh", 2222, "deploy", "/srv/jkk"),
            Host("jkk-dst", "target", "127.0.0.1", "local", root="/tmp/jkk"),
        ]
    )

    source = inventory["all"]["children"]["source"]["hosts"]["jkk-src"]
    target = inventory["all"]["children"]["target"]["hosts"]["jkk-dst"]
    assert (source["ansible_port"], source["ansible_user"], source["zy_root"]) == (2222, "deploy", "/srv/jkk")
    assert target["ansible_connection"] == "local" and "ansible_port" not in target


class UnsafeTagsKept(yaml.SafeLoader):
    """Loads `!unsafe 'x'` as ("unsafe", "x"), so a test can see which values carry the tag."""


UnsafeTagsKept.add_constructor("!unsafe", lambda loader, node: ("unsafe", loader.construct_scalar(node)))


def test_the_written_inventory_marks_every_value_from_the_catalogue_unsafe(tmp_path: Path) -> None:
    host = Host("jkk-src", "source", "10.20.0.5", "ssh", 2222, "deploy", "/srv/{{ x }}", "/usr/bin/python3")

    written = yaml.load(write_inventory([host], tmp_path).read_text(encoding="utf-8"), Loader=UnsafeTagsKept)

    assert written["all"]["children"]["source"]["hosts"]["jkk-src"] == {
        "ansible_host": ("unsafe", "10.20.0.5"),
        "ansible_connection": ("unsafe", "ssh"),
        "ansible_port": 2222,
        "ansible_user": ("unsafe", "deploy"),
        "ansible_python_interpreter": ("unsafe", "/usr/bin/python3"),
        "zy_root": ("unsafe", "/srv/{{ x }}"),
    }


def test_with_known_hosts_only_their_keys_are_trusted(tmp_path: Path) -> None:
    known = tmp_path / "known hosts"

    variables = ansible.ssh_variables(str(tmp_path / "id_ed25519"), str(known), mlps=3)

    assert variables == {
        "ansible_ssh_private_key_file": str(tmp_path / "id_ed25519"),
        "ansible_host_key_checking": True,
        "ansible_ssh_common_args": f"-o UserKnownHostsFile='{known}' -o StrictHostKeyChecking=yes",
    }


def test_without_known_hosts_any_key_is_taken_below_mlps_level_3_and_refused_from_it() -> None:
    assert ansible.ssh_variables("", "", mlps=2) == {}
    with pytest.raises(TransportSecurityError, match="MIGRATION_SSH_KNOWN_HOSTS_FILE is not set: at MLPS level 3"):
        ansible.ssh_variables("", "", mlps=3)
