"""Prometheus collectors that read the read model at scrape time (one grouped query per metric, whatever the
catalogue size). Counters and the histogram are counted from stored rows, so they survive restarts."""

from collections.abc import Callable, Iterator
from datetime import date, datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from services.common.timestamps import province_today
from services.monitoring.adapters.queries import SqlProgressQueries
from services.monitoring.adapters.unit_of_work import SqlMonitoringUnitOfWork
from services.monitoring.domain.progress import (
    COUNTED_STEPS,
    DOWNTIME_BUCKETS,
    DURATION_BUCKETS,
    STEP_RESULTS,
    migrated_share,
)

# LinkState values. A degraded link still answers (slowly): it is up, and its latency shows how slow. A link not
# probed often enough to say has no up sample rather than a guess.
LINK_UNKNOWN, LINK_DOWN = 0, 3


class SystemsCollector(Collector):
    def __init__(self, unit_of_work: Callable[[], SqlMonitoringUnitOfWork]):
        self._unit_of_work = unit_of_work

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "zhongyuan_inventory_systems",
            "Systems in the inventory and not retired, by owning department.",
            labels=["department"],
        )
        with self._unit_of_work() as uow:
            for department, count in sorted(uow.systems.count_by_organisation().items()):
                gauge.add_metric([department], count)
        yield gauge


class ProgressCollector(Collector):
    """Migrations, steps, 上云率, links, exchanges, data opening, from one read-model session."""

    def __init__(self, unit_of_work: Callable[[], SqlMonitoringUnitOfWork], today: Callable[[], date] = province_today):
        self._unit_of_work = unit_of_work
        self._today = today

    def collect(self) -> Iterator[Metric]:
        with self._unit_of_work() as uow:
            families = [build(uow.progress) for build in _MIGRATION_FAMILIES + _ESTATE_FAMILIES]
            families.append(_overdue_data_resources(uow.progress, self._today()))
        for family in families:
            yield from family


def _gauge(name: str, documentation: str, labels: list[str], rows: Iterator[tuple]) -> list[Metric]:
    gauge = GaugeMetricFamily(name, documentation, labels=labels)
    for *values, value in rows:
        gauge.add_metric([str(v) for v in values], float(value or 0))
    return [gauge]


def _seconds(moment: datetime | None) -> float:
    return moment.timestamp() if moment else 0.0


def _migrations(q: SqlProgressQueries) -> list[Metric]:
    return _gauge(
        "zhongyuan_migrations",
        "Systems by the state of their latest migration run, by department.",
        ["department", "state"],
        q.migrations_by_state(),
    )


def _steps_total(q: SqlProgressQueries) -> list[Metric]:
    counter = CounterMetricFamily(
        "zhongyuan_migration_steps", "Migration step attempts finished, by step and result.", labels=["step", "result"]
    )
    counts = {(step, result): 0 for step in COUNTED_STEPS for result in STEP_RESULTS.values()}
    counts.update({(step, result): count for step, result, count in q.steps_by_result()})
    for (step, result), count in sorted(counts.items()):
        counter.add_metric([step, result], count)
    return [counter]


def _histogram(
    name: str, documentation: str, label: str, bounds: tuple[float, ...], rows: Iterator[tuple]
) -> list[Metric]:
    """A histogram from rows of (label value, cumulative count at each bound, count, sum)."""
    histogram = HistogramMetricFamily(name, documentation, labels=[label])
    for value, *cumulative, count, total in rows:
        buckets = [(str(b), c or 0) for b, c in zip(bounds, cumulative, strict=True)]
        histogram.add_metric([value], buckets + [("+Inf", count)], sum_value=total or 0.0)
    return [histogram]


def _step_duration(q: SqlProgressQueries) -> list[Metric]:
    name, documentation = "zhongyuan_migration_step_duration_seconds", "How long finished step attempts took."
    return _histogram(name, documentation, "step", DURATION_BUCKETS, q.step_durations())


def _replication_lag(q: SqlProgressQueries) -> list[Metric]:
    return _gauge(
        "zhongyuan_migration_replication_lag_seconds",
        "Of the organisation's systems replicating now (warm migrations before their cutover), the worst replication "
        "lag their last replicate step measured.",
        ["organisation"],
        q.replication_lag(),
    )


