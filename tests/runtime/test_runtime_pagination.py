"""Walking every page of a list operation: offsets, page numbers, stop rules, sync and async."""

from __future__ import annotations

import asyncio

import pytest
from capillary._model import CapillaryModel
from capillary._operation import Operation, Paging, Param

from capillary_testkit import MockAPI, async_client, json_response, sync_client


class Row(CapillaryModel):
    id: int


class Page(CapillaryModel):
    data: list[Row] | None = None


def list_operation(style: str = "offset", first: int = 0) -> Operation:
    return Operation(
        operation_id="listRows",
        method="GET",
        path="/v2/rows",
        api="v2",
        response=Page,
        params=(Param("limit", "limit", "query", int), Param("position", "offset", "query", int)),
        paging=Paging(style, limit="limit", position="position", items=("data",), first=first),  # type: ignore[arg-type]
    )


def pages(*sizes: int, start: int = 0) -> list:
    """Responses with consecutive ids: pages(2, 1) -> [{0, 1}], [{2}]."""
    answers, next_id = [], start
    for size in sizes:
        answers.append(json_response(200, {"data": [{"id": next_id + i} for i in range(size)]}))
        next_id += size
    return answers


def sent(api: MockAPI) -> list[tuple[str | None, str | None]]:
    return [(r.url.params.get("limit"), r.url.params.get("offset")) for r in api.requests]


def test_offset_pages_until_a_short_page(api: MockAPI) -> None:
    api.answer(*pages(2, 2, 1))
    ids = [row.id for row in sync_client(api).iterate(list_operation(), {"limit": 2})]
    assert ids == [0, 1, 2, 3, 4]
    assert sent(api) == [("2", "0"), ("2", "2"), ("2", "4")]


def test_page_numbers_start_at_first_and_step_by_one(api: MockAPI) -> None:
    api.answer(*pages(3, 3, 0))
    ids = [row.id for row in sync_client(api).iterate(list_operation("page", first=1), {"limit": 3})]
    assert ids == list(range(6))
    assert [offset for _, offset in sent(api)] == ["1", "2", "3"]


def test_the_callers_start_and_unknown_page_size(api: MockAPI) -> None:
    # Without a limit the walk cannot spot a short page: it stops at the first empty one.
    api.answer(*pages(2, 1, 0))
    ids = [row.id for row in sync_client(api).iterate(list_operation(), {"position": 10})]
    assert ids == [0, 1, 2]
    assert sent(api) == [(None, "10"), (None, "12"), (None, "13")]


def test_a_missing_list_is_an_empty_page(api: MockAPI) -> None:
    api.answer(json_response(200, {}))
    assert list(sync_client(api).iterate(list_operation(), {"limit": 5})) == []
    assert api.calls == 1


def test_a_server_ignoring_the_offset_does_not_loop(api: MockAPI) -> None:
    api.answer(*pages(2))  # the same full page every time
    ids = [row.id for row in sync_client(api).iterate(list_operation(), {"limit": 2})]
    assert ids == [0, 1]
    assert api.calls == 2


def test_pages_are_fetched_lazily(api: MockAPI) -> None:
    api.answer(*pages(2, 2))
    rows = sync_client(api).iterate(list_operation(), {"limit": 2})
    assert api.calls == 0
    next(rows)
    next(rows)
    assert api.calls == 1
    next(rows)
    assert api.calls == 2


def test_an_operation_without_paging_is_refused(api: MockAPI) -> None:
    plain = Operation(operation_id="plain", method="GET", path="/v2/x", api="v2", response=Page)
    with pytest.raises(TypeError, match="not a paged list operation"):
        next(sync_client(api).iterate(plain))


def test_async_iteration(api: MockAPI) -> None:
    api.answer(*pages(2, 1))

    async def collect() -> list[int]:
        async with async_client(api) as client:
            return [row.id async for row in client.iterate(list_operation(), {"limit": 2})]

    assert asyncio.run(collect()) == [0, 1, 2]
    assert sent(api) == [("2", "0"), ("2", "2")]
