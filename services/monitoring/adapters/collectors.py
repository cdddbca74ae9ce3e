"""Prometheus collectors that read the read model at scrape time (one grouped query, whatever the catalogue size)."""

from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from services.monitoring.adapters.unit_of_work import MonitoringUnitOfWork


class SystemsCollector(Collector):
    def __init__(self, unit_of_work: Callable[[], MonitoringUnitOfWork]):
        self._unit_of_work = unit_of_work

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "zhongyuan_inventory_systems",
            "Systems registered in the inventory, by owning department.",
            labels=["department"],
        )
        with self._unit_of_work() as uow:
            for department, count in sorted(uow.systems.count_by_organisation().items()):
                gauge.add_metric([department], count)
        yield gauge
