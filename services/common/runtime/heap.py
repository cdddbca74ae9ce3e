"""Garbage collection in a long-running service: the heap built while starting is frozen.

Python's full collections walk every tracked object, and a started service holds a few hundred thousand that live as
long as it does (modules, SQLAlchemy's and protobuf's tables). Folding a backlog of events allocates fast enough to
trigger a full collection every second or so, each about 0.1 s: 18 % of monitoring's time in a measured backlog.
Frozen, those objects are left out of every collection (the technique CPython's gc.freeze was made for).
"""

import gc
import logging

from nameko.extensions import DependencyProvider

log = logging.getLogger(__name__)


class FrozenStartupHeap(DependencyProvider):
    """Freezes what exists once the container's extensions are set up, before its entrypoints start."""

    def start(self) -> None:
        gc.collect()  # what startup left as garbage is freed, not kept for ever
        gc.freeze()
        log.info("froze %d objects built at start-up out of garbage collection", gc.get_freeze_count())
