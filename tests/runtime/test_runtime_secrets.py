"""Credentials never show up in reprs, error messages or logs (ours and httpx's)."""

from __future__ import annotations

import logging

import httpx
import pytest
from capillary import errors
from capillary._client import SyncClient

from capillary_testkit import (
    LOOKUP,
    LOOKUP_ARGS,
    LOOKUP_OK,
    OAUTH_KEY,
    OAUTH_SECRET,
    PASSWORD,
    SECRETS,
    TILL,
    MockAPI,
    async_client,
    json_response,
    oauth_kwargs,
    sync_client,
)


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"secret {secret[:6]}... leaked"


def test_client_repr_and_internals_repr() -> None:
    client = SyncClient(
        base_url="https://eu.api.capillarytech.com",
        till=TILL,
        password=PASSWORD,
        oauth_key=OAUTH_KEY,
        oauth_secret=OAUTH_SECRET,
        access_token="tok-secret-pre",
    )
    assert_clean(repr(client) + str(client) + repr(client._basic) + repr(client._oauth) + repr(vars(client)))


def test_full_exchange_logs_nothing_secret(api: MockAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore
    api.answer(
        json_response(401, {}),  # token replay
        json_response(503, None),  # retry
        json_response(200, LOOKUP_OK),
        json_response(404, {"errors": [{"code": 8015, "message": "Customer not found"}]}),
    )
    client = sync_client(api, till=TILL, password=PASSWORD, **oauth_kwargs())
    client.request(LOOKUP, LOOKUP_ARGS)
    with pytest.raises(errors.NotFoundError) as caught:
        client.request(LOOKUP, LOOKUP_ARGS)

    records = [r for r in caplog.records if r.name.startswith("capillary")]
    assert any("lookupCustomer" in r.getMessage() and "-> 200" in r.getMessage() for r in records)
    assert any("attempt=3" in r.getMessage() for r in records)
    assert any("refreshing the OAuth token" in r.getMessage() for r in records)
    assert any(r.name == "httpx" for r in caplog.records)
    assert_clean(caplog.text)
    assert_clean("\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records))
    assert_clean(str(caught.value) + repr(caught.value))


def test_token_endpoint_failure_does_not_leak(api: MockAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.token_status = 401
    api.token_body = {"data": None, "errors": [{"code": 1001, "message": "Invalid key"}]}
    with pytest.raises(errors.AuthenticationError) as caught:
        sync_client(api, **oauth_kwargs()).request(LOOKUP, LOOKUP_ARGS)
    assert_clean(str(caught.value) + repr(caught.value) + repr(caught.value.args))
    assert_clean(caplog.text)


def test_invalid_argument_errors_do_not_echo_values(api: MockAPI) -> None:
    with pytest.raises(errors.InvalidRequestError) as caught:
        sync_client(api).request(LOOKUP, {**LOOKUP_ARGS, "limit": PASSWORD})
    assert_clean(str(caught.value) + repr(caught.value) + repr(caught.value.errors))
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_connection_error_does_not_leak(api: MockAPI) -> None:
    api.answer(httpx.ConnectError("refused"))
    with pytest.raises(errors.APIConnectionError) as caught:
        sync_client(api, till=TILL, password=PASSWORD).request(LOOKUP, LOOKUP_ARGS)
    assert_clean(str(caught.value) + repr(caught.value))


async def test_async_logs_nothing_secret(api: MockAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.answer(json_response(401, {}), json_response(200, LOOKUP_OK))
    result = await async_client(api, **oauth_kwargs()).request(LOOKUP, LOOKUP_ARGS)
    assert result.request_id == "rid-1"
    assert_clean(caplog.text)
    assert_clean(repr(result) + repr(result.response_meta))
