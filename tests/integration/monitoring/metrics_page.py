"""Reading samples off a /metrics page."""

import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def metrics_text(metrics_url: str) -> str:
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        return response.read().decode()


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the sample `name{labels}` (labels matched exactly), None when absent."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return None
