"""A few worker threads that run one piece of work per item and hand back each outcome as it finishes.

The workers are daemon threads: a Ctrl-C in the main thread ends the run at once, whatever the workers
are waiting for. The work itself must be bounded in time (the runner puts a deadline on each check).
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

_POLL_SECONDS = 0.1  # how often the main thread wakes while it waits, so that Ctrl-C is seen at once


class WorkerPool(Generic[Item, Outcome]):
    """Runs work(item) on up to `jobs` threads, items started in the order given."""

    def __init__(self, items: Iterable[Item], work: Callable[[Item], Outcome], *, jobs: int) -> None:
        self._pending: deque[Item] = deque(items)
        self._work = work
        self._finished: queue.Queue[tuple[Item, Outcome | BaseException]] = queue.Queue()
        self._lock = threading.Lock()
        self._may_start = threading.Event()
        self._may_start.set()
        self._stopped = False
        self._started = 0
        self._ended = 0
        for number in range(min(max(1, jobs), len(self._pending))):
            threading.Thread(target=self._worker, name=f"timetension-check-{number}", daemon=True).start()

    def _worker(self) -> None:
        while True:
            self._may_start.wait()
            with self._lock:
                if self._stopped or not self._pending:
                    return
                item = self._pending.popleft()
                self._started += 1
            try:
                outcome: Outcome | BaseException = self._work(item)
            except BaseException as error:  # handed to the caller, never lost in a thread
                outcome = error
            self._finished.put((item, outcome))
            with self._lock:
                self._ended += 1

    def finished(self) -> Iterator[tuple[Item, Outcome | BaseException]]:
        """Each started item with its outcome, in the order they finish, until no more will start."""
        received = 0
        while True:
            with self._lock:
                if received == self._started and (self._stopped or not self._pending):
                    return
            try:
                yield self._finished.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
            received += 1

    def all_ended(self) -> bool:
        """True once every item has started and ended (finished() then hands back every outcome at once)."""
        with self._lock:
            return not self._pending and self._ended == self._started

    def hold(self) -> None:
        """Start nothing new until release() (the items already running go on)."""
        self._may_start.clear()

    def release(self) -> None:
        self._may_start.set()

    def stop(self) -> list[Item]:
        """Start nothing new; the items that never started, in order."""
        with self._lock:
            self._stopped = True
            never_started = list(self._pending)
            self._pending.clear()
        self._may_start.set()
        return never_started
