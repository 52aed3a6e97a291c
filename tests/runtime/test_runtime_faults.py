"""Fault injection: the generated client (`Capillary` / `AsyncCapillary`) against a real HTTP server
on 127.0.0.1 that fails in every way the API and the network do.

For each fault, operation (v2 GET, v2 POST, v1.1 GET, v1.1 POST), driver (sync, async) and mode
(`persistent`: every attempt fails; `transient`: the first attempt fails, the next succeeds), the
tests assert the exact error class or result, how many requests the server saw (retries bounded;
a POST is sent again only after a 429, which proves it was not processed), the wall time, and the
request id (`X-Cap-Requestid` of the last answer) carried on the error.
"""

from __future__ import annotations

import asyncio
import importlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from capillary import AsyncCapillary, Capillary, RetryPolicy, errors

from capillary_testkit import PASSWORD, TILL
from live_server import LiveServer, Reply

TIMEOUT = 0.3
MAX_RETRIES = 2
POLICY = RetryPolicy(max_retries=MAX_RETRIES, backoff_base=0.01, backoff_cap=0.02, retry_after_cap=0.05)

# --- the four operations, their arguments and a success answer -----------------------------------

MOBILE = "919800000001"
REGISTER_BODY = {
    "loyaltyInfo": {"loyaltyType": "loyalty"},
    "profiles": [{"firstName": "Asha", "source": "INSTORE", "identifiers": [{"type": "mobile", "value": MOBILE}]}],
}
V11_ADD_BODY = {"root": {"customer": [{"mobile": MOBILE, "firstname": "Asha"}, {"mobile": "919800000002"}]}}


def v11_status(success: bool = True, code: int = 200, message: str = "Success", **extra: Any) -> dict[str, Any]:
    return {"success": "true" if success else "false", "code": code, "message": message, **extra}


def v11_item(mobile: str, success: bool = True, code: int = 1000, message: str = "Customer fetched") -> dict[str, Any]:
    return {
        "mobile": mobile,
        "firstname": "Asha",
        "user_id": 4242,
        "item_status": {"success": "true" if success else "false", "code": code, "message": message},
    }


@dataclass(frozen=True)
class Op:
    name: str
    api: str
    idempotent: bool
    path: str
    call: Callable[[Any], Any]
    ok: Any
    """Body of a success answer."""
    check: Callable[[Any], bool]
    """True for the result parsed from `ok`."""


OPS = {
    op.name: op
    for op in (
        Op(
            "v2_get",
            "v2",
            True,
            "/v2/customers/lookup",
            lambda c: c.v2.customers.lookup(source="INSTORE", identifier_name="mobile", identifier_value=MOBILE),
            {"entity": 4242, "warnings": []},
            lambda r: r.entity == 4242,
        ),
        Op(
            "v2_post",
            "v2",
            False,
            "/v2/customers",
            lambda c: c.v2.customers.register(body=REGISTER_BODY),
            {"createdId": 4242, "warnings": []},
            lambda r: r.created_id == 4242,
        ),
        Op(
            "v11_get",
            "v1.1",
            True,
            "/v1.1/customer/get",
            lambda c: c.v1_1.customers.get(mobile=MOBILE),
            {"response": {"status": v11_status(), "customers": {"customer": [v11_item(MOBILE)]}}},
            lambda r: r.response.customers.customer[0].user_id == 4242,
        ),
        Op(
            "v11_post",
            "v1.1",
            False,
            "/v1.1/customer/add",
            lambda c: c.v1_1.customers.add(body=V11_ADD_BODY),
            {
                "response": {
                    "status": v11_status(total=2, success_count=2),
                    "customers": {"customer": [v11_item(MOBILE), v11_item("919800000002")]},
                }
            },
            lambda r: [c.mobile for c in r.response.customers.customer] == [MOBILE, "919800000002"],
        ),
    )
}


@pytest.fixture(scope="module", autouse=True)
def _resources_imported() -> None:
    """Import the resource modules up front, so that the first timed call does not pay for it."""
    for module in ("capillary.v2", "capillary.v2.customers", "capillary.v1_1", "capillary.v1_1.customers"):
        importlib.import_module(module)


