"""Credentials: Basic (till + md5 of the password) and OAuth (key + secret -> cached access token).

Nothing here sends requests. The clients fetch tokens through their own transport (the operation
`OAuth.operation`, defined in `_token`), under the locks kept here, so that concurrent callers share
one refresh. Nothing here needs pydantic: `import capillary` defines no model (see `_token`).
"""

from __future__ import annotations

import base64
import hashlib
import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from .errors import AuthenticationError

if TYPE_CHECKING:
    import asyncio

    from ._operation import Operation

__all__ = [
    "DEFAULT_OAUTH_HEADER",
    "TOKEN_OPERATION_ID",
    "BasicAuth",
    "OAuth",
    "Secret",
    "basic_authorization",
]

DEFAULT_OAUTH_HEADER: Final = "X-CAP-API-OAUTH-TOKEN"
"""Header the access token travels in; some docs pages name `CAP-API-ACCESS-TOKEN` instead."""
TOKEN_OPERATION_ID: Final = "generateOAuthToken"


class Secret:
    """A string that never shows itself in `repr()`, `str()` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __reduce__(self) -> None:  # type: ignore[override]
        raise TypeError("credentials cannot be pickled")


def is_header_safe(value: str) -> bool:
    """True when `value` can travel in a header as is: printable ASCII and tabs only.

    Header values (credentials included) are checked before sending, so that a bad one is refused
    without being echoed: the HTTP layer's own error (`LocalProtocolError`, `UnicodeEncodeError`)
    would quote the value."""
    return value.isascii() and all(char == "\t" or " " <= char <= "~" for char in value)


def basic_authorization(till: str, password: str) -> str:
    """`Authorization` value for Basic auth: `Basic base64(till + ":" + md5hex(password))`."""
    digest = hashlib.md5(password.encode("utf-8")).hexdigest()
    token = base64.b64encode(f"{till}:{digest}".encode()).decode("ascii")
    return f"Basic {token}"


class BasicAuth:
    """Till (or store center) credentials; only the finished header value is kept."""

    kind: Final = "basic"
    __slots__ = ("_header", "till")

    def __init__(self, till: str, password: str) -> None:
        self.till = till
        self._header = Secret(basic_authorization(till, password))

    def headers(self) -> dict[str, str]:
        return {"Authorization": self._header.get()}

    def __repr__(self) -> str:
        return f"BasicAuth(till={self.till!r})"


class OAuth:
    """OAuth token state shared by every request of one client.

    The token is refreshed `refresh_margin` seconds (at most half the TTL) before `ttlSeconds` runs
    out, and once when a call is answered 401. A pre-issued `access_token` is used until it is
    rejected; with a key and secret it is then replaced, without them the 401 is raised.
    """

    kind: Final = "oauth"

    def __init__(
        self,
        *,
        key: str | None = None,
        secret: str | None = None,
        access_token: str | None = None,
        header: str = DEFAULT_OAUTH_HEADER,
        refresh_margin: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.header = header
        self.refresh_margin = refresh_margin
        self.clock = clock
        self._key = Secret(key) if key else None
        self._secret = Secret(secret) if secret else None
        if access_token and not is_header_safe(access_token):
            raise ValueError("access_token must be ASCII without CR, LF or other control characters")
        self._token = Secret(access_token) if access_token else None
        self._expires_at = math.inf
        self.thread_lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None
        self._async_lock_loop: asyncio.AbstractEventLoop | None = None

    @property
    def can_refresh(self) -> bool:
        """True when a new token can be generated (key and secret are known)."""
        return self._key is not None and self._secret is not None

    @property
    def async_lock(self) -> asyncio.Lock:
        """The lock async refreshes share; a new one per event loop (an asyncio.Lock is loop-bound)."""
        import asyncio  # here, not at the top: importing it costs ~35 ms that sync-only programs never need

        loop = asyncio.get_running_loop()
        if self._async_lock is None or self._async_lock_loop is not loop:
            self._async_lock = asyncio.Lock()
            self._async_lock_loop = loop
        return self._async_lock

    @property
    def operation(self) -> Operation:
        """The token-generate call (`POST /v3/oauth/token/generate`); its response models are
        imported with the first refresh, not by `import capillary` (see `_token`)."""
        from ._token import TOKEN_OPERATION

        return TOKEN_OPERATION

    def valid_token(self, rejected: str | None = None) -> str | None:
        """The cached token if it is still fresh and is not the one the server just rejected."""
        token = self._token
        if token is None or self.clock() >= self._expires_at:
            return None
        value = token.get()
        return None if value == rejected else value

    def token_request_body(self) -> dict[str, str]:
        """JSON body of `POST /v3/oauth/token/generate`."""
        if self._key is None or self._secret is None:
            raise AuthenticationError(
                "the OAuth token was rejected and no oauth_key/oauth_secret is configured to renew it",
                status_code=401,
            )
        return {"key": self._key.get(), "secret": self._secret.get()}

    def store(self, response: object) -> str:
        """Keep the token of a token-generate response (parsed as `operation.response`) and return it."""
        data = getattr(response, "data", None)
        token = getattr(data, "access_token", None)
        refused = None
        if not isinstance(token, str) or not token:
            refused = "without data.accessToken"
        elif not is_header_safe(token):
            refused = "with a token that cannot be sent in a header (control characters)"
        if refused is not None:
            raise AuthenticationError(
                f"token generation answered {refused}",
                status_code=200,
                operation_id=TOKEN_OPERATION_ID,
                request_id=getattr(response, "request_id", None),
            )
        ttl = getattr(data, "ttl_seconds", None)
        if ttl is None or ttl <= 0:
            self._expires_at = math.inf
        else:
            self._expires_at = self.clock() + ttl - min(self.refresh_margin, ttl / 2)
        self._token = Secret(token)
        return token

    def __repr__(self) -> str:
        return f"OAuth(header={self.header!r}, can_refresh={self.can_refresh})"
