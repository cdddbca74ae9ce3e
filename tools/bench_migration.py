"""Benchmark of the orchestrator: a wave of 20 systems × 5 steps at concurrency 5, against the same playbooks run by
plain ansible-runner with the same concurrency, on the same machine in the same run."""

import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ansible_runner
import grpc
import psutil
from google.protobuf.timestamp_pb2 import Timestamp

from services.common.events import MIGRATION_STEPS
from services.migration.adapters.ansible import PLAYBOOKS, inventory_for, playbook_variables
from services.migration.domain.model import Step
from services.migration.ports import Host, StepJob
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inv_grpc
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from services.pb.zhongyuan.migration.v1 import migration_pb2_grpc as pb_grpc
from tools.devstack import create_operator_token
from tools.stack import Stack, wait_for

SYSTEMS = 20
CONCURRENCY = 5


def make_hosts(root: Path, code: str) -> list[Host]:
    data = root / code / "source" / "data"
    data.mkdir(parents=True)
    (data / "records.csv").write_text("id,name\n" + "".join(f"{i},记录{i}\n" for i in range(1000)), encoding="utf-8")
    (root / code / "target").mkdir()
    return [
        Host(f"{code.lower()}-{role[:3]}", role, "127.0.0.1", "local", root=str(root / code / role))
        for role in ("source", "target")
    ]


def plain_wave(work: Path) -> float:
    """The five playbooks per system straight through ansible-runner, five systems at a time."""
    codes = [f"HA-PLAIN-S{i:02d}" for i in range(SYSTEMS)]
    hosts = {code: make_hosts(work / "hosts", code) for code in codes}

    def migrate(code: str) -> None:
        for step in MIGRATION_STEPS:
            job = StepJob(
                run_id=code,
                step=Step(step),
                attempt=1,
                system_code=code,
                mlps_level=2,
                zone="ZY-A",
                zone_crypto=True,
                hosts=hosts[code],
                work_dir=work / "runs",
            )
            directory = job.private_data_dir
            for needed in (directory / "staging", directory / "tmp"):
                needed.mkdir(parents=True, exist_ok=True)
            result = ansible_runner.run(
                private_data_dir=str(directory),
                project_dir=str(PLAYBOOKS),
                playbook=f"{step}.yml",
                ident=step,
                inventory=inventory_for(hosts[code]),
                extravars=playbook_variables(job, directory / "staging"),
                quiet=True,
                envvars={
                    "ANSIBLE_ROLES_PATH": str(PLAYBOOKS / "roles"),
                    "ANSIBLE_LOCAL_TEMP": str(directory / "tmp"),
                    "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                },
            )
            if result.status != "successful":
                raise RuntimeError(f"plain ansible-runner: {step} of {code} ended {result.status}")

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(migrate, codes))
    return time.perf_counter() - started


def services_cpu_seconds(stack: Stack) -> float:
    """CPU the stack's own processes (the four services and the broker) have used so far, their playbooks not
    included: what the services themselves cost, apart from the playbooks (it varies from run to run too)."""
    processes = [service.process for service in stack.services.values()] + [stack.broker.process]
    times = [psutil.Process(process.pid).cpu_times() for process in processes if process is not None]
    return sum(t.user + t.system for t in times)


def orchestrated_wave(work: Path) -> tuple[float, float]:
    """The same wave through the migration service: CreateWave, StartWave, wait until it is finished. Its duration,
    and the CPU-seconds the services and the broker spent meanwhile."""
    stack = Stack.on_free_ports(
        work / "stack", extra_env={"MIGRATION_MAX_PARALLEL_RUNS": str(CONCURRENCY), "MIGRATION_POLL_SECONDS": "0.2"}
    )
    token = create_operator_token(stack.auth_database_url)
    stack.start()
    try:
        codes = [f"HA-WAVE-S{i:02d}" for i in range(SYSTEMS)]
        catalogue = _catalogue({code: make_hosts(work / "hosts", code) for code in codes})
        metadata = (("authorization", f"Bearer {token}"),)
        with grpc.insecure_channel(stack.services["inventory"].grpc_target) as channel:
            inv_grpc.InventoryServiceStub(channel).ImportCatalog(
                inv.ImportCatalogRequest(content=catalogue), metadata=metadata, timeout=60
            )
        with grpc.insecure_channel(stack.services["migration"].grpc_target) as channel:
            migration = pb_grpc.MigrationServiceStub(channel)
            now = datetime.now(UTC)
            migration.CreateWave(
                pb.CreateWaveRequest(
                    name="bench",
                    systems=codes,
                    concurrency=CONCURRENCY,
                    auto_approve=True,
                    window_start=_stamp(now),
                    window_end=_stamp(now + timedelta(hours=2)),
                ),
                metadata=metadata,
                timeout=60,
            )
            started, cpu_before = time.perf_counter(), services_cpu_seconds(stack)
            migration.StartWave(pb.GetWaveRequest(id="bench"), metadata=metadata, timeout=60)
            wait_for(
                lambda: migration.GetWave(pb.GetWaveRequest(id="bench"), metadata=metadata).state == "finished",
                "the benchmark wave to finish",
                1800,
                every=1.0,  # each GetWave costs the service being measured; a second is 0.5 % of the wave
            )
            elapsed, cpu = time.perf_counter() - started, services_cpu_seconds(stack) - cpu_before
            runs = migration.GetWave(pb.GetWaveRequest(id="bench"), metadata=metadata).runs
            failed = [r.system_code for r in runs if r.state != "completed"]
            if failed:
                raise RuntimeError(f"benchmark wave: {failed} did not complete")
            return elapsed, cpu
    finally:
        stack.stop()


def _catalogue(hosts: dict[str, list[Host]]) -> bytes:
    lines = [
        "organisations: [{code: HA-BENCH, name: 基准测试, admin_level: province}]",
        "zones: [{code: ZY-A, name: 政务外网A区, transport_crypto: true, storage_crypto: true}]",
        "systems:",
    ]
    for code, specs in hosts.items():
        listed = ", ".join(
            f"{{name: {h.name}, address: 127.0.0.1, role: {h.role}, connection: local, root: '{h.root}'}}"
            for h in specs
        )
        lines.append(
            f"  - {{code: {code}, name: 系统, organisation: HA-BENCH, admin_level: province, mlps_level: 2, "
            f"target_zone: ZY-A, hosts: [{listed}]}}"
        )
    return "\n".join(lines).encode()


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def bench_wave(out: Path) -> dict:
    work = (out / "wave").resolve()
    shutil.rmtree(work, ignore_errors=True)
    plain = plain_wave(work / "plain")
    ours, services_cpu = orchestrated_wave(work / "orchestrated")
    return {
        "wave_20x5_plain_ansible_runner_s": round(plain, 1),
        "wave_20x5_orchestrated_s": round(ours, 1),
        "wave_orchestrated_vs_plain_ratio": round(ours / plain, 3),
        "wave_services_and_broker_cpu_s": round(services_cpu, 1),
    }
