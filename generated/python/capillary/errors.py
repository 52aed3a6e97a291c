"""Exceptions raised by the Capillary client.

```
CapillaryError
├── ConfigurationError                 bad client settings (unknown cluster, half a credential pair)
│   └── MissingCredentialsError        the operation needs credentials the client does not have
├── InvalidRequestError (ValueError)   a bad argument, found before anything was sent
└── APIError                           anything that happened talking to the API
    ├── APIConnectionError             no HTTP answer (DNS, refused, reset ...)
    │   └── APITimeoutError
    ├── APIResponseValidationError     a 2xx whose body is not the documented JSON
    └── APIStatusError                 the API said no: status_code, code, message, request_id
        ├── BadRequestError 400
        │   └── BatchLimitError        Capillary code 1060, batch larger than allowed
        ├── AuthenticationError 401
        ├── PermissionDeniedError 403
        ├── NotFoundError 404
        ├── ConflictError 409
        ├── UnprocessableEntityError 422
        ├── RateLimitError 429
        ├── SearchBusyError 461        Capillary: search engine busy, try again later
        ├── CustomerLockedError 521    Capillary: another action is running for this customer
        ├── InternalServerError 5xx    (other than 521)
        └── V11EnvelopeError           v1.1 HTTP 2xx whose `response.status` reports that no item succeeded
```

Messages, `str()` and `repr()` never contain credentials: no Authorization header, password, md5,
OAuth secret or token, and no argument values (they may be personal data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from ._envelope import EnvelopeStatus

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchLimitError",
    "CapillaryError",
    "ConfigurationError",
    "ConflictError",
    "CustomerLockedError",
    "InternalServerError",
    "InvalidRequestError",
    "MissingCredentialsError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "SearchBusyError",
    "UnprocessableEntityError",
    "V11EnvelopeError",
    "WebhookPayloadError",
]


class CapillaryError(Exception):
    """Base of every exception this package raises."""


class ConfigurationError(CapillaryError):
    """The client was configured in a way that cannot work."""


class MissingCredentialsError(ConfigurationError):
    """The operation needs credentials (Basic till/password or OAuth) that the client lacks."""


class InvalidRequestError(CapillaryError, ValueError):
    """An argument failed validation; nothing was sent.

    `param` is the Python argument name (`"body"` for the request body), `errors` the individual
    problems as `{"loc", "msg", "type"}` dicts (input values left out on purpose).
    """

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        operation_id: str | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.operation_id = operation_id
        self.errors: list[Mapping[str, Any]] = list(errors)


class WebhookPayloadError(CapillaryError, ValueError):
    """An incoming webhook payload is not what the spec documents (not JSON, wrong shape).

    `webhook` names the webhook; `errors` lists the problems as `{"loc", "msg", "type"}` dicts.
    Answer the sender with a 4xx: the payload cannot be processed.
    """

    def __init__(
        self, message: str, *, webhook: str, errors: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.webhook = webhook
        self.errors: list[Mapping[str, Any]] = list(errors)


class APIError(CapillaryError):
    """Base of the errors that come from an exchange with the API."""

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None = None,
        operation_id: str | None = None,
        attempts: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id
        """`X-Cap-Requestid` of the last response (None when no response headers arrived)."""
        self.operation_id = operation_id
        self.attempts = attempts
        """How many times the request was sent before this error (None if not known)."""

    def __str__(self) -> str:
        where = f" [{self.operation_id}]" if self.operation_id else ""
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"{self.message}{where}{rid}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, "
            f"operation_id={self.operation_id!r}, request_id={self.request_id!r})"
        )


class APIConnectionError(APIError):
    """The request got no complete HTTP answer (connection refused or reset, DNS failure, ...).

    `request_id` is set when the response headers arrived but the body was cut off."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class APIResponseValidationError(APIError):
    """A success response whose body is not JSON or does not match the documented model."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        request_id: str | None = None,
        operation_id: str | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message, request_id=request_id, operation_id=operation_id)
        self.status_code = status_code
        self.errors: list[Mapping[str, Any]] = list(errors)


class APIStatusError(APIError):
    """The API answered with an error.

    - `status_code`: HTTP status;
    - `code`, `message`: Capillary's error code and text (v2/v3 `errors[0]`; v1.1 the first failed
      `item_status`, else `response.status`); `code_meaning` is the operation's documented meaning of
      `code`, when there is one;
    - `errors`: every error entry of the body; `body`: the decoded body (text if not JSON);
    - `request_id`: the `X-Cap-Requestid` response header; `operation_id`: which operation failed;
    - `envelope`: for v1.1, the parsed `response.status` and item statuses.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: int | str | None = None,
        request_id: str | None = None,
        operation_id: str | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
        body: Any = None,
        headers: httpx.Headers | None = None,
        code_meaning: str | None = None,
        envelope: EnvelopeStatus | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id, operation_id=operation_id)
        self.status_code = status_code
        self.code = code
        self.errors: list[Mapping[str, Any]] = list(errors)
        self.body = body
        self.headers = headers
        self.code_meaning = code_meaning
        self.envelope = envelope

    def __str__(self) -> str:
        code = f" [code {self.code}]" if self.code is not None else ""
        meaning = (
            f" ({self.code_meaning})"
            if self.code_meaning and self.code_meaning != self.message
            else ""
        )
        where = f" [{self.operation_id}]" if self.operation_id else ""
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"HTTP {self.status_code}{code}: {self.message}{meaning}{where}{rid}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, "
            f"message={self.message!r}, operation_id={self.operation_id!r}, "
            f"request_id={self.request_id!r})"
        )


class BadRequestError(APIStatusError):
    """400: invalid input (body, path parameter, attribution headers ...)."""


class BatchLimitError(BadRequestError):
    """Capillary code 1060: more items in one batch than the API accepts."""


class AuthenticationError(APIStatusError):
    """401: wrong till/password, or an invalid or expired OAuth token."""


class PermissionDeniedError(APIStatusError):
    """403: not allowed (e.g. v2 not enabled for the org, or a mandatory field missing)."""


class NotFoundError(APIStatusError):
    """404: unknown resource or entity not found."""


class ConflictError(APIStatusError):
    """409: conflicts with the current state of the resource."""


class UnprocessableEntityError(APIStatusError):
    """422: well-formed but semantically invalid."""


class RateLimitError(APIStatusError):
    """429: too many requests."""


class SearchBusyError(APIStatusError):
    """461 (Capillary): the search engine is busy or not answering; try again later."""


class CustomerLockedError(APIStatusError):
    """521 (Capillary): multiple actions are running for the same customer; try again later."""


class InternalServerError(APIStatusError):
    """5xx (other than Capillary's 521): the request failed on the server side."""


class V11EnvelopeError(APIStatusError):
    """A v1.1 answer with HTTP 2xx whose `response.status.success` is false and no item succeeded.

    `status_code` is the HTTP status (2xx); `code` and `message` come from the envelope (see
    `APIStatusError`); `envelope` holds every item's status. A *partial* success is not an error: the
    result is returned and `result.response_meta.envelope` lists the items that failed.
    """


BATCH_LIMIT_CODE = 1060

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    461: SearchBusyError,
    521: CustomerLockedError,
}


def error_class_for(status_code: int, code: int | str | None = None) -> type[APIStatusError]:
    """The exception class for an HTTP error status (and Capillary code)."""
    if code == BATCH_LIMIT_CODE and 400 <= status_code < 500:
        return BatchLimitError
    cls = _BY_STATUS.get(status_code)
    if cls is not None:
        return cls
    if status_code >= 500:
        return InternalServerError
    return APIStatusError