def client_settings(server: LiveServer, **extra: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "base_url": server.url,
        "till": TILL,
        "password": PASSWORD,
        "timeout": TIMEOUT,
        "max_retries": POLICY,
    }
    return {**settings, **extra}


def run(driver: str, server: LiveServer, call: Callable[[Any], Any], **settings: Any) -> Any:
    """`call(client)` with a new sync or async client of the generated package."""
    if driver == "sync":
        with Capillary(**client_settings(server, **settings)) as client:
            return call(client)

    async def main() -> Any:
        async with AsyncCapillary(**client_settings(server, **settings)) as client:
            return await call(client)

    return asyncio.run(main())


def outcome(driver: str, server: LiveServer, op: Op) -> tuple[Any, BaseException | None, float]:
    started = time.perf_counter()
    try:
        result, error = run(driver, server, op.call), None
    except errors.CapillaryError as exc:
        result, error = None, exc
    return result, error, time.perf_counter() - started


# --- the faults ---------------------------------------------------------------------------------

HTML_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"


def app_error_500(op: Op) -> Reply:
    """A 500 carrying Capillary's own error report: an answer, not an outage."""
    if op.api == "v2":
        return Reply(500, {"errors": [{"code": 10001, "message": "Customer could not be added"}]})
    item = v11_item(MOBILE, success=False, code=10001, message="Customer could not be added")
    return Reply(500, {"response": {"status": v11_status(False, 500, "Failed"), "customers": {"customer": [item]}}})


@dataclass(frozen=True)
class Fault:
    name: str
    reply: Callable[[Op], Reply]
    error: type[errors.APIError]
    retried: Callable[[Op], bool]
    """Whether the client sends the request again after this fault."""
    has_request_id: bool = True
    """Whether response headers (and so a request id) reach the client."""
    slow: bool = False
    only: str | None = None
    """Restrict to one API family."""


IDEMPOTENT_ONLY = lambda op: op.idempotent  # noqa: E731
NEVER = lambda op: False  # noqa: E731
ALWAYS = lambda op: True  # noqa: E731

FAULTS = {
    fault.name: fault
    for fault in (
        Fault(
            "500",
            lambda op: Reply(500, b"Internal Server Error", "text/plain"),
            errors.InternalServerError,
            IDEMPOTENT_ONLY,
        ),
        Fault("500 with a Capillary error", app_error_500, errors.InternalServerError, NEVER),
        Fault("502", lambda op: Reply(502, HTML_PAGE, "text/html"), errors.InternalServerError, IDEMPOTENT_ONLY),
        Fault("503", lambda op: Reply(503, b"", "text/plain"), errors.InternalServerError, IDEMPOTENT_ONLY),
        Fault("504 HTML page as JSON", lambda op: Reply(504, HTML_PAGE), errors.InternalServerError, IDEMPOTENT_ONLY),
        # Retry-After 1 s is capped at POLICY.retry_after_cap (0.05 s); 429 proves nothing was processed.
        Fault(
            "429 Retry-After",
            lambda op: Reply(429, {"errors": [{"code": 429, "message": "Too many"}]}, headers={"Retry-After": "1"}),
            errors.RateLimitError,
            ALWAYS,
        ),
        Fault("461", lambda op: Reply(461, b""), errors.SearchBusyError, IDEMPOTENT_ONLY),
        Fault("521", lambda op: Reply(521, {"errors": [{"code": 521}]}), errors.CustomerLockedError, IDEMPOTENT_ONLY),
        Fault(
            "slower than the timeout",
            lambda op: Reply(200, op.ok, delay=TIMEOUT * 4),
            errors.APITimeoutError,
            IDEMPOTENT_ONLY,
            has_request_id=False,
            slow=True,
        ),
        Fault("reset mid-body", lambda op: Reply(200, op.ok, cut_at=10), errors.APIConnectionError, IDEMPOTENT_ONLY),
        Fault(
            "hang-up without an answer",
            lambda op: Reply(hang_up=True, request_id=False),
            errors.APIConnectionError,
            IDEMPOTENT_ONLY,
            has_request_id=False,
        ),
        Fault(
            "truncated JSON",
            lambda op: Reply(200, Reply(200, op.ok).payload()[:-7]),
            errors.APIResponseValidationError,
            NEVER,
        ),
        Fault("200 HTML page as JSON", lambda op: Reply(200, HTML_PAGE), errors.APIResponseValidationError, NEVER),
        Fault(
            "v1.1 envelope failure",
            lambda op: Reply(
                200,
                {
                    "response": {
                        "status": v11_status(False, 500, "Unable to process"),
                        "customers": {"customer": [v11_item(MOBILE, False, 1012, "Customer not found")]},
                    }
                },
            ),
            errors.V11EnvelopeError,
            NEVER,
            only="v1.1",
        ),
    )
}

