"""One Prometheus registry per container, with the kernel's own metrics; services add collectors to it."""

from typing import Any

from nameko.extensions import DependencyProvider, SharedExtension
from prometheus_client import CollectorRegistry, Counter, Gauge, disable_created_metrics

disable_created_metrics()  # the *_created series double every counter and nobody alerts on them
CONSUMED_OUTCOMES = ("handled", "retried", "dead_lettered")


class MetricsRegistry(SharedExtension):
    def setup(self) -> None:
        self.registry = CollectorRegistry()
        self.consumed = Counter(
            "zhongyuan_kafka_records_consumed_total",
            "Kafka records taken off a topic, by outcome (handled, retried, dead_lettered).",
            ["topic", "outcome"],
            registry=self.registry,
        )
        self.published = Counter(
            "zhongyuan_outbox_events_published_total",
            "Events the outbox relay published to Kafka.",
            ["topic"],
            registry=self.registry,
        )
        self.audit_refusals_unrecorded = Counter(
            "zhongyuan_audit_refusals_unrecorded_total",
            "Refused calls of unauthenticated callers left out of the audit trail: over their host's share a minute.",
            ["method"],
            registry=self.registry,
        )
        self.grpc_calls_skipped = Counter(
            "zhongyuan_grpc_calls_skipped_total",
            "gRPC calls not run because their caller had cancelled or its deadline had passed when a worker was free.",
            ["method"],
            registry=self.registry,
        )
        self.outbox_producers_replaced = Counter(
            "zhongyuan_outbox_producers_replaced_total",
            "Kafka producers the outbox relay gave up for a new one: failed for good, or attempt after attempt.",
            registry=self.registry,
        )
        self.outbox_waiting = Gauge(
            "zhongyuan_outbox_events_waiting",
            "Events committed but not yet published (grows while the broker is unreachable).",
            registry=self.registry,
        )

    def count_records_of(self, topic: str) -> None:
        """Every outcome of `topic`'s records at zero from now: Prometheus sees a series' first increase only if the
        series existed before it, so the first record dead-lettered after a start would otherwise alert nobody."""
        for outcome in CONSUMED_OUTCOMES:
            self.consumed.labels(topic, outcome)


class Metrics(DependencyProvider):
    """Gives a service its container's registry."""

    shared = MetricsRegistry()

    def get_dependency(self, worker_ctx: Any) -> CollectorRegistry:
        return self.shared.registry
