"""`make bench`: every benchmark of the suite on real processes, each figure next to its goal, written to
var/bench/results.json.

- gRPC unary latency through the bridge (GetSystem on the inventory service), sequential and 8 client threads;
- importing 10,000 systems, and a department's ListSystems page at that size;
- the event path: the import's events from inventory's outbox through the relay to monitoring's entrypoint, against
  raw kafka-python produce → consume of as many records (tools/bench_monitoring.py);
- monitoring: step-completed event → /metrics and the organisation's page, p50/p99 over 1,000 events, and its intake
  against raw kafka-python consumption of the same topic;
- monitoring's /metrics scrape, with the 11,000 systems and 1,000 runs the import and the step benchmark left in it;
- a wave of 20 systems × 5 steps through the orchestrator against plain ansible-runner, and the CPU the services
  and the broker spent on it (tools/bench_migration.py).
"""

import json
import os
import platform
import shutil
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import grpc

from services.common.auth import TokenStore
from services.common.engines import create_engine
from services.pb.zhongyuan.inventory.v1 import inventory_pb2
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inventory_grpc
from tools.bench_migration import bench_wave
from tools.bench_monitoring import bench_event_path, bench_ingest, bench_scrape, bench_step_latency, percentile
from tools.devstack import create_operator_token
from tools.stack import REPO_ROOT, Stack

OUT = REPO_ROOT / "var" / "bench"
CALLS = 2000
IMPORTED_SYSTEMS = 10_000


def create_token(auth_database_url: str, role: str) -> str:
    return TokenStore(create_engine(auth_database_url)).create_token([role])


def bench_grpc(stack: Stack, token: str) -> dict:
    metadata = (("authorization", f"Bearer {token}"),)
    channel = grpc.insecure_channel(stack.services["inventory"].grpc_target)
    stub = inventory_grpc.InventoryServiceStub(channel)
    request = inventory_pb2.RegisterSystemRequest(
        code="HA-RST-SBK",
        name="社会保障卡",
        organisation_code="HA-RST",
        admin_level=inventory_pb2.ADMIN_LEVEL_PROVINCE,
        mlps_level=3,
    )
    organisation = "organisations: [{code: HA-RST, name: 人社厅, admin_level: province}]".encode()
    stub.ImportCatalog(inventory_pb2.ImportCatalogRequest(content=organisation), metadata=metadata)
    system = stub.RegisterSystem(request, metadata=metadata)
    get = inventory_pb2.GetSystemRequest(id=system.id)

    def timed_call(_: int) -> float:
        started = time.perf_counter()
        stub.GetSystem(get, metadata=metadata, timeout=10)
        return time.perf_counter() - started

    latencies = [timed_call(i) for i in range(CALLS)]
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(timed_call, range(CALLS)))
    concurrent_rate = CALLS / (time.perf_counter() - started)
    channel.close()
    return {
        "grpc_unary_p50_ms": round(statistics.median(latencies) * 1000, 2),
        "grpc_unary_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "grpc_calls_per_s_8_threads": round(concurrent_rate),
    }


def generated_catalogue(systems: int, organisations: int = 20) -> bytes:
    """`systems` systems spread over `organisations` departments, each with a source and a target host."""
    lines = ["organisations:"]
    lines += [f"  - {{code: HA-B{o:02d}, name: 部门{o:02d}, admin_level: province}}" for o in range(organisations)]
    lines += ["zones:", "  - {code: ZY-A, name: 政务外网A区, transport_crypto: true, storage_crypto: true}", "systems:"]
    for i in range(systems):
        org = f"HA-B{i % organisations:02d}"
        hosts = ", ".join(
            f"{{name: s{i}-{role[:3]}, address: 127.0.0.1, role: {role}}}" for role in ("source", "target")
        )
        lines.append(
            f"  - {{code: {org}-S{i:05d}, name: 系统{i}, organisation: {org}, admin_level: province, "
            f"mlps_level: {1 + i % 4}, target_zone: ZY-A, hosts: [{hosts}]}}"
        )
    return "\n".join(lines).encode()


