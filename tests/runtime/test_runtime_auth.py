"""Basic auth header, OAuth token lifecycle (fetch, cache, expiry, 401 replay, shared refresh)."""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from capillary import errors
from capillary._auth import BasicAuth, OAuth, Secret, basic_authorization

from capillary_testkit import (
    BASIC_HEADER,
    BASIC_ONLY,
    LOOKUP,
    LOOKUP_ARGS,
    LOOKUP_OK,
    OAUTH_KEY,
    OAUTH_ONLY,
    OAUTH_SECRET,
    PASSWORD,
    TILL,
    MockAPI,
    async_client,
    json_response,
    oauth_kwargs,
    sync_client,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_basic_header_reproduces_the_documented_example() -> None:
    assert basic_authorization("store.server", "server123") == (
        "Basic c3RvcmUuc2VydmVyOjhhMTZhNmI3MDUwNWViMWYxZmY3Y2RjMGNkNTU1OWE3"
    )


def test_basic_header_is_sent_on_the_wire(api: MockAPI) -> None:
    sync_client(api, till=TILL, password=PASSWORD).request(LOOKUP, LOOKUP_ARGS)
    request = api.requests[0]
    assert request.headers["Authorization"] == BASIC_HEADER
    assert "X-CAP-API-OAUTH-TOKEN" not in request.headers
    assert api.token_requests == []


def test_basic_auth_and_secret_reprs_hide_the_password() -> None:
    auth = BasicAuth(TILL, PASSWORD)
    assert repr(auth) == "BasicAuth(till='store.server')"
    assert repr(Secret("hunter2")) == "Secret('**********')"
    assert "hunter2" not in f"{Secret('hunter2')}"


def test_oauth_token_is_fetched_once_and_cached(api: MockAPI) -> None:
    client = sync_client(api, **oauth_kwargs())
    client.request(LOOKUP, LOOKUP_ARGS)
    client.request(LOOKUP, LOOKUP_ARGS)

    assert len(api.token_requests) == 1
    token_request = api.token_requests[0]
    assert token_request.method == "POST"
    assert str(token_request.url) == "https://eu.api.capillarytech.com/v3/oauth/token/generate"
    assert json.loads(token_request.content) == {"key": OAUTH_KEY, "secret": OAUTH_SECRET}
    assert "Authorization" not in token_request.headers
    assert "X-CAP-API-OAUTH-TOKEN" not in token_request.headers
    assert [r.headers["X-CAP-API-OAUTH-TOKEN"] for r in api.requests] == [
        "tok-secret-1",
        "tok-secret-1",
    ]
    assert all("Authorization" not in r.headers for r in api.requests)


def test_oauth_token_is_refreshed_before_ttl_runs_out(api: MockAPI) -> None:
    client = sync_client(api, **oauth_kwargs())
    clock = Clock()
    client._oauth.clock = clock  # type: ignore[union-attr]
    client.request(LOOKUP, LOOKUP_ARGS)  # token 1 at t=1000, ttl 300, refresh 30 s early
    clock.now = 1000 + 269
    client.request(LOOKUP, LOOKUP_ARGS)
    assert len(api.token_requests) == 1
    clock.now = 1000 + 271
    client.request(LOOKUP, LOOKUP_ARGS)
    assert len(api.token_requests) == 2
    assert [r.headers["X-CAP-API-OAUTH-TOKEN"] for r in api.requests] == [
        "tok-secret-1",
        "tok-secret-1",
        "tok-secret-2",
    ]


def test_short_ttl_refreshes_at_half_life(api: MockAPI) -> None:
    api.token_ttl = 10
    client = sync_client(api, **oauth_kwargs())
    clock = Clock()
    client._oauth.clock = clock  # type: ignore[union-attr]
    client.request(LOOKUP, LOOKUP_ARGS)
    clock.now += 4.9
    client.request(LOOKUP, LOOKUP_ARGS)
    clock.now += 0.2
    client.request(LOOKUP, LOOKUP_ARGS)
    assert len(api.token_requests) == 2


def test_401_refreshes_the_token_and_replays_once(api: MockAPI) -> None:
    api.answer(
        json_response(401, {"errors": [{"code": 401, "message": "token expired"}]}),
        json_response(200, LOOKUP_OK),
    )
    client = sync_client(api, **oauth_kwargs())
    result = client.request(LOOKUP, LOOKUP_ARGS)

    assert result.entity.first_name == "Tom"
    assert len(api.token_requests) == 2
    assert [r.headers["X-CAP-API-OAUTH-TOKEN"] for r in api.requests] == [
        "tok-secret-1",
        "tok-secret-2",
    ]
    assert client._sleep.waits == []  # a replay is not a retry: no backoff  # type: ignore[attr-defined]
    assert result.response_meta.attempts == 2


def test_second_401_is_raised_after_the_single_replay(api: MockAPI) -> None:
    api.answer(json_response(401, {"errors": [{"code": 401, "message": "Invalid token"}]}, request_id="rid-401"))
    client = sync_client(api, **oauth_kwargs())
    with pytest.raises(errors.AuthenticationError) as caught:
        client.request(LOOKUP, LOOKUP_ARGS)
    assert api.calls == 2
    assert len(api.token_requests) == 2
    assert caught.value.status_code == 401
    assert caught.value.message == "Invalid token"
    assert caught.value.request_id == "rid-401"


def test_basic_401_is_not_replayed(api: MockAPI) -> None:
    api.answer(json_response(401, {"errors": [{"code": 401, "message": "bad till"}]}))
    with pytest.raises(errors.AuthenticationError):
        sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert api.calls == 1


def test_custom_oauth_header_name(api: MockAPI) -> None:
    sync_client(api, **oauth_kwargs(oauth_header="CAP-API-ACCESS-TOKEN")).request(LOOKUP, LOOKUP_ARGS)
    headers = api.requests[0].headers
    assert headers["CAP-API-ACCESS-TOKEN"] == "tok-secret-1"
    assert "X-CAP-API-OAUTH-TOKEN" not in headers


def test_pre_issued_access_token_is_used_without_fetching(api: MockAPI) -> None:
    client = sync_client(api, access_token="tok-secret-preissued")
    client.request(LOOKUP, LOOKUP_ARGS)
    assert api.requests[0].headers["X-CAP-API-OAUTH-TOKEN"] == "tok-secret-preissued"
    assert api.token_requests == []


def test_pre_issued_token_rejected_without_key_raises(api: MockAPI) -> None:
    api.answer(json_response(401, {"errors": [{"code": 401, "message": "expired"}]}))
    client = sync_client(api, access_token="tok-secret-preissued")
    with pytest.raises(errors.AuthenticationError):
        client.request(LOOKUP, LOOKUP_ARGS)
    assert api.calls == 1
    assert api.token_requests == []


def test_pre_issued_token_is_replaced_when_key_and_secret_are_known(api: MockAPI) -> None:
    api.answer(json_response(401, {}), json_response(200, LOOKUP_OK))
    client = sync_client(api, **oauth_kwargs(access_token="tok-secret-old"))
    client.request(LOOKUP, LOOKUP_ARGS)
    assert [r.headers["X-CAP-API-OAUTH-TOKEN"] for r in api.requests] == [
        "tok-secret-old",
        "tok-secret-1",
    ]


def test_oauth_is_preferred_and_basic_used_where_only_basic_is_accepted(api: MockAPI) -> None:
    api.answer(json_response(200, LOOKUP_OK))
    client = sync_client(api, till=TILL, password=PASSWORD, **oauth_kwargs())
    client.request(LOOKUP, LOOKUP_ARGS)
    client.request(BASIC_ONLY, {})
    first, second = api.requests
    assert first.headers["X-CAP-API-OAUTH-TOKEN"] == "tok-secret-1"
    assert "Authorization" not in first.headers
    assert second.headers["Authorization"] == BASIC_HEADER
    assert "X-CAP-API-OAUTH-TOKEN" not in second.headers


def test_missing_credentials_fail_before_sending(api: MockAPI) -> None:
    client = sync_client(api, till=TILL, password=PASSWORD)
    with pytest.raises(errors.MissingCredentialsError, match="oauthOnly needs credentials: oauth_key"):
        client.request(OAUTH_ONLY, {})
    assert api.calls == 0 and api.token_requests == []


def test_no_credentials_at_all(api: MockAPI) -> None:
    import httpx
    from capillary._client import SyncClient

    client = SyncClient(base_url="https://x.example", http_client=httpx.Client(transport=httpx.MockTransport(api)))
    assert client.auth_kind == "none"
    with pytest.raises(errors.MissingCredentialsError, match="till \\+ password or oauth_key"):
        client.request(LOOKUP, LOOKUP_ARGS)
    assert api.calls == 0


def test_token_endpoint_rejection_is_an_authentication_error(api: MockAPI) -> None:
    api.token_status = 401
    api.token_body = {"data": None, "errors": [{"code": 1001, "message": "Invalid key or secret"}]}
    client = sync_client(api, **oauth_kwargs())
    with pytest.raises(errors.AuthenticationError) as caught:
        client.request(LOOKUP, LOOKUP_ARGS)
    assert caught.value.code == 1001
    assert caught.value.operation_id == "generateOAuthToken"
    assert caught.value.request_id == "rid-token"
    assert api.calls == 0


def test_token_endpoint_success_without_token(api: MockAPI) -> None:
    api.token_body = {"data": None, "errors": None}
    with pytest.raises(errors.AuthenticationError, match="without data.accessToken"):
        sync_client(api, **oauth_kwargs()).request(LOOKUP, LOOKUP_ARGS)
    assert api.calls == 0


def test_oauth_state_unit() -> None:
    clock = Clock()
    oauth = OAuth(key="k", secret="s", clock=clock)
    assert oauth.valid_token() is None
    assert repr(oauth) == "OAuth(header='X-CAP-API-OAUTH-TOKEN', can_refresh=True)"
    assert OAuth(access_token="t").can_refresh is False


def test_threads_share_one_token_fetch(api: MockAPI) -> None:
    api.sync_delay = 0.05
    client = sync_client(api, **oauth_kwargs())
    barrier = threading.Barrier(8)

    def call(_: int) -> str:
        barrier.wait()
        return client.request(LOOKUP, LOOKUP_ARGS).entity.first_name

    with ThreadPoolExecutor(max_workers=8) as pool:
        names = list(pool.map(call, range(8)))
    assert names == ["Tom"] * 8
    assert len(api.token_requests) == 1
    assert {r.headers["X-CAP-API-OAUTH-TOKEN"] for r in api.requests} == {"tok-secret-1"}


def test_threads_hit_by_401_share_one_refresh(api: MockAPI) -> None:
    client = sync_client(api, **oauth_kwargs())
    client.request(LOOKUP, LOOKUP_ARGS)  # token 1 cached

    def answer(request):  # token 1 is now rejected, token 2 accepted
        ok = request.headers["X-CAP-API-OAUTH-TOKEN"] != "tok-secret-1"
        return json_response(200, LOOKUP_OK) if ok else json_response(401, {})

    api.answer(answer)
    api.sync_delay = 0.05
    barrier = threading.Barrier(6)

    def call(_: int) -> int:
        barrier.wait()
        return client.request(LOOKUP, LOOKUP_ARGS).entity.user_id

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(call, range(6))) == [42] * 6
    assert len(api.token_requests) == 2


