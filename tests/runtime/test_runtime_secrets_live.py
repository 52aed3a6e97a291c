"""No credential leaks on any path, against the real server.

With DEBUG logging on for every logger (root, `capillary`, `httpx`, `httpcore`), each fault of
test_runtime_faults.py and the success path are run with OAuth and with Basic credentials, sync and
async. The password, its md5, the Basic header value, the OAuth key and secret and every access
token must not appear in the captured logs (messages and arguments), in `str()`/`repr()` of the
client, its credentials objects and the raised error, or in the formatted traceback of the error
(chained causes included).
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

import pytest
from capillary import Capillary, errors

from capillary_testkit import OAUTH_KEY, OAUTH_SECRET, PASSWORD, SECRETS, TILL
from fault_cases import FAULTS, MAX_RETRIES, OPS, run
from live_server import LiveServer, Reply

AUTH = {
    # OAuth is preferred when both are configured: the Basic secrets are still held by the client.
    "oauth": {"oauth_key": OAUTH_KEY, "oauth_secret": OAUTH_SECRET, "till": TILL, "password": PASSWORD},
    "basic": {"till": TILL, "password": PASSWORD},
}
CHECK_OPS = ("v2_post", "v11_get")


def leaks(text: str) -> list[str]:
    return [secret[:6] + "..." for secret in SECRETS if secret in text]


class Exposure:
    """Everything a secret could show up in, gathered for one run."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog
        self.texts: dict[str, str] = {}

    def client(self, client: Any) -> Any:
        self.texts["client"] = " ".join(
            [repr(client), str(client), repr(client._basic), repr(client._oauth), repr(vars(client))]
        )
        return client

    def error(self, error: BaseException | None) -> None:
        if error is None:
            return
        self.texts["error"] = f"{error} {error!r} {error.args!r}"
        self.texts["traceback"] = "".join(traceback.format_exception(error))
        cause = error.__cause__ or error.__context__
        if cause is not None:
            self.texts["cause"] = f"{cause} {cause!r}"

    def check(self) -> int:
        """Assert nothing leaked; return how many places were checked."""
        records = self.caplog.records
        assert records, "nothing was logged"
        self.texts["log"] = self.caplog.text
        self.texts["log records"] = "\n".join(f"{r.getMessage()} {r.args!r} {r.msg!r}" for r in records)
        for place, text in self.texts.items():
            assert not leaks(text), f"{leaks(text)} leaked in the {place}"
        return len(self.texts)


