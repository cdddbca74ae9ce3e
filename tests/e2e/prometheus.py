"""A real Prometheus server (Debian's /usr/bin/prometheus) scraping a running stack with the suite's alert rules."""

import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.stack import REPO_ROOT, Stack, free_port, stop_process, wait_for

RULES = REPO_ROOT / "services" / "monitoring" / "alerts" / "rules.yml"
INTERVAL = "1s"  # scrapes and rule evaluations


def scrape_config(stack: Stack) -> dict[str, Any]:
    """One job per service; the static labels stand in for the ServiceMonitor relabeling the rules select on."""
    jobs = [
        {
            "job_name": name,
            "static_configs": [{"targets": [f"127.0.0.1:{port}"], "labels": {"suite": "zhongyuan", "service": name}}],
        }
        for name, port in stack.http_ports.items()
    ]
    every = {"scrape_interval": INTERVAL, "scrape_timeout": INTERVAL, "evaluation_interval": INTERVAL}
    return {"global": every, "rule_files": [str(RULES)], "scrape_configs": jobs}


def prometheus_binary() -> str:
    """Debian's prometheus; a missing one fails the test."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is not installed: `apt-get install -y prometheus` (.ci/run does it)", pytrace=False)
    return binary


@dataclass
class PrometheusServer:
    work_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.work_dir / "prometheus.log"

    def start(self, stack: Stack) -> "PrometheusServer":
        config = self.work_dir / "prometheus.yml"
        config.write_text(yaml.safe_dump(scrape_config(stack)))
        command = [
            prometheus_binary(),
            f"--config.file={config}",
            f"--storage.tsdb.path={self.work_dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self.ready, f"prometheus on {self.url} (log: {self.log_path})", 30, self.process)
        return self

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def api(self, path: str) -> Any:
        """The `data` of a /api/v1 answer."""
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}", timeout=5) as response:
            answer = json.load(response)
        assert answer["status"] == "success", answer
        return answer["data"]

    def query(self, expression: str) -> list[dict[str, Any]]:
        return self.api(f"query?{urllib.parse.urlencode({'query': expression})}")["result"]

    def targets(self) -> list[dict[str, Any]]:
        return self.api("targets?state=active")["activeTargets"]

    def alerts(self, name: str) -> list[dict[str, Any]]:
        return [alert for alert in self.api("alerts")["alerts"] if alert["labels"]["alertname"] == name]

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, grace=10)
