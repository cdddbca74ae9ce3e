"""Benchmarks of monitoring on real processes: how fast a step reaches /metrics and the status page, how fast it takes
in events compared with raw kafka-python, and the whole event path (outbox → relay → entrypoint) against raw Kafka.
"""

import re
import sqlite3
import statistics
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from services.common.engines import create_engine
from services.common.events import INVENTORY_EVENTS, MIGRATION_EVENTS, STEP_COMPLETED, SYSTEM_REGISTERED, new_event
from services.common.ids import new_id
from services.pb.zhongyuan.inventory.v1 import events_pb2 as inventory_events
from services.pb.zhongyuan.inventory.v1 import inventory_pb2
from services.pb.zhongyuan.migration.v1 import events_pb2 as migration_events
from tools.stack import Stack, wait_for

STEP_EVENTS = 1000
SCRAPES = 100
DEPARTMENTS = 20
# At 20,000 raw kafka-python was timed over a quarter of a second and monitoring over under one: one round's ratio
# ranged from 0.31 to 0.45 on a quiet machine. Over 100,000 monitoring's rate varied by 2 % between rounds.
INGEST_EVENTS = 100_000
INGEST_ROUNDS = 3
INTAKE_POLL_SECONDS = 0.05
CONSUMER = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000, "auto_offset_reset": "earliest"}


def http_text(url: str, token: str = "") -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return response.read().decode()