@pytest.fixture
def exposure(caplog: pytest.LogCaptureFixture) -> Exposure:
    caplog.set_level(logging.DEBUG)
    for name in ("capillary", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    return Exposure(caplog)


def run_exposed(driver: str, server: LiveServer, call: Any, exposure: Exposure, **settings: Any) -> Any:
    """`run()`, recording the client and the error (if any) in `exposure`."""

    def exposed(client: Any) -> Any:
        exposure.client(client)
        return call(client)

    try:
        result = run(driver, server, exposed, **settings)
    except errors.CapillaryError as exc:
        exposure.error(exc)
        return exc
    exposure.texts["result"] = f"{result!r} {result} {getattr(result, 'response_meta', None)!r}"
    return result


DRIVERS = pytest.mark.parametrize("driver", ["sync", "async"])
AUTHS = pytest.mark.parametrize("auth", list(AUTH))


@DRIVERS
@AUTHS
@pytest.mark.parametrize(
    ("fault_name", "op_name"),
    [
        (fault, op)
        for fault in ("success", *FAULTS)
        for op in CHECK_OPS
        if fault == "success" or FAULTS[fault].only in (None, OPS[op].api)
    ],
)
def test_no_secret_on_any_path(
    server: LiveServer, exposure: Exposure, driver: str, auth: str, fault_name: str, op_name: str
) -> None:
    op = OPS[op_name]
    fault = FAULTS.get(fault_name)
    server.answer(fault.reply(op) if fault else Reply(200, op.ok))
    outcome = run_exposed(driver, server, op.call, exposure, **AUTH[auth])

    if fault is None:
        assert op.check(outcome)
    else:
        assert type(outcome) is fault.error
    sent = server.requests()[0].headers
    # The credentials did go over the wire (so they were there to leak).
    if auth == "oauth":
        assert sent["x-cap-api-oauth-token"] == "tok-secret-1" and len(server.token_requests) == 1
    else:
        assert sent["authorization"].startswith("Basic ") and not server.token_requests
    assert exposure.check() >= 4


@DRIVERS
def test_no_secret_when_the_token_is_rejected_and_refreshed(
    server: LiveServer, exposure: Exposure, driver: str
) -> None:
    server.rejected_tokens.add("tok-secret-1")
    server.answer(Reply(200, OPS["v2_post"].ok))
    result = run_exposed(driver, server, OPS["v2_post"].call, exposure, **AUTH["oauth"])
    assert result.created_id == 4242 and result.response_meta.attempts == 2
    assert len(server.token_requests) == 2
    assert "refreshing the OAuth token" in exposure.caplog.text
    exposure.check()


@DRIVERS
@pytest.mark.parametrize(
    ("token_reply", "error"),
    [
        (
            Reply(401, {"data": None, "errors": [{"code": 1001, "message": "Invalid key or secret"}]}),
            errors.AuthenticationError,
        ),
        (Reply(200, {"data": {"accessToken": None}, "errors": None}), errors.AuthenticationError),
        (Reply(503, b"down", "text/plain"), errors.InternalServerError),
        (Reply(200, b'{"data": {"accessToken": "tok-secret-cut', cut_at=30), errors.APIConnectionError),
    ],
    ids=["401", "no token", "503", "reset"],
)
def test_no_secret_when_the_token_endpoint_fails(
    server: LiveServer, exposure: Exposure, driver: str, token_reply: Reply, error: type[Exception]
) -> None:
    server.token_reply = token_reply
    outcome = run_exposed(driver, server, OPS["v11_get"].call, exposure, **AUTH["oauth"])
    assert type(outcome) is error
    assert server.requests() == []
    retried = token_reply.status == 503 or token_reply.cut_at is not None  # the token call is idempotent
    assert len(server.token_requests) == (1 + MAX_RETRIES if retried else 1)
    exposure.check()


@DRIVERS
def test_no_secret_from_a_pre_issued_token_that_is_rejected(
    server: LiveServer, exposure: Exposure, driver: str
) -> None:
    server.rejected_tokens.add("tok-secret-pre")
    outcome = run_exposed(driver, server, OPS["v2_post"].call, exposure, access_token="tok-secret-pre")
    assert type(outcome) is errors.AuthenticationError
    assert server.requests()[0].headers["x-cap-api-oauth-token"] == "tok-secret-pre"
    exposure.check()


@DRIVERS
def test_a_token_with_control_characters_from_the_token_endpoint_is_refused_unquoted(
    server: LiveServer, exposure: Exposure, driver: str
) -> None:
    """Before the fix the HTTP layer refused the header and its message quoted the token."""
    server.token_reply = Reply(200, {"data": {"accessToken": "tok-secret-evil\r\nX-Evil: 1", "ttlSeconds": 60}})
    outcome = run_exposed(driver, server, OPS["v2_get"].call, exposure, **AUTH["oauth"])
    assert type(outcome) is errors.AuthenticationError
    assert "cannot be sent in a header" in outcome.message
    assert server.requests() == []
    exposure.check()


@pytest.mark.parametrize("token", ["tok-secret-a\r\nX-Evil: 1", "tok-secret-\x0b", "tok-secret-\x00"])
def test_a_configured_token_with_control_characters_is_refused_unquoted(token: str) -> None:
    with pytest.raises(errors.ConfigurationError) as caught:
        Capillary(base_url="http://127.0.0.1:9", access_token=token)
    assert not leaks("".join(traceback.format_exception(caught.value)))