# --- async ----------------------------------------------------------------------------------


async def test_async_basic_and_oauth(api: MockAPI) -> None:
    async with async_client(api) as basic:
        await basic.request(LOOKUP, LOOKUP_ARGS)
    assert api.requests[0].headers["Authorization"] == BASIC_HEADER

    async with async_client(api, **oauth_kwargs()) as oauth:
        await oauth.request(LOOKUP, LOOKUP_ARGS)
        await oauth.request(LOOKUP, LOOKUP_ARGS)
    assert len(api.token_requests) == 1
    assert api.requests[-1].headers["X-CAP-API-OAUTH-TOKEN"] == "tok-secret-1"


async def test_async_concurrent_calls_share_one_token_fetch(api: MockAPI) -> None:
    api.async_delay = 0.01
    client = async_client(api, **oauth_kwargs())
    results = await asyncio.gather(*(client.request(LOOKUP, LOOKUP_ARGS) for _ in range(20)))
    assert [r.entity.user_id for r in results] == [42] * 20
    assert len(api.token_requests) == 1
    assert api.calls == 20


async def test_async_401_refresh_and_single_replay(api: MockAPI) -> None:
    api.answer(json_response(401, {}), json_response(200, LOOKUP_OK))
    client = async_client(api, **oauth_kwargs())
    result = await client.request(LOOKUP, LOOKUP_ARGS)
    assert result.request_id == "rid-1"
    assert [r.headers["X-CAP-API-OAUTH-TOKEN"] for r in api.requests] == [
        "tok-secret-1",
        "tok-secret-2",
    ]


