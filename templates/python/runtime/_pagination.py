"""Walking every page of a list operation, for the generated `iter_*` methods.

The walk is the same for both drivers: `PageWalk` decides what the next request asks for and when
to stop; `SyncClient.iterate` and `AsyncClient.iterate` only send the requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._operation import Paging


class PageWalk:
    """Arguments of the page to fetch next, and the stop rules.

    Stops after an empty page, after a page shorter than the requested page size, and when a page
    repeats the previous one (a server that ignores the position would otherwise loop forever).
    """

    def __init__(self, paging: Paging, arguments: Mapping[str, Any]) -> None:
        self.paging = paging
        self.arguments = dict(arguments)
        if self.arguments.get(paging.position) is None:
            self.arguments[paging.position] = paging.first
        self._previous: list[Any] | None = None

    def items(self, result: Any) -> list[Any]:
        """The items of one page; a missing or null list is an empty page."""
        value = result
        for name in self.paging.items:
            value = getattr(value, name, None)
            if value is None:
                return []
        return list(value)

    def is_repeat(self, items: list[Any]) -> bool:
        return bool(items) and items == self._previous

    def advance(self, items: list[Any]) -> bool:
        """Move to the page after `items`; False when `items` was the last page."""
        limit = self.arguments.get(self.paging.limit)
        if not items or (limit is not None and len(items) < limit):
            return False
        self._previous = items
        step = len(items) if self.paging.style == "offset" else 1
        self.arguments[self.paging.position] += step
        return True
