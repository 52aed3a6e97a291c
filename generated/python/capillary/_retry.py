"""When to retry a request, and how long to wait first.

Which failures are retried:

- **idempotent operations** (GET, PUT, DELETE ... as the spec marks them): connection errors and
  timeouts, and the statuses 429, 461 (search busy), 500, 502, 503, 504 and 521 (customer locked).
  A 500 whose body carries a Capillary error (v2 `errors[].code`, v1.1 failed `item_status`) is an
  answer, not an outage, and is not retried.
- **non-idempotent operations** (POST): only when the failure proves the server never received or
  never processed the request, so a retry cannot apply it twice:
  `httpx.ConnectError` / `httpx.ConnectTimeout` (no connection was made), `httpx.PoolTimeout` (the
  request never left the pool), and 429 (a rate limiter rejects a request before it is processed).
  A 5xx, 461 or 521, a read timeout or a dropped connection may come after the server acted, so they
  are raised. Pass `idempotent=True` in the request options to retry anyway.

Waits: full jitter, `uniform(0, min(backoff_cap, backoff_base * 2**retry))`; when the response has
`Retry-After` (seconds or an HTTP date) that wait is used instead, capped at `retry_after_cap`.
"""

from __future__ import annotations

import dataclasses
import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

import httpx

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy", "parse_retry_after"]

RETRYABLE_STATUSES: Final = frozenset({429, 461, 500, 502, 503, 504, 521})
"""Statuses retried for idempotent operations."""
REJECTED_UNPROCESSED_STATUSES: Final = frozenset({429})
"""Statuses that prove the request was not processed: retried for any operation."""

_NOT_SENT_ERRORS: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_TRANSIENT_ERRORS: Final = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a `Retry-After` value (delay seconds or HTTP date), None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - now()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times and when a failed request is sent again. Immutable; use `replace()`."""

    max_retries: int = 2
    """Retries after the first attempt (0 disables retrying)."""
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    retry_after_cap: float = 60.0
    """Longest wait taken from a `Retry-After` header."""
    retry_statuses: frozenset[int] = RETRYABLE_STATUSES
    rng: Callable[[], float] = dataclasses.field(default=random.random, repr=False, compare=False)
    """Source of the jitter: returns a float in [0, 1)."""

    def __post_init__(self) -> None:
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ValueError(f"max_retries must be an integer >= 0, not {self.max_retries!r}")
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.retry_after_cap < 0:
            raise ValueError("backoff_base, backoff_cap and retry_after_cap must be >= 0")

    def replace(self, **changes: object) -> RetryPolicy:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def backoff(self, retry: int) -> float:
        """Full-jitter wait before retry number `retry` (0 for the first retry)."""
        return self.rng() * min(self.backoff_cap, self.backoff_base * (2**retry))

    def delay_after_error(self, error: Exception, *, retry: int, idempotent: bool) -> float | None:
        """Wait before retrying after a transport error, or None to give up."""
        if retry >= self.max_retries:
            return None
        if isinstance(error, _NOT_SENT_ERRORS) or (
            idempotent and isinstance(error, _TRANSIENT_ERRORS)
        ):
            return self.backoff(retry)
        return None

    def delay_after_status(
        self,
        status_code: int,
        headers: Mapping[str, str],
        *,
        retry: int,
        idempotent: bool,
        application_error: bool = False,
    ) -> float | None:
        """Wait before retrying after an HTTP status, or None to give up.

        `application_error` marks a 500 that carries a Capillary error (see the module docs).
        """
        if retry >= self.max_retries or status_code not in self.retry_statuses:
            return None
        if not idempotent and status_code not in REJECTED_UNPROCESSED_STATUSES:
            return None
        if status_code == 500 and application_error:
            return None
        retry_after = parse_retry_after(headers.get("retry-after"))
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap)
        return self.backoff(retry)
