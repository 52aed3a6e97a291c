"""Parsing incoming webhook payloads: JSON objects of the documented shape, or WebhookPayloadError."""

from __future__ import annotations

import json

import pytest
from capillary import errors
from capillary._model import CapillaryModel
from capillary._webhooks import MAX_PAYLOAD_BYTES, parse_payload
from pydantic import Field


class Push(CapillaryModel):
    event_name: str = Field(alias="eventName")
    count: int | None = None


@pytest.mark.parametrize(
    "payload",
    [
        b'{"eventName": "Visit", "count": 2, "extra": true}',
        '{"eventName": "Visit", "count": 2, "extra": true}',
        {"eventName": "Visit", "count": 2, "extra": True},
    ],
)
def test_bytes_text_and_decoded_payloads_parse(payload: object) -> None:
    push = parse_payload(Push, payload, "push")
    assert (push.event_name, push.count) == ("Visit", 2)
    assert push.model_extra == {"extra": True}  # undocumented fields are kept, not refused


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{not json", "the payload is not JSON"),
        (b"\xff\xfe", "the payload is not JSON"),
        (b"[1, 2]", "must be a JSON object, not list"),
        (b'{"count": 2}', "eventName: Field required"),
        (b'{"eventName": "Visit", "count": "many"}', "count: Input should be a valid integer"),
        (b" " * (MAX_PAYLOAD_BYTES + 1), "larger than"),
    ],
)
def test_bad_payloads_raise_with_the_problem(payload: bytes, message: str) -> None:
    with pytest.raises(errors.WebhookPayloadError, match=message) as caught:
        parse_payload(Push, payload, "push")
    assert caught.value.webhook == "push"
    assert isinstance(caught.value, ValueError)


def test_problems_are_listed_without_the_input_values() -> None:
    secret = "919800000123"
    with pytest.raises(errors.WebhookPayloadError) as caught:
        parse_payload(Push, json.dumps({"eventName": 5, "count": secret + "x"}), "push")
    assert [p["loc"] for p in caught.value.errors] == ["eventName", "count"]
    assert secret not in str(caught.value) and secret not in repr(caught.value.errors)
