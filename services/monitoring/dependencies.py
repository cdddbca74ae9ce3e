"""Monitoring's own nameko wiring: the read-model collectors join the container's metrics registry."""

from typing import Any

from nameko.extensions import DependencyProvider

from services.common.runtime.database import Database
from services.common.runtime.metrics import MetricsRegistry
from services.monitoring.adapters.collectors import SystemsCollector


class ReadModelMetrics(DependencyProvider):
    metrics = MetricsRegistry()

    def start(self) -> None:
        database = next(d for d in self.container.dependencies if isinstance(d, Database))
        self.metrics.registry.register(SystemsCollector(database.unit_of_work))  # type: ignore[arg-type]

    def get_dependency(self, worker_ctx: Any) -> None:
        return None
