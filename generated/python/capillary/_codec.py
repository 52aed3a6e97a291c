"""The pydantic side of a call: arguments and bodies validated and encoded, success bodies parsed.

Kept apart from `_client` so that `import capillary` defines no pydantic model: defining the first
one loads pydantic's model machinery and plugin loader (~40 ms), which `import pydantic` alone does
not. The client imports this module with its first request; by then a generated resource module has
usually loaded the models anyway.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_core import from_json

from . import errors
from ._files import encode_multipart
from ._model import (
    RESPONSE_CONTEXT,
    CapillaryModel,
    ResponseList,
    ResponseMeta,
    dump_form_fields,
    dump_request_body,
    param_adapter,
    problems_text,
    response_validator,
    type_adapter,
    validation_problems,
)

if TYPE_CHECKING:
    import httpx

    from ._envelope import EnvelopeStatus
    from ._operation import Operation, Param

__all__ = [
    "ValidationError",
    "decode_json",
    "encode_argument",
    "encode_body",
    "mismatch",
    "parse_body",
    "with_meta",
]


def _invalid_argument(
    operation: Operation, name: str, exc: ValidationError
) -> errors.InvalidRequestError:
    """`lookupCustomer: invalid value for argument 'limit': Input should be a valid integer`."""
    problems = validation_problems(exc, (name,))
    parts = []
    for problem in problems:
        # A parameter's own name is already in the message; body paths keep their `body.` root.
        loc = problem["loc"] if name == "body" else problem["loc"][1:]
        where = ".".join(str(part) for part in loc)
        parts.append(f"{where}: {problem['msg']}" if where else problem["msg"])
    subject = "the request body" if name == "body" else f"argument {name!r}"
    return errors.InvalidRequestError(
        f"{operation.operation_id}: invalid value for {subject}: {'; '.join(parts)}",
        param=name,
        operation_id=operation.operation_id,
        errors=problems,
    )


# Plain parameter types whose exact instances pydantic validates and dumps (JSON mode) unchanged.
_UNCHANGED_BY_ENCODING = frozenset({str, int, bool})


def encode_argument(operation: Operation, param: Param, value: Any) -> Any:
    """The argument validated strictly against its annotation, in JSON mode (`InvalidRequestError` if invalid)."""
    annotation = param.annotation
    if type(value) is annotation and annotation in _UNCHANGED_BY_ENCODING:
        return value  # the usual `mobile="91..."`: what the adapter would return, without its two calls
    adapter = param_adapter(annotation)
    try:
        validated = adapter.validate_python(value)
    except ValidationError as exc:
        raise _invalid_argument(operation, param.name, exc) from None
    return adapter.dump_python(validated, mode="json")


def encode_body(operation: Operation, body: Any) -> tuple[bytes, str | None]:
    """`(content, content type)` of the body validated strictly: JSON (content type None: the
    default) or, for `body_format="multipart"`, multipart form data."""
    try:
        validated = type_adapter(operation.body).validate_python(body)
    except ValidationError as exc:
        raise _invalid_argument(operation, "body", exc) from None
    if operation.body_format == "multipart":
        return encode_multipart(dump_form_fields(operation.body, validated))
    return dump_request_body(operation.body, validated), None


def decode_json(content: bytes) -> Any:
    """`json.loads(content)`, a third faster for a typical body: pydantic-core's parser, and
    `json.loads` itself for what that refuses (a BOM, UTF-16/32, lone surrogates, deep nesting), so
    the values and the failures (`ValueError`) stay those of `json.loads`."""
    try:
        return from_json(content)
    except ValueError:
        return json.loads(content)


def parse_body(annotation: Any, content: bytes, decoded: Any, *, raw: bool) -> Any:
    """A success body validated leniently as `annotation`: from the raw JSON `content` when `raw`,
    else from `decoded` (JSON or XML already decoded). Raises `ValidationError`."""
    validator = response_validator(annotation)
    if raw:
        return validator.validate_json(content, context=RESPONSE_CONTEXT)
    return validator.validate_python(decoded, context=RESPONSE_CONTEXT)


def mismatch(exc: ValidationError) -> tuple[str, list[dict[str, Any]] | None]:
    """`(reason, problems)` of the `APIResponseValidationError` for a body `parse_body` refused."""
    problems = validation_problems(exc)
    if any(problem["type"] == "json_invalid" for problem in problems):
        return "the body is not valid JSON", None
    return (
        f"the body does not match the documented response: {problems_text(problems, '<body>', limit=5)}",
        problems,
    )


def with_meta(
    result: Any,
    *,
    request_id: str | None,
    status_code: int,
    operation_id: str,
    headers: httpx.Headers,
    attempts: int,
    envelope: EnvelopeStatus | None,
) -> Any:
    """`result` carrying its `ResponseMeta` (a JSON array becomes a `ResponseList`)."""
    if isinstance(result, list):
        result = ResponseList(result)
    if isinstance(result, (CapillaryModel, ResponseList)):
        # Set directly: pydantic's `__setattr__` would first look the name up among its own attributes.
        object.__setattr__(
            result,
            "_response_meta",
            ResponseMeta(
                request_id=request_id,
                status_code=status_code,
                operation_id=operation_id,
                headers=headers,
                attempts=attempts,
                envelope=envelope,
            ),
        )
    return result