def _cutover_downtime(q: SqlProgressQueries) -> list[Metric]:
    # Counted from one stored row per completed cutover (its event's id): a redelivered event, a restart or a rebuild
    # from the topics observes each cutover exactly once.
    name = "zhongyuan_migration_cutover_downtime_seconds"
    documentation = "How long completed warm cutovers kept the system from taking writes (freeze to target writable)."
    return _histogram(name, documentation, "organisation", DOWNTIME_BUCKETS, q.cutover_downtimes())


def _wave_progress(q: SqlProgressQueries) -> list[Metric]:
    rows = ((wave, _seconds(at)) for wave, at in q.wave_last_progress())
    return _gauge(
        "zhongyuan_wave_last_progress_timestamp_seconds",
        "When any system of the wave last made progress (Unix time).",
        ["wave"],
        rows,
    )


def _wave_windows(q: SqlProgressQueries) -> list[Metric]:
    windows = list(q.wave_windows())
    end = _gauge(
        "zhongyuan_wave_window_end_timestamp_seconds",
        "When the wave's planned window ends (Unix time).",
        ["wave"],
        ((wave, _seconds(ends)) for wave, ends, _ in windows),
    )
    unfinished = _gauge(
        "zhongyuan_wave_unfinished_systems",
        "Systems of the wave whose run it still waits for: pending, migrating or failed (not completed, cancelled or "
        "rolled back).",
        ["wave"],
        ((wave, count) for wave, _, count in windows),
    )
    return end + unfinished


def _oldest_running(q: SqlProgressQueries) -> list[Metric]:
    rows = ((org, _seconds(at)) for org, at in q.oldest_running_progress())
    return _gauge(
        "zhongyuan_migration_oldest_progress_timestamp_seconds",
        "Of the department's running migrations, the oldest last-progress time (Unix time): stuck migrations.",
        ["department"],
        rows,
    )


def _share(label: str) -> Callable[[SqlProgressQueries], list[Metric]]:
    def build(q: SqlProgressQueries) -> list[Metric]:
        rows = ((key, migrated_share(migrated or 0, total)) for key, total, migrated in q.migrated_share(label))
        name = "zhongyuan_migrated_ratio" if label == "department" else "zhongyuan_city_migrated_ratio"
        return _gauge(name, f"上云率: share of systems migrated, by {label}.", [label], rows)

    return build


def _links(q: SqlProgressQueries) -> list[Metric]:
    links = list(q.links())
    up = _gauge(
        "zhongyuan_city_link_up",
        "1 while the city platform's link to the province answers its probes (up or degraded), 0 while it is down.",
        ["city"],
        ((city, 0 if state == LINK_DOWN else 1) for city, state, _ in links if state != LINK_UNKNOWN),
    )
    latency = _gauge(
        "zhongyuan_city_link_probe_latency_seconds",
        "Latency of the city's link as last announced: at its last change of state, or once it moved by 50 ms and a "
        "quarter since.",
        ["city"],
        ((city, ms / 1000) for city, _, ms in links),
    )
    return up + latency


def _exchanges(q: SqlProgressQueries) -> list[Metric]:
    rows = list(q.exchanges())
    overdue = _gauge(
        "zhongyuan_exchange_overdue_resources",
        "Shared resources whose exchange with the province is overdue, by city platform.",
        ["city"],
        ((city, late) for city, late, _ in rows),
    )
    freshness = _gauge(
        "zhongyuan_exchange_last_timestamp_seconds",
        "When the city platform last exchanged any shared resource (Unix time).",
        ["city"],
        ((city, _seconds(at)) for city, _, at in rows),
    )
    return overdue + freshness


def _overdue_data_resources(q: SqlProgressQueries, today: date) -> list[Metric]:
    return _gauge(
        "zhongyuan_data_resources_overdue",
        "Data resources past their planned opening date and not opened, by department.",
        ["department"],
        q.overdue_data_resources(today),
    )


_MIGRATION_FAMILIES = [
    _migrations,
    _steps_total,
    _step_duration,
    _replication_lag,
    _cutover_downtime,
    _wave_progress,
    _wave_windows,
    _oldest_running,
]
_ESTATE_FAMILIES = [_share("department"), _share("city"), _links, _exchanges]
