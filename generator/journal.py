"""Dicts that note what one step reads of them and writes to them, so that the step can be replayed.

A version's IR is built resource by resource into state they share: the class names claimed so far,
the types of the schemas met, the models and enums made. A resource's build depends on its files and
on the entries of that state it looks up; nothing else. So the builder journals each resource's
lookups and writes, and a later run replays a resource whose files did not change when every entry it
looked up still holds what it held then: that gives exactly what building it again would give.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
State = Sequence["Journal"]


class Journal(dict):
    """A dict of shared build state. Between `journaled` calls it is a plain dict; during one, the
    lookups (`in`, `[]`, `get`) of keys the step has not written itself and the step's writes (`[]=`)
    are noted. A looked-up key that is absent is noted as None: no journal holds None as a value.
    The step may use no other dict method."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: dict[Any, Any] | None = None
        self.writes: dict[Any, Any] = {}

    def __contains__(self, key: object) -> bool:
        self._note(key)
        return dict.__contains__(self, key)

    def __getitem__(self, key: Any) -> Any:
        self._note(key)
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._note(key)
        return dict.get(self, key, default)

    def __setitem__(self, key: Any, value: Any) -> None:
        dict.__setitem__(self, key, value)
        if self.reads is not None:
            self.writes[key] = value

    def _note(self, key: Any) -> None:
        if self.reads is not None and key not in self.reads and key not in self.writes:
            self.reads[key] = dict.get(self, key)


@dataclass
class Replay(Generic[T]):
    """A step's result with what it read of each journal (key -> value, None for absent) and what it
    wrote to each, in the order of the journals it ran with."""

    result: T
    reads: tuple[dict[Any, Any], ...]
    writes: tuple[dict[Any, Any], ...]

    def holds(self, state: State) -> bool:
        """Whether every entry the step read still has the value it read (compared by ==)."""
        return len(state) == len(self.reads) and all(
            dict.get(journal, key) == value
            for journal, reads in zip(state, self.reads, strict=True)
            for key, value in reads.items()
        )

    def apply(self, state: State) -> T:
        """Make the step's writes again, as running it would, and give its result."""
        for journal, writes in zip(state, self.writes, strict=True):
            dict.update(journal, writes)
        return self.result


def journaled(state: State, step: Callable[[], T]) -> Replay[T]:
    """Run `step`, noting what it reads of and writes to each journal in `state`."""
    for journal in state:
        journal.reads, journal.writes = {}, {}
    try:
        result = step()
        return Replay(
            result, tuple(journal.reads or {} for journal in state), tuple(journal.writes for journal in state)
        )
    finally:
        for journal in state:
            journal.reads, journal.writes = None, {}
