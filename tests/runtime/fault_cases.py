"""The fault-injection scenarios shared by the fault and secrets tests: the operations the client is
driven through, the faults the live server injects, and how a client is run against it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