def metric_value(metrics_url: str, prefix: str) -> float:
    """The first sample on a /metrics page whose line starts with `prefix` (0 when absent)."""
    for line in http_text(metrics_url).splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> float:
    """Poll without pausing (the latency is what is measured); the moment `condition` first held."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what}: not seen after {timeout:.0f} s")
    return time.perf_counter()


def _registration(code: str, department: str) -> tuple[str, object]:
    system = inventory_pb2.System(id=new_id(), code=code, name=code, organisation_code=department)
    return system.id, new_event(
        SYSTEM_REGISTERED, "/bench", system.id, inventory_events.SystemRegistered(system=system)
    )


def _send(producer: KafkaProducer, topic: str, event: object) -> None:
    producer.send(
        topic,
        key=event.subject.encode(),  # type: ignore[attr-defined]
        value=event.payload.SerializeToString(),  # type: ignore[attr-defined]
        headers=event.headers(),  # type: ignore[attr-defined]
    )


def _step_completed(system_id: str, code: str, department: str) -> object:
    payload = migration_events.StepEvent(
        run_id=new_id(),
        system_id=system_id,
        system_code=code,
        organisation_code=department,
        wave_name="bench",
        step="precheck",
        attempt=1,
        percent=100,
        duration_seconds=1.5,
    )
    return new_event(STEP_COMPLETED, "/bench", system_id, payload)


def _shows_precheck_done(page: str, code: str) -> bool:
    row = re.search(rf'data-code="{re.escape(code)}">(.*?)</tr>', page, re.S)
    return bool(row and "预检 100%" in row.group(1))


def bench_scrape(stack: Stack) -> dict[str, float]:
    """Monitoring's /metrics as Prometheus scrapes it, timed over SCRAPES scrapes, at the read model's size by then."""
    metrics = f"{stack.services['monitoring'].http_url}/metrics"
    http_text(metrics)  # the first opens the read model's connections
    timings = []
    for _ in range(SCRAPES):
        started = time.perf_counter()
        http_text(metrics)
        timings.append(time.perf_counter() - started)
    return {
        "metrics_scrape_p50_ms": round(statistics.median(timings) * 1000, 1),
        "metrics_scrape_p99_ms": round(percentile(timings, 0.99) * 1000, 1),
    }


def bench_step_latency(stack: Stack, token: str) -> dict[str, float]:
    """From producing a step-completed event to seeing it on /metrics and on the organisation's page, one at a time."""
    monitoring = stack.services["monitoring"].http_url
    metrics = f"{monitoring}/metrics"
    producer = KafkaProducer(bootstrap_servers=stack.broker.bootstrap, acks="all")
    systems = []
    for i in range(STEP_EVENTS):
        department = f"HA-L{i % DEPARTMENTS:02d}"
        code = f"{department}-S{i:04d}"
        system_id, event = _registration(code, department)
        _send(producer, INVENTORY_EVENTS, event)
        systems.append((system_id, code, department))
    producer.flush()
    for d in range(DEPARTMENTS):
        gauge = f'zhongyuan_inventory_systems{{department="HA-L{d:02d}"}}'
        wait_for(lambda g=gauge: metric_value(metrics, g) == STEP_EVENTS // DEPARTMENTS, "registrations", 300)  # type: ignore[misc]

    completed = 'zhongyuan_migration_steps_total{result="completed",step="precheck"}'
    base = metric_value(metrics, completed)
    to_metrics, to_page = [], []
    for n, (system_id, code, department) in enumerate(systems, start=1):
        page = f"{monitoring}/status/org/{department}"
        sent = time.perf_counter()
        _send(producer, MIGRATION_EVENTS, _step_completed(system_id, code, department))
        producer.flush()
        seen = _until(lambda n=n: metric_value(metrics, completed) >= base + n, "the step on /metrics")  # type: ignore[misc]
        shown = _until(lambda p=page, c=code: _shows_precheck_done(http_text(p, token), c), "the step on the page")  # type: ignore[misc]
        to_metrics.append(seen - sent)
        to_page.append(shown - sent)
    producer.close()
    return {
        "step_to_metrics_p50_ms": round(statistics.median(to_metrics) * 1000, 1),
        "step_to_metrics_p99_ms": round(percentile(to_metrics, 0.99) * 1000, 1),
        "step_to_page_p50_ms": round(statistics.median(to_page) * 1000, 1),
        "step_to_page_p99_ms": round(percentile(to_page, 0.99) * 1000, 1),
    }


def produce_registrations(bootstrap: str, count: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for i in range(count):
        _, event = _registration(f"HA-BENCH-{i}", "HA-BENCH")
        _send(producer, INVENTORY_EVENTS, event)
    producer.flush()
    producer.close()


def _raw_consume(bootstrap: str, count: int, store: Callable[[list[ConsumerRecord]], None]) -> float:
    """Records/s of a plain kafka-python consumer group reading `count` waiting records of the inventory topic,
    handing each poll's records to `store`; timed from the first records received."""
    consumer = KafkaConsumer(
        INVENTORY_EVENTS, bootstrap_servers=bootstrap, group_id=f"raw-{uuid.uuid4().hex}", **CONSUMER
    )
    seen, started = 0, 0.0
    while seen < count:
        for records in consumer.poll(timeout_ms=500).values():
            started = started or time.perf_counter()
            store(records)
            seen += len(records)
    rate = count / (time.perf_counter() - started)
    consumer.close()
    return rate


def raw_consume_rate(bootstrap: str, count: int) -> float:
    return _raw_consume(bootstrap, count, lambda records: None)


def raw_consume_and_store_rate(bootstrap: str, count: int, database: Path) -> float:
    """The floor under any durable read model that dedupes by event id on SQLite: raw kafka-python, and per record
    one inbox row and one view row written with the plain sqlite3 module, one transaction per poll."""
    connection = sqlite3.connect(database)
    connection.executescript(
        """PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
        CREATE TABLE inbox (event_id TEXT, consumer TEXT, ce_type TEXT, PRIMARY KEY (event_id, consumer));
        CREATE TABLE view (key TEXT PRIMARY KEY, value BLOB, updated_at TEXT);"""
    )

    def store(records: list[ConsumerRecord]) -> None:
        headers = [dict(record.headers) for record in records]
        connection.executemany(
            "INSERT INTO inbox VALUES (?, ?, ?)", [(h["ce_id"], "floor", h["ce_type"]) for h in headers]
        )
        connection.executemany(
            "INSERT OR REPLACE INTO view VALUES (?, ?, ?)",
            [(record.key, record.value, h["ce_time"]) for record, h in zip(records, headers, strict=True)],
        )
        connection.commit()

    try:
        return _raw_consume(bootstrap, count, store)
    finally:
        connection.close()


# The consumer groups of the inventory topic, by the service method that reads it. Interconnect and migration read the
# same registrations; the rates are measured once they are done, so that none of the three shares the cores with them.
MONITORING_READER = "monitoring.on_inventory_events"
OTHER_READERS = ("interconnect.on_inventory_events", "migration.on_inventory_events")


class InventoryGroups:
    """Records of the inventory topic each consumer group has committed, read through the admin API: the services
    being measured are asked nothing, so watching them costs them nothing."""

    def __init__(self, stack: Stack):
        self._prefix = stack.environment().get("KAFKA_GROUP_PREFIX", "zhongyuan")
        self._admin = KafkaAdminClient(bootstrap_servers=stack.broker.bootstrap)
        consumer = KafkaConsumer(bootstrap_servers=stack.broker.bootstrap)
        self._partitions = [
            TopicPartition(INVENTORY_EVENTS, p) for p in consumer.partitions_for_topic(INVENTORY_EVENTS)
        ]
        consumer.close()

    def committed(self, reader: str) -> int:
        group = f"{self._prefix}.{reader}"
        offsets = self._admin.list_group_offsets({group: self._partitions})[group]
        return sum(max(0, meta.offset) for meta in offsets.values())

    def close(self) -> None:
        self._admin.close()


def start_and_time_intake(stack: Stack, groups: InventoryGroups, count: int) -> float:
    """Start monitoring on `count` waiting events; events/s it folds once it has begun (it commits a batch's offsets
    once the batch's transaction has)."""
    before = groups.committed(MONITORING_READER)
    end = before + count  # the broker's end offsets are not used: Tansu was seen to answer short of the last
    stack.start_service("monitoring")
    deadline = time.monotonic() + 900
    while (first := groups.committed(MONITORING_READER)) == before:
        assert time.monotonic() < deadline, "monitoring did not start consuming"
        time.sleep(0.01)
    started = time.perf_counter()
    while (done := groups.committed(MONITORING_READER)) < end:
        assert time.monotonic() < deadline, f"monitoring stopped at {done} of {end}"
        # Each look costs the broker and this process a little CPU: at 10 ms, 12 % of a core was taken from the
        # service being timed. The start and the end are each seen up to one pause late, which evens out.
        time.sleep(INTAKE_POLL_SECONDS)
    return (end - first) / (time.perf_counter() - started)


def bench_ingest(stack: Stack) -> dict[str, float]:
    """Monitoring's intake against raw kafka-python in INGEST_ROUNDS rounds: the median of each figure, and the lowest
    and highest ratio. On a shared machine one round's ratio was seen anywhere from 0.24 to 0.63 on the same code."""
    rounds = [ingest_round(stack) for _ in range(INGEST_ROUNDS)]
    ratios = [figures["monitoring_vs_raw_ratio"] for figures in rounds]
    median = {name: statistics.median(figures[name] for figures in rounds) for name in rounds[0]}
    return median | {"monitoring_vs_raw_ratio_lowest": min(ratios), "monitoring_vs_raw_ratio_highest": max(ratios)}


def ingest_round(stack: Stack) -> dict[str, float]:
    """Monitoring's intake of INGEST_EVENTS waiting registrations against raw kafka-python reading as many records of
    the same topic; and the floor for a SQLite read model (raw kafka-python plus plain sqlite3 writes of two rows per
    record).

    Raw kafka-python is timed before and after monitoring and the ratio taken against the mean of the two: on a
    shared machine one reading of it was seen to vary by half from one minute to the next."""
    # Killed, not stopped: on the Tansu broker a consumer group whose member left gracefully was seen never to
    # rebalance again, while a member that vanishes is dropped after the session timeout.
    stack.services["monitoring"].kill()
    groups = InventoryGroups(stack)
    try:
        before = {reader: groups.committed(reader) for reader in OTHER_READERS}
        produce_registrations(stack.broker.bootstrap, INGEST_EVENTS)
        for reader in OTHER_READERS:
            wait_for(lambda r=reader: groups.committed(r) >= before[r] + INGEST_EVENTS, f"{reader} to catch up", 600)  # type: ignore[misc]
        raw_before = raw_consume_rate(stack.broker.bootstrap, INGEST_EVENTS)
        floor = raw_consume_and_store_rate(
            stack.broker.bootstrap, INGEST_EVENTS, stack.var_dir / f"floor-{uuid.uuid4().hex}.db"
        )
        ours = start_and_time_intake(stack, groups, INGEST_EVENTS)
        stack.services["monitoring"].wait_healthy()
        raw_after = raw_consume_rate(stack.broker.bootstrap, INGEST_EVENTS)
    finally:
        groups.close()
    raw = statistics.mean([raw_before, raw_after])
    return {
        "raw_kafka_python_records_per_s": round(raw),
        "raw_kafka_python_before_monitoring_per_s": round(raw_before),
        "raw_kafka_python_after_monitoring_per_s": round(raw_after),
        "raw_kafka_python_plus_sqlite_writes_per_s": round(floor),
        "monitoring_events_per_s": round(ours),
        "monitoring_vs_raw_ratio": round(ours / raw, 3),
        "raw_plus_sqlite_vs_raw_ratio": round(floor / raw, 3),
    }


def raw_produce_consume_rate(bootstrap: str, count: int) -> float:
    """Records/s from the first send to the last record read by a consumer group that was already listening."""
    consumer = KafkaConsumer(
        INVENTORY_EVENTS, bootstrap_servers=bootstrap, group_id=f"raw-{uuid.uuid4().hex}", **CONSUMER
    )
    consumer.poll(timeout_ms=100)
    while not consumer.assignment():
        consumer.poll(timeout_ms=100)
    consumer.seek_to_end()
    consumer.poll(timeout_ms=0)
    started = time.perf_counter()
    produce_registrations(bootstrap, count)
    seen = 0
    while seen < count:
        seen += sum(len(records) for records in consumer.poll(timeout_ms=500).values())
    rate = count / (time.perf_counter() - started)
    consumer.close()
    return rate


def handled_records(stack: Stack, topic: str = INVENTORY_EVENTS) -> float:
    metrics = f"{stack.services['monitoring'].http_url}/metrics"
    return metric_value(metrics, f'zhongyuan_kafka_records_consumed_total{{outcome="handled",topic="{topic}"')


def _wait_sparingly(condition: Callable[[], bool], what: str, timeout: float = 900) -> None:
    """Poll every two seconds: each scrape of /metrics queries the read model on the service being measured."""
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise TimeoutError(f"{what}: not after {timeout:.0f} s")
        time.sleep(2)


def _outbox_rows(stack: Stack, topic: str) -> int:
    with create_engine(stack.database_url("inventory")).connect() as connection:
        query = sa.text("SELECT count(*) FROM outbox WHERE topic = :topic")
        return int(connection.scalar(query, {"topic": topic}) or 0)


def bench_event_path(stack: Stack, import_catalogue: Callable[[], None]) -> dict[str, float]:
    """Our event path — a committed unit of work's outbox, the relay, monitoring's entrypoint — against raw
    kafka-python produce → consume of as many records on the same broker."""
    before, handled_before = _outbox_rows(stack, INVENTORY_EVENTS), handled_records(stack)
    import_catalogue()  # one transaction: its events enter the outbox together at commit
    committed = time.time()
    events = _outbox_rows(stack, INVENTORY_EVENTS) - before
    _wait_sparingly(lambda: handled_records(stack) >= handled_before + events, "monitoring to fold the import")
    metrics = f"{stack.services['monitoring'].http_url}/metrics"
    last_fold = f'zhongyuan_monitoring_last_event_timestamp_seconds{{topic="{INVENTORY_EVENTS}"}}'
    ours = events / (metric_value(metrics, last_fold) - committed)
    raw = raw_produce_consume_rate(stack.broker.bootstrap, events)
    return {
        "event_path_events": events,
        "event_path_outbox_to_entrypoint_per_s": round(ours),
        "event_path_raw_produce_consume_per_s": round(raw),
        "event_path_vs_raw_ratio": round(ours / raw, 3),
    }
