"""Which consumer groups read which topic."""

import inspect
from collections import defaultdict

from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services.common.runtime.kafka import KafkaConsumerEntrypoint
from services.interconnect.service import InterconnectService
from services.inventory.service import InventoryService
from services.migration.service import MigrationService
from services.monitoring.service import MonitoringService

SERVICES = (InventoryService, MigrationService, InterconnectService, MonitoringService)
GROUP_PREFIX = "zhongyuan"  # KAFKA_GROUP_PREFIX's default in every config.yaml


def consumer_groups() -> dict[str, list[tuple[str, str]]]:
    """topic -> (service, consumer group) of every @kafka_consumer entrypoint of the four services."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for service in SERVICES:
        for method_name, method in inspect.getmembers(service, inspect.isfunction):
            for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(entrypoint, KafkaConsumerEntrypoint):
                    groups[entrypoint.topic].append((service.name, f"{GROUP_PREFIX}.{service.name}.{method_name}"))
    return dict(groups)