async def test_async_concurrent_401s_share_one_refresh(api: MockAPI) -> None:
    client = async_client(api, **oauth_kwargs())
    await client.request(LOOKUP, LOOKUP_ARGS)

    def answer(request):
        ok = request.headers["X-CAP-API-OAUTH-TOKEN"] != "tok-secret-1"
        return json_response(200, LOOKUP_OK) if ok else json_response(401, {})

    api.answer(answer)
    api.async_delay = 0.01
    results = await asyncio.gather(*(client.request(LOOKUP, LOOKUP_ARGS) for _ in range(10)))
    assert len(results) == 10
    assert len(api.token_requests) == 2


async def test_async_token_expiry(api: MockAPI) -> None:
    client = async_client(api, **oauth_kwargs())
    clock = Clock()
    client._oauth.clock = clock  # type: ignore[union-attr]
    await client.request(LOOKUP, LOOKUP_ARGS)
    clock.now += 271
    await client.request(LOOKUP, LOOKUP_ARGS)
    assert len(api.token_requests) == 2


def test_async_client_reused_across_event_loops(api: MockAPI) -> None:
    api.async_delay = 0.001
    client = async_client(api, **oauth_kwargs())
    clock = Clock()
    client._oauth.clock = clock  # type: ignore[union-attr]

    async def burst() -> None:
        await asyncio.gather(*(client.request(LOOKUP, LOOKUP_ARGS) for _ in range(3)))

    asyncio.run(burst())
    clock.now += 1000  # expired: the second loop must refresh under a lock of its own
    asyncio.run(burst())
    assert len(api.token_requests) == 2
