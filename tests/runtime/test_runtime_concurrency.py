"""Concurrency against the real local server: 200 asyncio tasks on one AsyncCapillary, 32 threads on
one Capillary, sharing one OAuth token.

- The token has expired when the burst starts: the server sees exactly one token request for all of
  them, and every call succeeds with the new token.
- The server revokes the token in the middle of a burst: every call it rejects (401) is replayed
  exactly once with one shared new token (one refresh for the whole rejected group), and the calls
  answered before the revocation are not sent again.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from capillary import AsyncCapillary, Capillary, RetryPolicy

from capillary_testkit import OAUTH_KEY, OAUTH_SECRET
from live_server import LiveServer, Reply, Seen

ASYNC_CALLS = 200
THREADS = 32
SYNC_CALLS = 96
TTL = 0.4
"""Token lifetime the server grants: the client treats it as expired after TTL/2."""


def settings(server: LiveServer) -> dict[str, Any]:
    return {
        "base_url": server.url,
        "oauth_key": OAUTH_KEY,
        "oauth_secret": OAUTH_SECRET,
        "timeout": 10.0,
        # No retries: a call may only succeed through the token logic under test.
        "max_retries": RetryPolicy(max_retries=0),
    }


def lookup_args(n: int) -> dict[str, Any]:
    return {"source": "INSTORE", "identifier_name": "mobile", "identifier_value": f"9198{n:08d}"}


def call_id(seen: Seen) -> str:
    return seen.target.rsplit("identifierValue=", 1)[1].split("&", 1)[0]


def slow_ok(server: LiveServer, *, revoke_at: int | None = None) -> None:
    """Answer every lookup after 20 ms (so calls overlap); revoke the current token at request `revoke_at`."""
    lock = threading.Lock()
    count = 0

    def script(seen: Seen) -> Reply:
        nonlocal count
        with lock:
            count += 1
            if count == revoke_at:
                server.rejected_tokens.add(seen.headers["x-cap-api-oauth-token"])
        return Reply(200, {"entity": int(call_id(seen)), "warnings": []}, delay=0.02)

    server.script = script


def check_burst(server: LiveServer, results: list[Any], calls: int) -> list[Seen]:
    """Every call succeeded; the burst cost exactly one token request; every call the server rejected
    (401) was sent exactly twice, the second time with the new token; the others exactly once.
    Returns the rejected requests."""
    assert sorted(r.entity for r in results) == sorted(int(f"9198{n:08d}") for n in range(calls))
    assert len(server.token_requests) == 1
    seen = server.requests()
    rejected = [s for s in seen if s.status == 401]
    replayed = {call_id(s) for s in rejected}
    assert len(replayed) == len(rejected), "a call was rejected twice"
    per_call: dict[str, list[Seen]] = {}
    for s in seen:
        per_call.setdefault(call_id(s), []).append(s)
    assert len(per_call) == calls
    for call, sent in per_call.items():
        if call in replayed:
            assert [s.status for s in sent] == [401, 200], call
            assert sent[1].headers["x-cap-api-oauth-token"] == "tok-secret-2"
        else:
            assert [s.status for s in sent] == [200], call
    assert Counter(r.response_meta.attempts for r in results) == Counter(
        2 if str(r.entity) in replayed else 1 for r in results
    )
    return rejected


async def test_200_async_calls_share_one_refresh_of_an_expired_token(server: LiveServer) -> None:
    server.token_ttl = TTL
    slow_ok(server)
    async with AsyncCapillary(**settings(server)) as client:
        await client.v2.customers.lookup(**lookup_args(0))  # token 1, valid for TTL/2
        assert len(server.token_requests) == 1
        await asyncio.sleep(TTL / 2 + 0.05)
        server.reset()
        server.token_ttl, server.tokens_issued = 300, 1
        slow_ok(server)
        started = time.perf_counter()
        results = await asyncio.gather(*(client.v2.customers.lookup(**lookup_args(n)) for n in range(ASYNC_CALLS)))
        elapsed = time.perf_counter() - started

    assert check_burst(server, results, ASYNC_CALLS) == []
    assert {seen.headers["x-cap-api-oauth-token"] for seen in server.requests()} == {"tok-secret-2"}
    assert elapsed < 20


async def test_token_revoked_mid_burst_is_refreshed_once_and_each_rejected_call_replayed_once(
    server: LiveServer,
) -> None:
    slow_ok(server)
    async with AsyncCapillary(**settings(server)) as client:
        await client.v2.customers.lookup(**lookup_args(0))
        server.reset()
        server.tokens_issued = 1
        slow_ok(server, revoke_at=ASYNC_CALLS // 2)
        results = await asyncio.gather(*(client.v2.customers.lookup(**lookup_args(n)) for n in range(ASYNC_CALLS)))

    rejected = check_burst(server, results, ASYNC_CALLS)
    assert server.rejected_tokens == {"tok-secret-1"}
    assert rejected and all(s.headers["x-cap-api-oauth-token"] == "tok-secret-1" for s in rejected)
    assert len(server.requests()) == ASYNC_CALLS + len(rejected)


def thread_burst(client: Capillary, calls: int) -> list[Any]:
    barrier = threading.Barrier(THREADS)

    def work(n: int) -> Any:
        if n < THREADS:
            barrier.wait(timeout=10)  # the first wave starts together
        return client.v2.customers.lookup(**lookup_args(n))

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(work, range(calls)))


def test_32_threads_share_one_refresh_of_an_expired_token(server: LiveServer) -> None:
    server.token_ttl = TTL
    slow_ok(server)
    with Capillary(**settings(server)) as client:
        client.v2.customers.lookup(**lookup_args(0))
        time.sleep(TTL / 2 + 0.05)
        server.reset()
        server.token_ttl, server.tokens_issued = 300, 1
        slow_ok(server)
        results = thread_burst(client, SYNC_CALLS)

    assert check_burst(server, results, SYNC_CALLS) == []
    assert {seen.headers["x-cap-api-oauth-token"] for seen in server.requests()} == {"tok-secret-2"}


@pytest.mark.parametrize("revoke_at", [1, THREADS // 2, SYNC_CALLS // 2])
def test_32_threads_token_revoked_mid_burst(server: LiveServer, revoke_at: int) -> None:
    slow_ok(server)
    with Capillary(**settings(server)) as client:
        client.v2.customers.lookup(**lookup_args(0))
        server.reset()
        server.tokens_issued = 1
        slow_ok(server, revoke_at=revoke_at)
        results = thread_burst(client, SYNC_CALLS)

    rejected = check_burst(server, results, SYNC_CALLS)
    assert rejected and all(s.headers["x-cap-api-oauth-token"] == "tok-secret-1" for s in rejected)
    assert len(server.requests()) == SYNC_CALLS + len(rejected)
