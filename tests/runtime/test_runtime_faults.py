"""Fault injection: the generated client (`Capillary` / `AsyncCapillary`) against a real HTTP server
on 127.0.0.1 that fails in every way the API and the network do.

For each fault, operation (v2 GET, v2 POST, v1.1 GET, v1.1 POST), driver (sync, async) and mode
(`persistent`: every attempt fails; `transient`: the first attempt fails, the next succeeds), the
tests assert the exact error class or result, how many requests the server saw (retries bounded;
a POST is sent again only after a 429, which proves it was not processed), the wall time, and the
request id (`X-Cap-Requestid` of the last answer) carried on the error.
"""

from __future__ import annotations

import importlib
import socket
import time

import pytest
from capillary import errors

from fault_cases import (
    FAULTS,
    HTML_PAGE,
    MAX_RETRIES,
    MOBILE,
    OPS,
    POLICY,
    TIMEOUT,
    Fault,
    outcome,
    run,
    v11_item,
    v11_status,
)
from live_server import LiveServer, Reply


@pytest.fixture(scope="module", autouse=True)
def _resources_imported() -> None:
    """Import the resource modules up front, so that the first timed call does not pay for it."""
    for module in ("capillary.v2", "capillary.v2.customers", "capillary.v1_1", "capillary.v1_1.customers"):
        importlib.import_module(module)


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
