"""A broker and the four services as real processes, once per test module."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest

from services.common.auth import TokenStore
from services.common.engines import create_engine
from services.common.schema_upgrades import AUTH_VERSIONS, upgrade
from tools.stack import Stack


@dataclass
class RunningStack:
    stack: Stack
    tokens: TokenStore
    _channels: dict[str, grpc.Channel] = field(default_factory=dict)

    def channel(self, service: str) -> grpc.Channel:
        if service not in self._channels:
            self._channels[service] = grpc.insecure_channel(self.stack.services[service].grpc_target)
        return self._channels[service]

    def stub(self, service: str, stub_class: Callable[[grpc.Channel], Any]) -> Any:
        return stub_class(self.channel(service))

    def token(self, role: str, description: str = "") -> str:
        return self.tokens.create_token([role], description or f"e2e {role}")

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()


@pytest.fixture(scope="module")
def module_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    stack = Stack.on_free_ports(tmp_path_factory.mktemp("stack"))
    engine = create_engine(stack.auth_database_url)
    upgrade(engine, AUTH_VERSIONS)
    running = RunningStack(stack, TokenStore(engine))
    try:
        stack.start()
        yield running
    finally:
        running.close()
        stack.stop()
