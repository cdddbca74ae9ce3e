"""Service configuration: one YAML file per service, `${VAR:default}` placeholders filled from the environment.

The same loader `nameko run --config` uses, so tests, tools and the CLI read a file exactly as the runner does.
"""

from pathlib import Path
from typing import Any

import yaml
from nameko.cli.main import setup_yaml_parser

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICE_NAMES = ("inventory", "migration", "interconnect", "monitoring")

setup_yaml_parser()


def config_path(service: str) -> Path:
    return REPO_ROOT / "services" / service / "config.yaml"


def load_config(service_or_path: str | Path) -> dict[str, Any]:
    """Read a service's config.yaml (by service name or path), resolving environment placeholders."""
    path = Path(service_or_path)
    if not path.suffix:
        path = config_path(str(service_or_path))
    with path.open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)
