"""grpcio on real OS threads inside an eventlet process.

grpcio's poll loop never yields to the eventlet hub (grpc/grpc#15923): with green threading a call hangs the process.
We hand grpcio the unpatched threading module. This leans on grpc internals (grpcio is pinned exactly);
tests/integration/common/test_grpc_bridge.py fails loudly if an upgrade moves them.
"""

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import eventlet.patcher
import grpc
import grpc._channel
import grpc._server
import grpc._utilities
from eventlet import tpool
from grpc._cython import cygrpc

log = logging.getLogger(__name__)
threading = eventlet.patcher.original("threading")
queue = eventlet.patcher.original("queue")

GRPC_MODULES_USING_THREADS = (grpc._server, grpc._channel, grpc._utilities, cygrpc)


def rebind_grpc_to_real_threads() -> None:
    for module in GRPC_MODULES_USING_THREADS:
        if not hasattr(module, "threading"):
            raise RuntimeError(f"{module.__name__} no longer uses threading: re-check the gRPC bridge for grpcio {grpc.__version__}")
        module.threading = threading


class _Completion:
    """The part of a Future that grpcio's server uses: add_done_callback, on real locks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[_Completion], None]] = []
        self._done = False

    def add_done_callback(self, callback: Callable[["_Completion"], None]) -> None:
        with self._lock:
            if not self._done:
                self._callbacks.append(callback)
                return
        callback(self)

    def finish(self) -> None:
        with self._lock:
            self._done = True
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)


class RealThreadPool:
    """A fixed pool of OS threads for grpcio's server (concurrent.futures would be green after monkey-patching)."""

    def __init__(self, size: int, name: str = "grpc-server"):
        self._tasks: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...], _Completion] | None] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(size)]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> _Completion:
        completion = _Completion()
        self._tasks.put((fn, args, completion))
        return completion

    def shutdown(self, wait: bool = True) -> None:
        for _ in self._threads:
            self._tasks.put(None)

    def _work(self) -> None:
        while (task := self._tasks.get()) is not None:
            fn, args, completion = task
            try:
                fn(*args)
            except Exception:  # grpcio reports its own failures; keep the thread serving
                log.exception("gRPC server task failed")
            finally:
                completion.finish()


def wait_green(future: Future[Any] | grpc.Future, timeout: float | None = None) -> Any:
    """Wait for a real-thread future from a green thread without freezing the hub."""
    return tpool.execute(future.result, timeout)


rebind_grpc_to_real_threads()
