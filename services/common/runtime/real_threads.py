"""grpcio on real OS threads inside an eventlet process.

grpcio's poll loop never yields to the eventlet hub (grpc/grpc#15923): with green threading a call hangs the process.
We hand grpcio the unpatched threading module. This leans on grpc internals (grpcio is pinned exactly);
tests/integration/common/test_grpc_bridge.py fails loudly if an upgrade moves them.
"""

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import eventlet
import eventlet.patcher
import grpc
import grpc._channel
import grpc._server
import grpc._utilities
from eventlet.event import Event as GreenEvent
from eventlet.hubs import trampoline
from grpc._cython import cygrpc

log = logging.getLogger(__name__)
threading = eventlet.patcher.original("threading")
queue = eventlet.patcher.original("queue")
_os = eventlet.patcher.original("os")

GRPC_MODULES_USING_THREADS = (grpc._server, grpc._channel, grpc._utilities, cygrpc)


def rebind_grpc_to_real_threads() -> None:
    for module in GRPC_MODULES_USING_THREADS:
        if not hasattr(module, "threading"):
            raise RuntimeError(
                f"{module.__name__} no longer uses threading: re-check the gRPC bridge for grpcio {grpc.__version__}"
            )
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
        self._tasks: Any = queue.SimpleQueue()  # of (fn, args, completion), None to stop a thread
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


class GreenWaker:
    """Lets real threads hand work to the eventlet hub: a self-pipe that one green pump thread reads.

    We do not park a tpool thread per waiter: its 20 threads would run out under concurrent calls and deadlock.
    """

    def __init__(self) -> None:
        self._read_fd, self._write_fd = _os.pipe()
        _os.set_blocking(self._read_fd, False)
        _os.set_blocking(self._write_fd, False)
        self._pending: Any = queue.SimpleQueue()
        self._pump: Any = None

    def start(self) -> None:
        """Start the pump; call from the hub's thread."""
        if self._pump is None:
            self._pump = eventlet.spawn(self._pump_forever)

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the hub as soon as possible; safe from any thread."""
        self._pending.put(fn)
        with contextlib.suppress(BlockingIOError):  # a full pipe means the pump is awake already
            _os.write(self._write_fd, b"!")

    def _pump_forever(self) -> None:
        while True:
            trampoline(self._read_fd, read=True)
            _drain(self._read_fd)
            while True:
                try:
                    fn = self._pending.get_nowait()
                except queue.Empty:
                    break
                try:
                    fn()
                except Exception:
                    log.exception("callback handed to the hub failed")


def _drain(fd: int) -> None:
    with contextlib.suppress(BlockingIOError):
        while _os.read(fd, 4096):
            pass


waker = GreenWaker()


def wait_green(future: Future[Any] | grpc.Future) -> Any:
    """Wait for a real-thread future from a green thread without freezing the hub; its result or its error."""
    waker.start()
    done = GreenEvent()
    future.add_done_callback(lambda _: waker.call_soon(done.send))
    done.wait()
    return future.result()


rebind_grpc_to_real_threads()
