"""The run's progress events, told in the order of the report whatever order they happen in.

Each level has a slot of events. A slot's events are told as they come once every earlier slot is
closed; until then they are held. A level whose check still waits (a token's lifetime) stays open
while the next levels run, so their events wait for it, and may still be replaced before anyone sees
them (when the waiting check fails, the next levels did not count).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ProgressCallback = Callable[[str, Any], None]


class _Slot:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.told = 0
        self.closed = False


class OrderedProgress:
    def __init__(self, notify: ProgressCallback) -> None:
        self._notify = notify
        self._slots: list[_Slot] = []

    def open_slot(self) -> int:
        self._slots.append(_Slot())
        return len(self._slots) - 1

    def tell(self, slot: int, event: str, payload: Any) -> None:
        self._slots[slot].events.append((event, payload))
        self._flush()

    def close(self, slot: int) -> None:
        self._slots[slot].closed = True
        self._flush()

    def replace(self, slot: int, events: list[tuple[str, Any]]) -> None:
        """New events for a slot none of whose events has been told yet."""
        if self._slots[slot].told:
            raise RuntimeError("a slot whose events were told cannot be replaced")
        self._slots[slot].events = list(events)

    def _flush(self) -> None:
        for slot in self._slots:
            while slot.told < len(slot.events):
                event, payload = slot.events[slot.told]
                slot.told += 1
                self._notify(event, payload)
            if not slot.closed:
                return