def bench_catalogue(stack: Stack, token: str, tokens_url: str) -> dict:
    """Import 10,000 systems (timed), follow the import's events to monitoring (the event path), then time a
    department's ListSystems page at that size."""
    channel = grpc.insecure_channel(
        stack.services["inventory"].grpc_target, options=[("grpc.max_send_message_length", 64 << 20)]
    )
    stub = inventory_grpc.InventoryServiceStub(channel)
    content = generated_catalogue(IMPORTED_SYSTEMS)
    timing: dict[str, float] = {}

    def import_catalogue() -> None:
        started = time.perf_counter()
        request = inventory_pb2.ImportCatalogRequest(content=content)
        stub.ImportCatalog(request, timeout=600, metadata=(("authorization", f"Bearer {token}"),))
        timing["import"] = time.perf_counter() - started

    results = bench_event_path(stack, import_catalogue)
    # Time the query itself, not the relay and monitoring still busy with the import's events on the same cores.
    department = (("authorization", f"Bearer {create_token(tokens_url, 'department:HA-B07')}"),)
    page = inventory_pb2.ListSystemsRequest(page_size=50)

    def timed_page(_: int) -> float:
        begun = time.perf_counter()
        stub.ListSystems(page, metadata=department, timeout=10)
        return time.perf_counter() - begun

    latencies = [timed_page(i) for i in range(500)]
    channel.close()
    return results | {
        "catalogue_import_10k_systems_s": round(timing["import"], 2),
        "department_list_page_p50_ms": round(statistics.median(latencies) * 1000, 2),
        "department_list_page_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


# Each figure's goal, from the issue that asked for it: (at most | at least, bound).
GOALS: dict[str, tuple[str, float]] = {
    "catalogue_import_10k_systems_s": ("at most", 30.0),
    "department_list_page_p99_ms": ("at most", 50.0),
    "metrics_scrape_p99_ms": ("at most", 500.0),
    "wave_orchestrated_vs_plain_ratio": ("at most", 1.10),
    "step_to_metrics_p99_ms": ("at most", 500.0),
    "step_to_page_p99_ms": ("at most", 500.0),
    "monitoring_vs_raw_ratio": ("at least", 0.5),
}


def with_goals(figures: dict[str, float]) -> dict[str, dict]:
    """Every figure next to its goal (if it has one) and whether this run met it."""
    report: dict[str, dict] = {}
    for name, value in figures.items():
        entry: dict = {"value": value}
        if name in GOALS:
            kind, bound = GOALS[name]
            entry |= {"goal": f"{kind} {bound:g}", "met": value <= bound if kind == "at most" else value >= bound}
        report[name] = entry
    return report


def bench_services() -> dict[str, float]:
    shutil.rmtree(OUT / "run", ignore_errors=True)  # every run starts from empty databases
    stack = Stack.on_free_ports(OUT / "run")
    token = create_operator_token(stack.auth_database_url)
    stack.start()
    try:
        results = bench_grpc(stack, token)
        results |= bench_catalogue(stack, token, stack.auth_database_url)
        results |= bench_step_latency(stack, token)
        results |= bench_scrape(stack)
        results |= bench_ingest(stack)
    finally:
        stack.stop()
    return results


def main() -> int:
    started = time.time()
    figures = with_goals(bench_services() | bench_wave(OUT))
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "duration_s": round(time.time() - started),
        "figures": figures,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(report, indent=2))
    for name, entry in figures.items():
        verdict = "" if "goal" not in entry else f"goal {entry['goal']:<14} {'met' if entry['met'] else 'MISSED'}"
        print(f"{name:<40} {entry['value']:>12}   {verdict}")
    print(f"\nwritten to {OUT / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
