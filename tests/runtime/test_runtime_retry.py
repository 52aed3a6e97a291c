"""Retries: which failures, how many times, how long between attempts."""

from __future__ import annotations

import email.utils

import httpx
import pytest
from capillary import errors
from capillary._retry import RetryPolicy, parse_retry_after

from capillary_testkit import (
    LOOKUP,
    LOOKUP_ARGS,
    LOOKUP_OK,
    REGISTER,
    MockAPI,
    async_client,
    json_response,
    sync_client,
)

NEW_CUSTOMER = {"firstName": "Tom", "source": "INSTORE"}


def ok() -> httpx.Response:
    return json_response(200, LOOKUP_OK)


def created() -> httpx.Response:
    return json_response(200, {"createdId": 7, "warnings": []})


def test_429_honours_retry_after_seconds(api: MockAPI) -> None:
    api.answer(json_response(429, {}, headers={"Retry-After": "2"}), ok())
    client = sync_client(api)
    result = client.request(LOOKUP, LOOKUP_ARGS)
    assert client._sleep.waits == [2.0]  # type: ignore[attr-defined]
    assert api.calls == 2
    assert result.response_meta.attempts == 2


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 7, usegmt=True)
    assert parse_retry_after(date, now=lambda: now) == pytest.approx(7.0)
    assert parse_retry_after(email.utils.formatdate(now - 60, usegmt=True), now=lambda: now) == 0.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_retry_after_is_capped(api: MockAPI) -> None:
    api.answer(json_response(429, {}, headers={"Retry-After": "3600"}), ok())
    client = sync_client(api)
    client.request(LOOKUP, LOOKUP_ARGS)
    assert client._sleep.waits == [60.0]  # type: ignore[attr-defined]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 461, 521])
def test_idempotent_calls_are_retried_on_transient_statuses(api: MockAPI, status: int) -> None:
    api.answer(json_response(status, None), ok())
    client = sync_client(api, max_retries=RetryPolicy(rng=lambda: 1.0))
    assert client.request(LOOKUP, LOOKUP_ARGS).entity.user_id == 42
    assert api.calls == 2
    assert client._sleep.waits == [0.5]  # type: ignore[attr-defined]


def test_retries_are_bounded_and_back_off_exponentially(api: MockAPI) -> None:
    api.answer(json_response(503, None, request_id="rid-503"))
    client = sync_client(api, max_retries=RetryPolicy(max_retries=5, rng=lambda: 1.0))
    with pytest.raises(errors.InternalServerError) as caught:
        client.request(LOOKUP, LOOKUP_ARGS)
    assert api.calls == 6
    assert client._sleep.waits == [0.5, 1.0, 2.0, 4.0, 8.0]  # type: ignore[attr-defined]
    assert caught.value.status_code == 503
    assert caught.value.request_id == "rid-503"


def test_default_is_two_retries_with_full_jitter(api: MockAPI) -> None:
    api.answer(json_response(502, None))
    client = sync_client(api)
    with pytest.raises(errors.InternalServerError):
        client.request(LOOKUP, LOOKUP_ARGS)
    assert api.calls == 3
    waits = client._sleep.waits  # type: ignore[attr-defined]
    assert len(waits) == 2
    assert 0 <= waits[0] <= 0.5 and 0 <= waits[1] <= 1.0


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(rng=lambda: 1.0)
    assert [policy.backoff(n) for n in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert RetryPolicy(rng=lambda: 0.25).backoff(2) == 0.5


def test_per_call_max_retries(api: MockAPI) -> None:
    api.answer(json_response(503, None))
    client = sync_client(api, max_retries=5)
    with pytest.raises(errors.InternalServerError):
        client.request(LOOKUP, LOOKUP_ARGS, options={"max_retries": 0})
    assert api.calls == 1
    with pytest.raises(errors.InternalServerError):
        client.request(LOOKUP, LOOKUP_ARGS, options={"max_retries": 1})
    assert api.calls == 3


def test_negative_max_retries_is_refused(api: MockAPI) -> None:
    with pytest.raises(errors.ConfigurationError):
        sync_client(api, max_retries=-1)
    with pytest.raises(errors.InvalidRequestError):
        sync_client(api).request(LOOKUP, LOOKUP_ARGS, options={"max_retries": -1})
    assert api.calls == 0


def test_connection_errors_are_retried_for_idempotent_calls(api: MockAPI) -> None:
    api.answer(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), ok())
    assert sync_client(api).request(LOOKUP, LOOKUP_ARGS).entity.user_id == 42
    assert api.calls == 3


def test_persistent_timeout_raises_api_timeout_error(api: MockAPI) -> None:
    api.answer(httpx.ReadTimeout("slow"))
    with pytest.raises(errors.APITimeoutError) as caught:
        sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert api.calls == 3
    assert caught.value.operation_id == "lookupCustomer"
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


