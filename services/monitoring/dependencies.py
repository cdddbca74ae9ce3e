"""Monitoring's own nameko wiring: the read model's database, whose collectors join the container's metrics registry;
the event lag gauges; page access."""

from datetime import UTC, datetime
from typing import Any

from nameko.extensions import DependencyProvider
from prometheus_client import Gauge
from werkzeug.wrappers import Request

from services.common.auth import Principal, TokenStore
from services.common.engines import create_engine
from services.common.errors import Unauthenticated
from services.common.runtime.database import Database
from services.common.runtime.metrics import MetricsRegistry
from services.monitoring.adapters.collectors import ProgressCollector, SystemsCollector
from services.monitoring.adapters.unit_of_work import VERSIONS, SqlMonitoringUnitOfWork
from services.monitoring.domain.progress import as_utc
from services.monitoring.settings import settings_from

TOKEN_COOKIE = "zy_token"


class ReadModelDatabase(Database):
    """Monitoring's database (`uow = ReadModelDatabase()`): a unit of work on the read model per worker, and, once
    started, the collectors that read the read model at every scrape of /metrics."""

    metrics = MetricsRegistry()

    def __init__(self, **kwargs: Any):
        super().__init__(SqlMonitoringUnitOfWork, VERSIONS, **kwargs)

    def start(self) -> None:
        super().start()
        self.metrics.registry.register(SystemsCollector(self.unit_of_work))
        self.metrics.registry.register(ProgressCollector(self.unit_of_work))

    def unit_of_work(self) -> SqlMonitoringUnitOfWork:
        return SqlMonitoringUnitOfWork(self.session_factory)


class EventLag(DependencyProvider):
    """This replica's view of how far behind its topics it is (a per-process observation, not read-model state)."""

    metrics = MetricsRegistry()

    def __init__(self, *topics: str, **kwargs: Any):
        self.topics = topics
        super().__init__(**kwargs)

    def start(self) -> None:  # after setup: the shared registry exists by then
        registry = self.metrics.registry
        self.lag = Gauge(
            "zhongyuan_monitoring_event_lag_seconds",
            "From the newest folded event's time to when monitoring folded it, by topic.",
            ["topic"],
            registry=registry,
        )
        self.last = Gauge(
            "zhongyuan_monitoring_last_event_timestamp_seconds",
            "When monitoring last folded an event of the topic (Unix time); when it started, until it folds one.",
            ["topic"],
            registry=registry,
        )
        # From the start, so that a replica that restarted and then hears nothing still looks stale to the alert.
        for topic in self.topics:
            self.last.labels(topic).set_to_current_time()

    def get_dependency(self, worker_ctx: Any) -> "EventLag":
        return self

    def folded(self, topic: str, event_time: datetime) -> None:
        now = datetime.now(UTC)
        self.lag.labels(topic).set(max(0.0, (now - as_utc(event_time)).total_seconds()))
        self.last.labels(topic).set(now.timestamp())


class PageAccess(DependencyProvider):
    """Who is asking for a page: a bearer token in the Authorization header, the zy_token cookie or ?token=."""

    def setup(self) -> None:
        self.tokens = TokenStore(create_engine(settings_from(self.container.config).auth_database_url))

    def get_dependency(self, worker_ctx: Any) -> "PageAccess":
        return self

    def principal(self, request: Request) -> Principal:
        token = page_token(request)
        if not token:
            raise Unauthenticated("open the page with ?token=<your token> or send 'Authorization: Bearer <token>'")
        return self.tokens.authenticate(token)


def page_token(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.args.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