CASES = [
    pytest.param(fault, op, id=f"{fault}-{op}")
    for fault in FAULTS
    for op in OPS
    if FAULTS[fault].only in (None, OPS[op].api)
]
DRIVERS = pytest.mark.parametrize("driver", ["sync", "async"])


def time_bound(fault: Fault, attempts: int) -> float:
    """Generous wall-time bound: a timeout per slow attempt, small waits, slack for a busy machine."""
    return 1.0 + attempts * (TIMEOUT if fault.slow else 0.05)


@DRIVERS
@pytest.mark.parametrize(("fault_name", "op_name"), CASES)
def test_persistent_fault(server: LiveServer, driver: str, fault_name: str, op_name: str) -> None:
    fault, op = FAULTS[fault_name], OPS[op_name]
    server.answer(fault.reply(op))
    result, error, elapsed = outcome(driver, server, op)

    expected_attempts = 1 + MAX_RETRIES if fault.retried(op) else 1
    assert result is None
    assert type(error) is fault.error, repr(error)
    seen = server.requests()
    assert [s.path for s in seen] == [op.path] * expected_attempts
    assert error.attempts == expected_attempts
    assert error.request_id == (seen[-1].request_id if fault.has_request_id else None)
    assert error.request_id is None or error.request_id.startswith("rid-")
    assert error.operation_id is not None and error.operation_id in str(error)
    assert elapsed < time_bound(fault, expected_attempts), f"took {elapsed:.2f}s"


@DRIVERS
@pytest.mark.parametrize(("fault_name", "op_name"), CASES)
def test_transient_fault(server: LiveServer, driver: str, fault_name: str, op_name: str) -> None:
    """The first attempt fails, the next would succeed: retried faults are survived, others raised."""
    fault, op = FAULTS[fault_name], OPS[op_name]
    server.answer(fault.reply(op), Reply(200, op.ok))
    result, error, elapsed = outcome(driver, server, op)

    seen = server.requests()
    if fault.retried(op):
        assert error is None, repr(error)
        assert op.check(result)
        assert len(seen) == 2
        assert result.response_meta.attempts == 2
        assert result.request_id == seen[-1].request_id
    else:
        assert type(error) is fault.error, repr(error)
        assert len(seen) == 1
        assert error.attempts == 1
        assert error.request_id == (seen[0].request_id if fault.has_request_id else None)
    assert elapsed < time_bound(fault, len(seen)), f"took {elapsed:.2f}s"


# --- faults with more to check than the table says ---------------------------------------------


@DRIVERS
def test_retry_after_is_capped_not_ignored(server: LiveServer, driver: str) -> None:
    """Retry-After: 1 waits retry_after_cap (0.05 s) twice; without a cap this would take 2 s."""
    server.answer(Reply(429, b"", headers={"Retry-After": "1"}))
    started = time.perf_counter()
    with pytest.raises(errors.RateLimitError):
        run(driver, server, OPS["v2_get"].call)
    elapsed = time.perf_counter() - started
    assert len(server.requests()) == 3
    assert 2 * POLICY.retry_after_cap <= elapsed < 1.0


@DRIVERS
def test_503_html_page_keeps_the_text(server: LiveServer, driver: str) -> None:
    server.answer(Reply(503, HTML_PAGE))
    with pytest.raises(errors.InternalServerError) as caught:
        run(driver, server, OPS["v11_get"].call, max_retries=0)
    error = caught.value
    assert (error.status_code, error.code, error.body) == (503, None, HTML_PAGE.decode())
    assert error.message == "Service Unavailable"
    assert error.envelope is None


