"""Hostile input to the generated client, checked on what the real server received.

- A path parameter is percent-encoded into exactly one segment: `../`, `/`, `?`, `#`, spaces, `%2F`,
  dot segments and unicode cannot change the path or add a query (asserted on the raw request line).
- Header values with CR, LF, NUL, other control characters or non-ASCII text are refused with
  `InvalidRequestError` (per call) or `ConfigurationError` (client settings) before anything is sent.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from capillary import AsyncCapillary, Capillary, errors

from capillary_testkit import PASSWORD, TILL
from live_server import LiveServer, Reply

PREFIX = "/v2/organization/configs/"


def settings(server: LiveServer, **extra: Any) -> dict[str, Any]:
    return {"base_url": server.url, "till": TILL, "password": PASSWORD, "timeout": 2.0, "max_retries": 0, **extra}


def get_config(driver: str, server: LiveServer, **kwargs: Any) -> Any:
    if driver == "sync":
        with Capillary(**settings(server)) as client:
            return client.v2.organization.get_config(**kwargs)

    async def main() -> Any:
        async with AsyncCapillary(**settings(server)) as client:
            return await client.v2.organization.get_config(**kwargs)

    return asyncio.run(main())


DRIVERS = pytest.mark.parametrize("driver", ["sync", "async"])


@DRIVERS
@pytest.mark.parametrize(
    ("value", "segment"),
    [
        ("../", "..%2F"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("../../v1.1/customer/add", "..%2F..%2Fv1.1%2Fcustomer%2Fadd"),
        ("a/b", "a%2Fb"),
        ("/", "%2F"),
        ("a?format=xml&x=1", "a%3Fformat%3Dxml%26x%3D1"),
        ("a#frag", "a%23frag"),
        ("a b", "a%20b"),
        ("%2F", "%252F"),
        ("%2e%2e", "%252e%252e"),
        ("a\\b", "a%5Cb"),
        ("é漢🙂", "%C3%A9%E6%BC%A2%F0%9F%99%82"),
        ("a;b=c", "a%3Bb%3Dc"),
        ("key.name", "key.name"),
    ],
)
def test_path_parameter_is_one_encoded_segment_on_the_wire(
    server: LiveServer, driver: str, value: str, segment: str
) -> None:
    server.answer(Reply(200, {"keyName": "x", "value": "y"}))
    result = get_config(driver, server, name=value)
    assert result.value == "y"
    (seen,) = server.requests()
    assert seen.method == "GET"
    assert seen.target == PREFIX + segment  # the raw request target: no query, no fragment, one segment
    assert "/" not in seen.target.removeprefix(PREFIX)


HOSTILE_HEADER_VALUES = [
    "a\r\nX-Evil: 1",
    "a\nb",
    "a\rb",
    "a\x00b",
    "a\x0bb",
    "a\x7f",
    "é",
    "a\u2028b",
]


@DRIVERS
@pytest.mark.parametrize("bad", HOSTILE_HEADER_VALUES)
def test_header_values_are_refused_before_sending(server: LiveServer, driver: str, bad: str) -> None:
    with pytest.raises(errors.InvalidRequestError) as caught:
        get_config(driver, server, name="x", request_options={"extra_headers": {"X-Trace": bad}})
    assert caught.value.param == "extra_headers"
    assert bad not in str(caught.value)
    with pytest.raises(errors.InvalidRequestError) as caught:
        get_config(driver, server, name="x", request_options={"attribution_entity_code": bad})
    assert caught.value.param == "attribution_entity_code"
    assert server.requests() == []


@pytest.mark.parametrize("bad", HOSTILE_HEADER_VALUES)
def test_header_parameter_of_an_operation_is_refused_before_sending(server: LiveServer, bad: str) -> None:
    with Capillary(**settings(server)) as client, pytest.raises(errors.InvalidRequestError) as caught:
        client.v2.customers.get(customer_id=1, source="INSTORE", language=bad)
    assert caught.value.param == "language"
    assert server.requests() == []


@pytest.mark.parametrize("setting", ["attribution_entity_type", "attribution_entity_code", "user_agent"])
@pytest.mark.parametrize("bad", HOSTILE_HEADER_VALUES)
def test_header_settings_of_the_client_are_refused(server: LiveServer, setting: str, bad: str) -> None:
    with pytest.raises(errors.ConfigurationError):
        Capillary(**settings(server, **{setting: bad}))


def test_tab_and_printable_ascii_header_values_are_sent(server: LiveServer) -> None:
    server.answer(Reply(200, {"value": "y"}))
    with Capillary(**settings(server)) as client:
        client.v2.organization.get_config(name="x", request_options={"extra_headers": {"X-Trace": "a\tb ~!"}})
    assert server.requests()[0].headers["x-trace"] == "a\tb ~!"
