"""Real listening processes standing in for city platforms' exchange endpoints on loopback."""

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.fixtures.services import eventually
from tools.stack import free_port, port_is_open, stop_process

# Accepts connections and never answers: an endpoint that times out.
SILENT_SERVER = """
import socket, sys, time
server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
held = []
while True:
    held.append(server.accept())
"""


@dataclass
class Listener:
    """A process listening on 127.0.0.1:`port`; stop it and start it again on the same port."""

    command: list[str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> "Listener":
        self.process = subprocess.Popen(
            [*self.command, str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        eventually(lambda: port_is_open(self.port), f"a listener on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, grace=5)
            self.process = None


class Listeners:
    def __init__(self, root: Path):
        self.root = root
        self.started: list[Listener] = []

    def http(self) -> Listener:
        """`python -m http.server`: GET / answers 200."""
        return self._start([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(self.root)])

    def silent(self) -> Listener:
        return self._start([sys.executable, "-c", SILENT_SERVER])

    def _start(self, command: list[str]) -> Listener:
        self.started.append(Listener(command).start())
        return self.started[-1]

    def stop_all(self) -> None:
        for listener in self.started:
            listener.stop()
