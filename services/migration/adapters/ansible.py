"""Running one step's playbook with ansible-runner: a private data dir per attempt, an inventory built from the
system's hosts, progress from task events, and a cancel that kills the playbook's whole process tree."""

import contextlib
import logging
import os
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ansible_runner
import psutil
import yaml

from services.common.runtime.tls import MLPS_LEVEL_REQUIRING_TLS, TransportSecurityError
from services.migration.adapters.database_steps import database_variables, measured_downtime, measured_lag
from services.migration.adapters.playbook_progress import PLAYBOOKS, ProgressTracker, unexplained_failure
from services.migration.adapters.secrets import SecretError, SecretsDirectory
from services.migration.domain.orchestration import StepResult
from services.migration.ports import Host, StepJob

log = logging.getLogger(__name__)

# ansible-runner on eventlet: select.poll is missing, and a short expect timeout keeps the hub turning.
RUNNER_SETTINGS = {"pexpect_use_poll": False, "pexpect_timeout": 0.2, "suppress_ansible_output": True}
# Ansible's own defaults (a persistent connection per host), plus keep-alives: a host that drops off the network
# mid-step is reported unreachable after 15 s of silence instead of hanging the step until TCP gives up (~15 min).
SSH_ARGS = "-C -o ControlMaster=auto -o ControlPersist=60s -o ServerAliveInterval=5 -o ServerAliveCountMax=3"
# Free space precheck asks of a host per KiB of data found on the source, by its role. Sync streams the data from the
# source to the target and stores it nowhere on the way: the source needs no room for it; the target unpacks the copy
# beside the data it may hold from an earlier sync, which stays until the new data is whole. The data is measured, not
# taken from the catalogue's data_volume_gb: that is a planning figure, and may be out of date.
FREE_SPACE_PER_DATA = {"source": 0, "target": 2}
MIN_FREE_KB = 10 * 1024


class Unsafe(str):
    """A value from the catalogue: Ansible must take it as it is, never as a template to run."""


class _InventoryDumper(yaml.SafeDumper):
    pass


_InventoryDumper.add_representer(Unsafe, lambda dumper, text: dumper.represent_scalar("!unsafe", str(text)))


def inventory_for(hosts: list[Host]) -> dict[str, Any]:
    groups: dict[str, dict[str, Any]] = {"source": {"hosts": {}}, "target": {"hosts": {}}}
    for host in hosts:
        variables: dict[str, Any] = {
            "ansible_host": Unsafe(host.address),
            "ansible_connection": Unsafe(host.connection),
            "zy_root": Unsafe(host.root or "/srv/zhongyuan"),
        }
        if host.connection == "local":
            variables["ansible_python_interpreter"] = Unsafe(host.python or sys.executable)
        else:
            variables |= {"ansible_port": host.port, "ansible_user": Unsafe(host.user or "root")}
            if host.python:
                variables["ansible_python_interpreter"] = Unsafe(host.python)
        groups[host.role]["hosts"][host.name] = variables
    return {"all": {"children": groups}}


def write_inventory(hosts: list[Host], directory: Path) -> Path:
    """The inventory as a YAML file in the private data dir, every catalogue value tagged `!unsafe`: Ansible templates
    inventory values, so a host root of `{{ lookup('pipe', ...) }}` would run a command here. ansible-runner writes
    an inventory given as a dict as JSON, which has no such tag."""
    path = directory / "inventory" / "hosts.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(inventory_for(hosts), Dumper=_InventoryDumper, allow_unicode=True), encoding="utf-8")
    return path


def kill_process_tree(private_data_dir: Path) -> int:
    """SIGKILL every ansible-playbook working in `private_data_dir` and all it spawned — ours, or orphans left by an
    orchestrator that crashed mid-step."""
    marker = str(private_data_dir)
    roots = [p for p in psutil.process_iter() if p.pid != os.getpid() and _mentions(p, marker)]
    doomed = {p.pid: p for root in roots for p in [root, *_descendants(root)]}
    for process in doomed.values():  # SIGKILL is final; psutil.wait_procs needs select.poll, gone under eventlet
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    return len(doomed)


