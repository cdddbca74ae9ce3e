"""`hostvars[name] | zy_remote_shell(command)`: a shell command line that runs `command` on that inventory host: there
for an ssh host, with the login, key and known host keys Ansible uses for it; through bash for a local one.

The sync step streams the data from the source's tar to the target's through two such command lines joined by a
pipe on the controller. No Ansible module copies between two hosts without storing the data on the controller, or
without the source logging in to the target (which would need a key on the source)."""

import shlex
from collections.abc import Mapping
from typing import Any

# As Ansible's own connections (services/migration/adapters/ansible.py SSH_ARGS): a host that drops off the network
# fails the transfer after 15 s of silence; never a password prompt.
SSH_OPTIONS = ("-o", "BatchMode=yes", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3")
UNCHECKED_HOST_KEYS = ("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null")


def remote_shell(host: Mapping[str, Any], command: str) -> str:
    if host.get("ansible_connection", "ssh") == "local":
        return f"bash -c {shlex.quote(command)}"
    # The known-hosts options, as Ansible passes them to its own ssh: a command line's words.
    argv = ["ssh", *shlex.split(str(host.get("ansible_ssh_common_args") or ""))]
    argv += [*SSH_OPTIONS, "-p", str(host.get("ansible_port") or 22)]
    if host.get("ansible_ssh_private_key_file"):
        argv += ["-i", str(host["ansible_ssh_private_key_file"])]
    if not _checks_host_keys(host):
        argv += UNCHECKED_HOST_KEYS
    argv += [f"{host.get('ansible_user') or 'root'}@{host['ansible_host']}", command]
    return shlex.join(argv)


def _checks_host_keys(host: Mapping[str, Any]) -> bool:
    checking = host.get("ansible_host_key_checking", False)
    return checking if isinstance(checking, bool) else str(checking).lower() in ("true", "yes", "1")


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"zy_remote_shell": remote_shell}
