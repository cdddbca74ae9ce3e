"""The command lines sync's stream is built of: a host's variables as Ansible has them → the shell words that run a
command there."""

import importlib.util
import shlex

from services.migration.adapters.ansible import PLAYBOOKS, ssh_variables

_spec = importlib.util.spec_from_file_location("remote_shell", PLAYBOOKS / "filter_plugins" / "remote_shell.py")
assert _spec is not None and _spec.loader is not None
remote_shell_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(remote_shell_module)
remote_shell = remote_shell_module.remote_shell

TAR = "tar -czf - -C '/srv/政务 云/data' ."


def test_a_local_host_runs_the_command_through_bash() -> None:
    line = remote_shell({"ansible_connection": "local", "ansible_host": "127.0.0.1"}, TAR)

    assert shlex.split(line) == ["bash", "-c", TAR]


def test_an_ssh_host_is_logged_in_to_with_its_key_port_and_known_host_keys() -> None:
    host = {
        "ansible_connection": "ssh",
        "ansible_host": "10.231.4.2",
        "ansible_port": 2222,
        "ansible_user": "deploy",
        **ssh_variables("/keys/id_ed25519", "/keys/known_hosts", mlps=3),
    }

    words = shlex.split(remote_shell(host, TAR))

    assert words[0] == "ssh" and words[-2:] == ["deploy@10.231.4.2", TAR]
    options = " ".join(words[1:-2])
    assert "-p 2222" in options and "-i /keys/id_ed25519" in options and "BatchMode=yes" in options
    assert "UserKnownHostsFile=/keys/known_hosts" in options and "StrictHostKeyChecking=yes" in options
    assert "StrictHostKeyChecking=no" not in options


def test_without_known_host_keys_any_key_is_taken_as_ansible_does_below_mlps_3() -> None:
    host = {"ansible_host": "jkk-db-01.henan.gov.cn", "ansible_port": 22, **ssh_variables("", "", mlps=2)}

    words = shlex.split(remote_shell(host, "true"))

    assert words[-2:] == ["root@jkk-db-01.henan.gov.cn", "true"]
    assert "StrictHostKeyChecking=no" in words and "UserKnownHostsFile=/dev/null" in words


def test_a_hosts_fields_stay_single_words_whatever_they_hold() -> None:
    host = {"ansible_host": "h; touch /tmp/x", "ansible_user": "a b", "ansible_port": 22}

    words = shlex.split(remote_shell(host, "true"))

    assert words[-2] == "a b@h; touch /tmp/x"
