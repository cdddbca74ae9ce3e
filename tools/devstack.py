"""`make run` and `make test`: start what is needed, run, and stop every process that was started.

python -m tools.devstack run          broker + four services on the default ports, until Ctrl-C / SIGTERM
python -m tools.devstack test [-- pytest args]   broker on a free port, then the whole test suite (in two halves
                                                 side by side), or pytest with the arguments given
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import grpc
import yaml

from services.common.auth import OPERATOR, TokenStore
from services.common.engines import create_engine
from services.common.schema_upgrades import AUTH_VERSIONS, upgrade
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2_grpc as interconnect_grpc
from services.pb.zhongyuan.inventory.v1 import inventory_pb2
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inventory_grpc
from tools.stack import (
    DEFAULT_BROKER_PORT,
    DEFAULT_GRPC_PORTS,
    DEFAULT_HTTP_PORTS,
    PORT_RANGE,
    PORT_RANGE_VARIABLE,
    REPO_ROOT,
    SERVICES,
    Broker,
    Stack,
    port_is_open,
)

VAR = REPO_ROOT / "var"
DEMO_CATALOGUE = REPO_ROOT / "services" / "inventory" / "demo" / "catalog.yaml"
DEMO_PLATFORMS = REPO_ROOT / "services" / "interconnect" / "demo" / "platforms.yaml"
POSTGRES_URL = os.environ.get("ZY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def create_operator_token(auth_database_url: str) -> str:
    engine = create_engine(auth_database_url)
    upgrade(engine, AUTH_VERSIONS)
    return TokenStore(engine).create_token([OPERATOR], "local operator created by make run")


def load_demo_catalogue(inventory_target: str, token: str) -> None:
    """Import services/inventory/demo/catalog.yaml (an upsert: running it again changes nothing)."""
    request = inventory_pb2.ImportCatalogRequest(
        format=inventory_pb2.CATALOG_FORMAT_YAML, content=DEMO_CATALOGUE.read_bytes()
    )
    with grpc.insecure_channel(inventory_target) as channel:
        reply = inventory_grpc.InventoryServiceStub(channel).ImportCatalog(
            request, metadata=(("authorization", f"Bearer {token}"),), timeout=60
        )
    created = ", ".join(f"{c.kind} {c.created}" for c in reply.counts if c.created)
    print(f"demo catalogue loaded ({created or 'already there'})", flush=True)


def load_demo_platforms(interconnect_target: str, token: str) -> None:
    """Import services/interconnect/demo/platforms.yaml (an upsert: running it again changes nothing)."""
    request = interconnect_pb2.ImportPlatformsRequest(content=DEMO_PLATFORMS.read_bytes())
    with grpc.insecure_channel(interconnect_target) as channel:
        reply = interconnect_grpc.InterconnectServiceStub(channel).ImportPlatforms(
            request, metadata=(("authorization", f"Bearer {token}"),), timeout=60
        )
    created = ", ".join(f"{c.kind} {c.created}" for c in reply.counts if c.created)
    print(f"demo platforms loaded ({created or 'already there'})", flush=True)


def prepare_demo_hosts(catalogue: Path = DEMO_CATALOGUE) -> int:
    """Give every local demo host its directory, and every source some data to migrate; the number of hosts."""
    systems = yaml.safe_load(catalogue.read_text(encoding="utf-8"))["systems"]
    hosts = [
        (system, host)
        for system in systems
        for host in system.get("hosts", [])
        if host.get("connection") == "local" and host.get("root")
    ]
    for system, host in hosts:
        root = REPO_ROOT / host["root"]
        (root / ".zhongyuan").mkdir(parents=True, exist_ok=True)
        if host["role"] == "source":
            data = root / "data"
            data.mkdir(exist_ok=True)
            (data / "records.csv").write_text(f"system,name\n{system['code']},{system['name']}\n", encoding="utf-8")
    return len(hosts)


def reserve_grpc_ports() -> None:
    """Keep Linux from lending our default gRPC ports (50051-50054, inside its ephemeral range) to outgoing
    connections, which would stop a service from listening. Needs root; without it, the ports are only likely free."""
    setting = Path("/proc/sys/net/ipv4/ip_local_reserved_ports")
    ranges = f"{min(DEFAULT_GRPC_PORTS.values())}-{max(DEFAULT_GRPC_PORTS.values())}"
    try:
        current = setting.read_text().strip()
        if ranges not in current.split(","):
            setting.write_text(",".join(filter(None, [current, ranges])))
    except OSError as error:
        print(f"note: could not reserve ports {ranges} from the ephemeral range ({error})", flush=True)


def run() -> int:
    port = int(os.environ.get("BROKER_PORT", DEFAULT_BROKER_PORT))
    stack = Stack(VAR, Broker(port, VAR / "log" / "broker.log"), dict(DEFAULT_GRPC_PORTS), dict(DEFAULT_HTTP_PORTS))
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    reserve_grpc_ports()
    try:
        token = create_operator_token(stack.auth_database_url)
        cli_config = VAR / "zyctl.json"
        cli_config.write_text(json.dumps(stack.cli_config(token), indent=2))
        cli_config.chmod(0o600)
        stack.start()
        load_demo_catalogue(stack.services["inventory"].grpc_target, token)
        print(f"demo hosts ready: {prepare_demo_hosts()} local hosts under var/hosts/", flush=True)
        load_demo_platforms(stack.services["interconnect"].grpc_target, token)
        _print_endpoints(stack, cli_config)
        stopping.wait()
        print("\nstopping every process make run started …", flush=True)
    finally:
        stack.stop()
    return 0


def _print_endpoints(stack: Stack, cli_config: Path) -> None:
    print("\n中原云 migration suite is running (Ctrl-C stops everything)\n")
    print(f"  Kafka-compatible broker (Tansu)  {stack.broker.bootstrap}")
    for name in SERVICES:
        service = stack.services[name]
        print(f"  {name:<13} gRPC {service.grpc_target:<17} HTTP {service.http_url}/healthz  /metrics")
    print(f"\n  databases and logs               {VAR}/")
    print(f"  zyctl configuration              {cli_config} (operator token inside)")
    print("  try:                             .venv/bin/zyctl status", flush=True)
    print(
        "                                   .venv/bin/zyctl migrate start HA-WJW-JKK --auto-approve --watch\n",
        flush=True,
    )


def docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probes = (["docker", "info"], ["docker", "compose", "version"])
    return all(subprocess.run(p, capture_output=True).returncode == 0 for p in probes)


# The whole suite runs as two pytest processes side by side, one per core: it is mostly real processes (services,
# playbooks) waiting on each other, and xdist's workers hang under eventlet's monkey-patching. Each half takes about
# as long as the other. The folders that run waves of playbooks (migration, faults) go first in one and last in the
# other, so that the two halves' heaviest parts barely overlap on a 2-CPU machine.
SHARDS = (
    ["tests/integration/migration", "tests/integration/inventory", "tests/integration/interconnect"],
    [
        "tests/integration/monitoring",
        "tests/integration/common",
        "tests/e2e",
        "tests/unit",
        "tests/integration/faults",
        "tests/integration/warm_migration",  # private database servers and their playbooks: minutes of their own
    ],
)


def test(pytest_args: list[str]) -> int:
    if docker_available():  # tests/conftest.py brings up tests/docker-compose.yml through pytest-docker
        return _pytest_in_shards(pytest_args, os.environ)
    if not port_is_open(5432):
        sys.exit("PostgreSQL is not answering on 127.0.0.1:5432: start it (see README, 'Tests') and run again")
    broker = Broker.on_free_port(VAR / "test" / "broker.log").start()
    try:
        env = dict(os.environ, ZY_TEST_KAFKA_BOOTSTRAP=broker.bootstrap, ZY_TEST_POSTGRES_URL=POSTGRES_URL)
        return _pytest_in_shards(pytest_args, env)
    finally:
        broker.stop()


def _pytest_in_shards(pytest_args: list[str], env: Mapping[str, str]) -> int:
    """pytest with the given arguments; without any, the whole suite as SHARDS, their output lines prefixed."""
    if pytest_args:
        return subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=REPO_ROOT, env=env).returncode
    missing = set(_test_folders()) - {folder for shard in SHARDS for folder in shard}
    if missing:
        sys.exit(f"tools/devstack.py SHARDS leaves out {sorted(missing)}: add them to a shard")
    shards = [
        subprocess.Popen(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *paths],
            cwd=REPO_ROOT,
            env={**env, PORT_RANGE_VARIABLE: ports},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for paths, ports in zip(SHARDS, _port_ranges(len(SHARDS)), strict=True)
    ]
    summaries: list[list[str]] = [[] for _ in shards]
    relays = [
        threading.Thread(target=_relay, args=(n, shard.stdout, summaries[n - 1]))
        for n, shard in enumerate(shards, start=1)
    ]
    for relay in relays:
        relay.start()
    codes = [shard.wait() for shard in shards]
    for relay in relays:
        relay.join()
    # The shard that ends first has its failures scrolled far up by the other's output: repeat each one's summary.
    for summary in summaries:
        print("".join(summary), end="", flush=True)
    print(f"shards ended with exit codes {codes}", flush=True)
    return max(codes, key=abs)


def _port_ranges(count: int) -> list[str]:
    """PORT_RANGE split in `count` parts, as "LOW-HIGH"."""
    low, high = PORT_RANGE
    size = (high - low + 1) // count
    return [f"{low + i * size}-{low + (i + 1) * size - 1}" for i in range(count)]


def _test_folders() -> list[str]:
    folders = [REPO_ROOT / "tests" / "unit", REPO_ROOT / "tests" / "e2e"]
    folders += [path for path in (REPO_ROOT / "tests" / "integration").iterdir() if (path / "__init__.py").exists()]
    return [str(path.relative_to(REPO_ROOT)) for path in folders]


def _relay(number: int, output: IO[str], summary: list[str]) -> None:
    """Prints the shard's lines as they come and keeps its summary: pytest's short test summary and last line."""
    last = ""
    for line in output:
        last = f"[{number}] {line}"
        print(last, end="", flush=True)
        if summary or "short test summary info" in line:
            summary.append(last)
    if not summary and last:
        summary.append(last)


def main() -> int:
    parser = argparse.ArgumentParser(prog="devstack")
    parser.add_argument("command", choices=["run", "test"])
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.command == "run":
        return run()
    return test([a for a in args.rest if a != "--"])


if __name__ == "__main__":
    sys.exit(main())