def _mentions(process: psutil.Process, marker: str) -> bool:
    try:
        return any(marker in part for part in process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _descendants(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def run_step(
    job: StepJob,
    report: Callable[[int, str], None],
    cancelled: Callable[[], bool],
    secrets: SecretsDirectory | None = None,
) -> StepResult:
    """Run the step's playbook to the end (or until cancelled); what happened, in words, and what it measured.
    `secrets` holds the credentials of the system's databases."""
    directory = job.private_data_dir
    if leftovers := kill_process_tree(directory):
        log.warning("killed %s processes left from an interrupted attempt of run %s", leftovers, job.run_id)
    staging = directory / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    tracker = ProgressTracker(job.step, report)
    was_cancelled = False

    def cancel_callback() -> bool:  # ansible-runner calls it at least every pexpect_timeout
        nonlocal was_cancelled
        tracker.flush()
        if not was_cancelled and cancelled():
            was_cancelled = True
            log.warning(
                "cancelling %s of run %s: killed %s processes", job.step, job.run_id, kill_process_tree(directory)
            )
        return was_cancelled

    try:
        databases = database_variables(job.databases, secrets, staging)
    except SecretError as error:
        shutil.rmtree(staging, ignore_errors=True)
        return StepResult(ok=False, cancelled=False, message=str(error))
    try:
        runner = ansible_runner.run(
            private_data_dir=str(directory),
            project_dir=str(PLAYBOOKS),
            playbook=f"{job.step.value}.yml",
            ident=job.ident,
            inventory=str(write_inventory(job.hosts, directory)),
            extravars=playbook_variables(job, staging) | {"zy_databases": databases},
            envvars=_environment(directory),
            settings=RUNNER_SETTINGS,
            quiet=True,
            event_handler=tracker,
            cancel_callback=cancel_callback,
        )
        lag, downtime = measured_lag(staging), measured_downtime(staging)
    finally:
        # Whatever the playbook staged goes, the databases' credential files with it.
        shutil.rmtree(staging, ignore_errors=True)
    if was_cancelled or runner.status == "canceled":
        return StepResult(ok=False, cancelled=True, message=f"{job.step.value} cancelled")
    if runner.status == "successful":
        return StepResult(True, False, f"{job.step.value} completed", lag=lag, downtime_seconds=downtime)
    return StepResult(ok=False, cancelled=False, message=tracker.failure or unexplained_failure(job, runner))


def playbook_variables(job: StepJob, staging: Path) -> dict[str, Any]:
    """The extra variables every playbook of a step gets (playbooks/README.md lists them)."""
    return {
        "zy_system_code": job.system_code,
        "zy_mlps_level": job.mlps_level,
        "zy_zone": job.zone,
        "zy_zone_crypto": job.zone_crypto,
        "zy_run_id": job.run_id,
        "zy_step": job.step.value,
        "zy_attempt": job.attempt,
        "zy_release": f"r-{job.run_id[:8]}",
        "zy_staging": str(staging),
        "zy_free_space_per_data": FREE_SPACE_PER_DATA,
        "zy_min_free_kb": MIN_FREE_KB,
        **job.extra,
    }


def _environment(directory: Path) -> dict[str, str]:
    temp = directory / "tmp"
    temp.mkdir(parents=True, exist_ok=True)
    return {
        "ANSIBLE_LOCAL_TEMP": str(temp),  # one per attempt: concurrent runs must not share ansible's temp files
        "ANSIBLE_ROLES_PATH": str(PLAYBOOKS / "roles"),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_SSH_ARGS": SSH_ARGS,
        "ANSIBLE_NOCOLOR": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def ssh_variables(key_file: str, known_hosts: str, mlps: int) -> dict[str, Any]:
    """Ansible variables for SSH hosts: log in with `key_file`, and trust only the host keys `known_hosts` lists (a
    host answering with another key is refused: someone may stand in between). Without `known_hosts` any host key is
    taken, which MLPS level 3 and above does not allow."""
    variables: dict[str, Any] = {}
    if key_file:
        variables["ansible_ssh_private_key_file"] = str(Path(key_file).resolve())
    if known_hosts:
        checked = f"-o UserKnownHostsFile={shlex.quote(str(Path(known_hosts).resolve()))} -o StrictHostKeyChecking=yes"
        variables |= {"ansible_host_key_checking": True, "ansible_ssh_common_args": checked}
    elif mlps >= MLPS_LEVEL_REQUIRING_TLS:
        raise TransportSecurityError(
            f"MIGRATION_SSH_KNOWN_HOSTS_FILE is not set: at MLPS level {mlps} the hosts' SSH keys must be known"
        )
    return variables
