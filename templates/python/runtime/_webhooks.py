"""Parsing the requests Capillary sends to the integrator's endpoints (OpenAPI `webhooks`).

The generated `parse_<webhook>` functions call `parse_payload`: the body must be a JSON object whose
documented fields have the documented types. It is read like a response (lenient mode): fields the
spec does not list are kept (`model_extra`) and unknown enum values stay strings, so a payload that
gained a field or a value still parses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from ._model import RESPONSE_CONTEXT, problems_text, validation_problems
from .errors import WebhookPayloadError

ModelT = TypeVar("ModelT")
MAX_PAYLOAD_BYTES = 1 << 20
"""Larger bodies are refused before decoding: no documented payload comes near 1 MiB."""
_MAX_LISTED_PROBLEMS = 10


def parse_payload(model: type[ModelT], payload: bytes | str | Mapping[str, Any], webhook: str) -> ModelT:
    """`payload` (the raw request body, or it already decoded) as `model`; WebhookPayloadError if it
    is not a JSON object of the documented shape."""
    if isinstance(payload, (bytes, bytearray, str)):
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise WebhookPayloadError(
                f"{webhook}: the payload is larger than {MAX_PAYLOAD_BYTES} bytes", webhook=webhook
            )
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WebhookPayloadError(f"{webhook}: the payload is not JSON ({exc})", webhook=webhook) from None
    else:
        data = payload
    if not isinstance(data, Mapping):
        raise WebhookPayloadError(
            f"{webhook}: the payload must be a JSON object, not {type(data).__name__}", webhook=webhook
        )
    try:
        return model.model_validate(data, context=RESPONSE_CONTEXT)  # type: ignore[attr-defined, no-any-return]
    except ValidationError as exc:
        problems = validation_problems(exc)
        listed = problems_text(problems, "<payload>", limit=_MAX_LISTED_PROBLEMS)
        # Locations as dotted paths: a webhook handler logs or returns them, it does not index them.
        dotted = [{**p, "loc": ".".join(str(part) for part in p["loc"]) or "<payload>"} for p in problems]
        raise WebhookPayloadError(
            f"{webhook}: the payload does not match the documented shape: {listed}", webhook=webhook, errors=dotted
        ) from None