@DRIVERS
@pytest.mark.parametrize(
    ("op_name", "body", "reason"),
    [
        ("v2_get", b'{"entity": 42, "warn', "the body is not valid JSON"),
        ("v2_get", HTML_PAGE, "the body is not valid JSON"),
        ("v11_get", b'{"response": {"status": {', "the body is not JSON"),
        ("v11_get", HTML_PAGE, "the body is not JSON"),
    ],
)
def test_truncated_and_html_bodies_say_what_was_wrong(
    server: LiveServer, driver: str, op_name: str, body: bytes, reason: str
) -> None:
    server.answer(Reply(200, body))
    with pytest.raises(errors.APIResponseValidationError) as caught:
        run(driver, server, OPS[op_name].call)
    assert caught.value.message == f"HTTP 200 (application/json): {reason}"
    assert caught.value.request_id == server.requests()[0].request_id


@DRIVERS
def test_v11_envelope_failure_details(server: LiveServer, driver: str) -> None:
    server.answer(FAULTS["v1.1 envelope failure"].reply(OPS["v11_get"]))
    with pytest.raises(errors.V11EnvelopeError) as caught:
        run(driver, server, OPS["v11_get"].call)
    error = caught.value
    assert (error.status_code, error.code, error.message) == (200, 1012, "Customer not found")
    assert error.code_meaning == "No customer with this mobile, external ID or email."
    assert error.envelope.all_failed and len(error.envelope.failed_items) == 1
    assert error.request_id == server.requests()[0].request_id


PARTIAL = {
    "response": {
        "status": v11_status(False, 201, "Some requests have failed", total=2, success_count=1),
        "customers": {
            "customer": [
                v11_item(MOBILE, True, 1000, "Customer successfully added"),
                v11_item("919800000002", False, 1006, "Mobile number is required"),
            ]
        },
    }
}


@DRIVERS
def test_partial_batch_is_a_result_listing_the_failed_items(server: LiveServer, driver: str) -> None:
    """Documented (V11EnvelopeError): a partial success is not an error; the envelope lists the failures."""
    server.answer(Reply(200, PARTIAL))
    result = run(driver, server, OPS["v11_post"].call)
    seen = server.requests()
    assert len(seen) == 1
    envelope = result.response_meta.envelope
    assert envelope.partial and not envelope.all_failed
    assert (envelope.total, envelope.success_count) == (2, 1)
    assert [(i.success, i.code, i.location) for i in envelope.failed_items] == [
        (False, 1006, ("customers", "customer", 1))
    ]
    assert [(i.success, i.code) for i in envelope.succeeded_items] == [(True, 1000)]
    assert [c.item_status.code for c in result.response.customers.customer] == [1000, 1006]
    assert result.request_id == seen[0].request_id


@DRIVERS
def test_batch_where_every_item_failed_is_an_error(server: LiveServer, driver: str) -> None:
    body = {
        "response": {
            "status": v11_status(False, 500, "All requests have failed", total=2, success_count=0),
            "customers": {
                "customer": [
                    v11_item(MOBILE, False, 1014, "Customer is already registered"),
                    v11_item("919800000002", False, 1006, "Mobile number is required"),
                ]
            },
        }
    }
    server.answer(Reply(200, body))
    with pytest.raises(errors.V11EnvelopeError) as caught:
        run(driver, server, OPS["v11_post"].call)
    error = caught.value
    assert (error.code, error.attempts, len(error.errors)) == (1014, 1, 2)
    assert [e["code"] for e in error.errors] == [1014, 1006]
    assert len(server.requests()) == 1


@DRIVERS
def test_connection_refused_post_is_retried(driver: str) -> None:
    """Nothing listens: the POST provably never arrived, so it is retried (bounded) and then raised."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing accepts on it

    class Nowhere:
        url = f"http://127.0.0.1:{port}"

    started = time.perf_counter()
    with pytest.raises(errors.APIConnectionError) as caught:
        run(driver, Nowhere(), OPS["v2_post"].call)  # type: ignore[arg-type]
    assert type(caught.value) is errors.APIConnectionError
    assert caught.value.attempts == 1 + MAX_RETRIES
    assert caught.value.request_id is None
    assert time.perf_counter() - started < 1.0
