"""Prometheus collectors reading the link table at scrape time, for the SRE's "city link down" alerts."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from services.interconnect.domain.links import LinkState
from services.interconnect.ports import NetworkUnitOfWork


class LinksCollector(Collector):
    def __init__(self, unit_of_work: Callable[[], NetworkUnitOfWork]):
        self._unit_of_work = unit_of_work

    def collect(self) -> Iterator[GaugeMetricFamily]:
        states = GaugeMetricFamily(
            "zhongyuan_interconnect_link_state",
            "1 for the state each city's or county's link to the province is in, 0 for the others.",
            labels=["city", "state"],
        )
        overdue = GaugeMetricFamily(
            "zhongyuan_interconnect_exchanges_overdue",
            "Shared resources of a platform not exchanged within twice their schedule.",
            labels=["city"],
        )
        now = datetime.now(UTC)
        with self._unit_of_work() as uow:
            for link in uow.network.links():
                for state in LinkState:
                    states.add_metric([link.platform_code, state.value], 1.0 if link.state is state else 0.0)
                late = [r for r in uow.network.resources(link.platform_code) if r.overdue(now)]
                overdue.add_metric([link.platform_code], len(late))
        yield states
        yield overdue
