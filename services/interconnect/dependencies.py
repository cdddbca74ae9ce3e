"""The interconnect's own nameko wiring: its settings, a timer with a configured interval, the link prober running
probes side by side on green threads, and the link metrics joining the container's registry."""

from typing import Any

import eventlet
from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from services.common.runtime.database import DatabaseEngine
from services.common.runtime.metrics import MetricsRegistry
from services.common.runtime.real_threads import wait_green
from services.interconnect.adapters import probes
from services.interconnect.adapters.collectors import LinksCollector
from services.interconnect.adapters.unit_of_work import InterconnectUnitOfWork
from services.interconnect.domain.links import ProbeResult
from services.interconnect.settings import Settings, settings_from

PROBES_AT_ONCE = 32


class ConfiguredTimer(Timer):
    """nameko's timer, its interval (seconds) read from the container's config: `@every("PROBE_INTERVAL_SECONDS")`."""

    def __init__(self, interval_key: str, **kwargs: Any):
        self.interval_key = interval_key
        super().__init__(interval=None, **kwargs)

    def setup(self) -> None:
        self.interval = float(self.container.config[self.interval_key])


every = ConfiguredTimer.decorator


class InterconnectSettings(DependencyProvider):
    def setup(self) -> None:
        self.settings = settings_from(self.container.config)

    def get_dependency(self, worker_ctx: Any) -> Settings:
        return self.settings


class LinkProber(DependencyProvider):
    """`prober.probe_all({code: endpoint})`: every endpoint probed at once, each within the configured timeout."""

    def setup(self) -> None:
        self.timeout = settings_from(self.container.config).probe_timeout_seconds

    def get_dependency(self, worker_ctx: Any) -> "LinkProber":
        return self

    def probe_all(self, endpoints: dict[str, str]) -> dict[str, ProbeResult]:
        pool = eventlet.GreenPool(PROBES_AT_ONCE)
        results = pool.imap(lambda endpoint: probes.probe(endpoint, self.timeout, wait_green), endpoints.values())
        return dict(zip(endpoints, results, strict=True))


class LinkMetrics(DependencyProvider):
    """The links' gauges, read from the service's database at every scrape of /metrics."""

    database = DatabaseEngine()
    metrics = MetricsRegistry()

    def start(self) -> None:
        self.metrics.registry.register(LinksCollector(self.unit_of_work))

    def unit_of_work(self) -> InterconnectUnitOfWork:
        return InterconnectUnitOfWork(self.database.session_factory)

    def get_dependency(self, worker_ctx: Any) -> None:
        return None