def test_persistent_connection_error(api: MockAPI) -> None:
    api.answer(httpx.ConnectError("refused"))
    with pytest.raises(errors.APIConnectionError) as caught:
        sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert not isinstance(caught.value, errors.APITimeoutError)
    assert api.calls == 3


@pytest.mark.parametrize("status", [500, 502, 503, 461, 521])
def test_post_is_not_retried_on_server_errors(api: MockAPI, status: int) -> None:
    api.answer(json_response(status, None), created())
    with pytest.raises(errors.APIStatusError) as caught:
        sync_client(api).request(REGISTER, body=NEW_CUSTOMER)
    assert caught.value.status_code == status
    assert api.calls == 1


def test_post_is_not_retried_after_a_read_timeout(api: MockAPI) -> None:
    api.answer(httpx.ReadTimeout("slow"), created())
    with pytest.raises(errors.APITimeoutError):
        sync_client(api).request(REGISTER, body=NEW_CUSTOMER)
    assert api.calls == 1


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("busy")],
)
def test_post_is_retried_when_the_request_never_left(api: MockAPI, failure: Exception) -> None:
    api.answer(failure, created())
    assert sync_client(api).request(REGISTER, body=NEW_CUSTOMER).created_id == 7
    assert api.calls == 2


def test_post_is_retried_on_429(api: MockAPI) -> None:
    api.answer(json_response(429, {}, headers={"Retry-After": "1"}), created())
    client = sync_client(api)
    assert client.request(REGISTER, body=NEW_CUSTOMER).created_id == 7
    assert client._sleep.waits == [1.0]  # type: ignore[attr-defined]


def test_idempotent_override_lets_post_retry(api: MockAPI) -> None:
    api.answer(json_response(500, None), created())
    result = sync_client(api).request(REGISTER, body=NEW_CUSTOMER, options={"idempotent": True})
    assert result.created_id == 7
    assert api.calls == 2


def test_override_can_also_forbid_retrying_a_get(api: MockAPI) -> None:
    api.answer(json_response(500, None), ok())
    with pytest.raises(errors.InternalServerError):
        sync_client(api).request(LOOKUP, LOOKUP_ARGS, options={"idempotent": False})
    assert api.calls == 1


def test_500_carrying_a_capillary_error_is_an_answer_not_an_outage(api: MockAPI) -> None:
    api.answer(json_response(500, {"errors": [{"code": 8015, "message": "Customer not found"}]}), ok())
    with pytest.raises(errors.InternalServerError) as caught:
        sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert caught.value.code == 8015
    assert api.calls == 1


def test_client_errors_are_not_retried(api: MockAPI) -> None:
    api.answer(json_response(400, {"errors": [{"code": 8003, "message": "bad"}]}), ok())
    with pytest.raises(errors.BadRequestError):
        sync_client(api).request(LOOKUP, LOOKUP_ARGS)
    assert api.calls == 1


def test_policy_decisions_unit() -> None:
    policy = RetryPolicy(rng=lambda: 1.0)
    assert policy.delay_after_status(404, {}, retry=0, idempotent=True) is None
    assert policy.delay_after_status(503, {}, retry=2, idempotent=True) is None
    assert policy.delay_after_status(503, {"retry-after": "3"}, retry=0, idempotent=True) == 3.0
    assert policy.delay_after_status(503, {}, retry=0, idempotent=False) is None
    assert policy.delay_after_status(429, {}, retry=1, idempotent=False) == 1.0
    assert policy.delay_after_error(httpx.ReadError("reset"), retry=0, idempotent=False) is None
    assert policy.delay_after_error(httpx.ReadError("reset"), retry=0, idempotent=True) == 0.5
    assert policy.delay_after_error(httpx.UnsupportedProtocol("ftp"), retry=0, idempotent=True) is None


async def test_async_retries(api: MockAPI) -> None:
    api.answer(
        json_response(521, None),
        httpx.ConnectError("refused"),
        json_response(429, {}, headers={"Retry-After": "4"}),
        ok(),
    )
    client = async_client(api, max_retries=RetryPolicy(max_retries=3, rng=lambda: 1.0))
    result = await client.request(LOOKUP, LOOKUP_ARGS)
    assert result.response_meta.attempts == 4
    assert client._sleep.waits == [0.5, 1.0, 4.0]  # type: ignore[attr-defined]


async def test_async_post_not_retried_on_500_but_on_connect_error(api: MockAPI) -> None:
    api.answer(json_response(500, None))
    client = async_client(api)
    with pytest.raises(errors.InternalServerError):
        await client.request(REGISTER, body=NEW_CUSTOMER)
    assert api.calls == 1
    api.answer(httpx.ConnectError("refused"), created())
    assert (await client.request(REGISTER, body=NEW_CUSTOMER)).created_id == 7
    assert api.calls == 3
