"""The interconnect's tunables, read from its config.yaml (each with an INTERCONNECT_... environment override)."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from services.interconnect.domain.gate import GatePolicy
from services.interconnect.domain.links import Thresholds

PROBE_ROUNDS_MISSED = 3


@dataclass(frozen=True)
class Settings:
    thresholds: Thresholds
    probe_interval: timedelta
    probe_timeout_seconds: float
    gate: GatePolicy


def settings_from(config: dict[str, Any]) -> Settings:
    probe_interval, probe_timeout = (
        _positive(config, key, float) for key in ("PROBE_INTERVAL_SECONDS", "PROBE_TIMEOUT_SECONDS")
    )
    # a probe round may take its timeout on top of the interval: the state is too old once three rounds were missed
    probe_round = probe_interval + probe_timeout
    return Settings(
        thresholds=Thresholds(
            failures_to_down=_positive(config, "LINK_FAILURES_TO_DOWN", int),
            successes_to_up=_positive(config, "LINK_SUCCESSES_TO_UP", int),
            degraded_latency_ms=_positive(config, "LINK_DEGRADED_LATENCY_MS", float),
        ),
        probe_interval=timedelta(seconds=probe_interval),
        probe_timeout_seconds=probe_timeout,
        gate=GatePolicy(
            window=timedelta(seconds=_positive(config, "GATE_WINDOW_SECONDS", float)),
            probe_stale_after=timedelta(seconds=PROBE_ROUNDS_MISSED * probe_round),
        ),
    )


def _positive(config: dict[str, Any], key: str, kind: type[int] | type[float]) -> Any:
    value = kind(config[key])
    if value <= 0:
        raise ValueError(f"{key} must be positive, not {config[key]!r}")
    return value
