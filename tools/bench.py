"""`make bench`: figures for the spine, measured on real processes, written to var/bench/results.json.

- gRPC unary latency through the bridge (GetSystem on the inventory service), sequential and 8 client threads;
- the event path: monitoring consuming SystemRegistered events (decode, dedupe, read-model upsert, offset commit)
  compared with raw kafka-python consumption of the same records on the same broker.
"""

import json
import shutil
import statistics
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
from kafka import KafkaConsumer, KafkaProducer

from services.common.auth import TokenStore
from services.common.db import create_engine
from services.common.events import INVENTORY_EVENTS, SYSTEM_REGISTERED, new_event
from services.pb.zhongyuan.inventory.v1 import events_pb2, inventory_pb2
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inventory_grpc
from tools.bench_migration import bench_wave
from tools.devstack import create_operator_token
from tools.stack import REPO_ROOT, Stack, wait_for

OUT = REPO_ROOT / "var" / "bench"
CALLS = 2000
IMPORTED_SYSTEMS = 10_000
EVENTS = 5000


def metric_value(metrics_url: str, prefix: str) -> float:
    """The first sample on a /metrics page whose line starts with `prefix` (0 when absent)."""
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(prefix):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def create_token(auth_database_url: str, role: str) -> str:
    return TokenStore(create_engine(auth_database_url)).create_token([role])


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


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
    channel = grpc.insecure_channel(
        stack.services["inventory"].grpc_target, options=[("grpc.max_send_message_length", 64 << 20)]
    )
    stub = inventory_grpc.InventoryServiceStub(channel)
    content = generated_catalogue(IMPORTED_SYSTEMS)
    started = time.perf_counter()
    stub.ImportCatalog(
        inventory_pb2.ImportCatalogRequest(content=content),
        timeout=600,
        metadata=(("authorization", f"Bearer {token}"),),
    )
    import_seconds = time.perf_counter() - started
    # Time the query itself, not the relay still publishing the import's 10,000 events beside it.
    # and monitoring still consuming them on the same two cores.
    waiting = f"{stack.services['inventory'].http_url}/metrics"
    wait_for(lambda: metric_value(waiting, "zhongyuan_outbox_events_waiting") == 0, "the outbox to drain", 300)
    counted = f"{stack.services['monitoring'].http_url}/metrics"
    per_department = IMPORTED_SYSTEMS // 20
    for gauge in (
        'zhongyuan_inventory_systems{department="HA-B00"}',
        'zhongyuan_inventory_systems{department="HA-B19"}',
    ):
        wait_for(lambda g=gauge: metric_value(counted, g) == per_department, "monitoring to catch up", 600)  # type: ignore[misc]
    department = (("authorization", f"Bearer {create_token(tokens_url, 'department:HA-B07')}"),)
    page = inventory_pb2.ListSystemsRequest(page_size=50)

    def timed_page(_: int) -> float:
        begun = time.perf_counter()
        stub.ListSystems(page, metadata=department, timeout=10)
        return time.perf_counter() - begun

    latencies = [timed_page(i) for i in range(500)]
    channel.close()
    return {
        "catalogue_import_10k_systems_s": round(import_seconds, 2),
        "department_list_page_p50_ms": round(statistics.median(latencies) * 1000, 2),
        "department_list_page_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


def produce_registrations(bootstrap: str, count: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for i in range(count):
        system = inventory_pb2.System(id=str(uuid.uuid4()), code=f"HA-BENCH-{i}", organisation_code="HA-BENCH")
        event = new_event(SYSTEM_REGISTERED, "/bench", system.id, events_pb2.SystemRegistered(system=system))
        producer.send(
            INVENTORY_EVENTS, key=system.id.encode(), value=event.payload.SerializeToString(), headers=event.headers()
        )
    producer.flush()
    producer.close()


def raw_consume_rate(bootstrap: str, count: int) -> float:
    consumer = KafkaConsumer(
        INVENTORY_EVENTS,
        bootstrap_servers=bootstrap,
        group_id=f"raw-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    seen, started = 0, 0.0
    while seen < count:
        for records in consumer.poll(timeout_ms=500).values():
            started = started or time.perf_counter()
            seen += len(records)
    rate = count / (time.perf_counter() - started)
    consumer.close()
    return rate


def service_consume_rate(stack: Stack, count: int) -> float:
    metrics = f"{stack.services['monitoring'].http_url}/metrics"

    def handled() -> float:
        return metric_value(metrics, 'zhongyuan_kafka_records_consumed_total{outcome="handled"')

    first = handled()
    wait_for(lambda: handled() > first, "monitoring to start consuming", 60)
    started, start_count = time.perf_counter(), handled()
    wait_for(lambda: handled() >= first + count, "monitoring to consume every event", 600)
    return (count - (start_count - first)) / (time.perf_counter() - started)


def main() -> int:
    shutil.rmtree(OUT / "run", ignore_errors=True)  # every run starts from empty databases
    stack = Stack.on_free_ports(OUT / "run")
    token = create_operator_token(stack.auth_database_url)
    stack.start()
    try:
        results = bench_grpc(stack, token)
        results |= bench_catalogue(stack, token, stack.auth_database_url)
        stack.services["monitoring"].stop()
        produce_registrations(stack.broker.bootstrap, EVENTS)
        raw = raw_consume_rate(stack.broker.bootstrap, EVENTS)
        stack.start_service("monitoring").wait_healthy()
        ours = service_consume_rate(stack, EVENTS)
        results |= {
            "raw_kafka_python_records_per_s": round(raw),
            "monitoring_events_per_s": round(ours),
            "monitoring_vs_raw_ratio": round(ours / raw, 3),
        }
    finally:
        stack.stop()
    results |= bench_wave(OUT)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    for name, value in results.items():
        print(f"{name:<36} {value}")
    print(f"\nwritten to {OUT / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
