"""The sync and async clients every generated resource method calls into.

`request(operation, arguments, body=..., options=...)` does, in order:

1. validate every argument and the body before any I/O (`InvalidRequestError` names the argument);
2. build the URL (path values percent-encoded as one segment each), query, headers (CR/LF refused);
3. pick the credentials the operation accepts (OAuth preferred, then Basic);
4. send, retrying per `RetryPolicy`, refreshing the OAuth token once on 401 and replaying once;
5. raise the typed error for a status >= 400, or parse the body leniently into `Operation.response`
   and attach the response metadata (`X-Cap-Requestid` ...); v1.1 envelopes reporting that nothing
   succeeded raise `V11EnvelopeError`. A v1.1 XML answer (`format="xml"`, or an XML content type)
   is read into the JSON shape first (`_xml`); hostile or malformed XML is an
   `APIResponseValidationError`. Every `APIError` raised here carries `attempts` (how many times
   the request was sent) and the `request_id` of the last response, when headers arrived.

All of it except the I/O is shared: `_BaseClient._flow` is a generator that yields what it needs
(`_Send`, `_Sleep`, `_GetToken`) and the sync and async drivers perform those actions. What needs
pydantic (steps 1 and 5) is in `_codec`, imported by the first request: `import capillary` defines
no model and loads no pydantic.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal, Self, TypedDict
from urllib.parse import quote, urlencode

import httpx

from . import errors
from ._auth import DEFAULT_OAUTH_HEADER, BasicAuth, OAuth, is_header_safe
from ._clusters import CLUSTERS, SERVICE_CLUSTERS
from ._envelope import EnvelopeStatus, extract_error, read_v11_envelope
from ._operation import Operation
from ._pagination import PageWalk
from ._retry import RetryPolicy
from ._version import VERSION
from ._xml import XMLBodyError, fit, is_xml_content_type, parse_xml

__all__ = ["DEFAULT_TIMEOUT", "AsyncClient", "RequestOptions", "SyncClient"]

logger = logging.getLogger("capillary")

REQUEST_ID_HEADER: Final = "X-Cap-Requestid"
ATTRIBUTION_TYPE_HEADER: Final = "X-CAP-API-ATTRIBUTION-ENTITY-TYPE"
ATTRIBUTION_CODE_HEADER: Final = "X-CAP-API-ATTRIBUTION-ENTITY-CODE"
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)

_STATUS_MESSAGES: Final = {
    461: "Search engine is busy or unable to respond; try again later",
    521: "Multiple actions are running for the same customer; try again later",
}
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_NOT_JSON: Final = object()


class RequestOptions(TypedDict, total=False):
    """Per-call settings, passed as `request_options=` to any generated method."""

    timeout: float | httpx.Timeout | None
    """Seconds or an `httpx.Timeout`; None keeps the client's."""
    max_retries: int
    """Retries for this call (0 disables retrying)."""
    extra_headers: Mapping[str, str]
    """Added last: they override any header the client would send."""
    attribution_entity_type: str
    """`X-CAP-API-ATTRIBUTION-ENTITY-TYPE` for this call (TILL, STORE_CODE, ...)."""
    attribution_entity_code: str
    """`X-CAP-API-ATTRIBUTION-ENTITY-CODE` for this call."""
    idempotent: bool
    """Override whether this call may be retried after failures that may have reached the server."""


_OPTION_KEYS: Final = frozenset(RequestOptions.__annotations__)


# ---------------------------------------------------------------------------------------------
# Pure helpers


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


_USER_AGENT: Final = f"capillary-python/{VERSION}"


def _stringify(value: Any) -> str:
    """A JSON-mode value as it goes into a query string, path or header."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ",".join(_stringify(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _path_segment(text: str) -> str:
    """Percent-encode a value so it stays exactly one path segment (`/`, `?`, `#`, `..` included)."""
    encoded = quote(text, safe="")
    if encoded in (".", ".."):  # dot segments would be resolved away by URL normalisation
        encoded = encoded.replace(".", "%2E")
    return encoded


def _check_header(name: str, value: str, *, operation_id: str, param: str) -> None:
    if not _HEADER_NAME.match(name):
        raise errors.InvalidRequestError(
            f"{operation_id}: invalid header name {name!r}", param=param, operation_id=operation_id
        )
    if not is_header_safe(value):
        raise errors.InvalidRequestError(
            f"{operation_id}: the value of header {name!r} must be ASCII without CR, LF, NUL or other control "
            "characters",
            param=param,
            operation_id=operation_id,
        )


def _decode_body(op: Operation, response: httpx.Response, *, asked_xml: bool) -> tuple[Any, bool]:
    """`(data, from_xml)`: the body as JSON-like data (`_NOT_JSON` when it is neither JSON nor XML).

    A v1.1 body is read as XML when its content type says XML, or when the call asked for
    `format=xml` and the body looks like XML; `XMLBodyError` when that XML is malformed or hostile."""
    content = response.content
    if not content.strip():
        return _NOT_JSON, False
    if op.api == "v1.1":
        content_type = response.headers.get("content-type", "").lower()
        if is_xml_content_type(content_type) or (
            asked_xml
            and "json" not in content_type
            and "html" not in content_type
            and content.lstrip()[:1] == b"<"
        ):
            return parse_xml(content), True
    from . import _codec  # imported by the request's preparation already

    try:
        return _codec.decode_json(content), False
    except ValueError:
        return _NOT_JSON, False


def _normalise_base_url(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise errors.ConfigurationError(f"invalid base_url {url!r}: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.query or parsed.fragment:
        raise errors.ConfigurationError(
            f"invalid base_url {url!r}: expected e.g. 'https://eu.api.capillarytech.com'"
        )
    return url.rstrip("/")


def _known_clusters() -> list[str]:
    return sorted(set(CLUSTERS).union(*SERVICE_CLUSTERS.values()))


def _resolve_hosts(cluster: str | None, base_url: str | None) -> tuple[str | None, str | None]:
    """`(CRM API base URL, cluster name)`: argument `base_url`, argument `cluster`, then
    `CAPILLARY_BASE_URL`, then `CAPILLARY_CLUSTER`. A cluster only services serve leaves the CRM
    URL unset (calls of the CRM API then fail before sending)."""
    if not base_url and not cluster:
        base_url = _env("CAPILLARY_BASE_URL")
        cluster = None if base_url else _env("CAPILLARY_CLUSTER")
    if cluster is not None:
        cluster = cluster.lower()
        # With base_url the cluster only picks the hosts of the separate services.
        if not base_url and cluster not in _known_clusters():
            raise errors.ConfigurationError(
                f"unknown cluster {cluster!r}; valid clusters: {', '.join(_known_clusters())} (or pass base_url=...)"
            )
    if base_url:
        return _normalise_base_url(base_url), cluster
    if not cluster:
        raise errors.ConfigurationError(
            f"no API host: pass cluster= (one of {', '.join(sorted(CLUSTERS))}) or base_url=, "
            "or set CAPILLARY_CLUSTER or CAPILLARY_BASE_URL"
        )
    url = CLUSTERS.get(cluster)
    return (_normalise_base_url(url) if url else None), cluster


def _service_urls(urls: Mapping[str, str] | None) -> dict[str, str]:
    resolved = {}
    for service, url in (urls or {}).items():
        if service not in SERVICE_CLUSTERS:
            raise errors.ConfigurationError(
                f"service_urls: unknown service {service!r}; services: {', '.join(sorted(SERVICE_CLUSTERS)) or 'none'}"
            )
        resolved[service] = _normalise_base_url(url)
    return resolved


def _basic_auth(till: str | None, password: str | None) -> BasicAuth | None:
    till = till or _env("CAPILLARY_TILL")
    password = password or _env("CAPILLARY_PASSWORD")
    if not till and not password:
        return None
    if not till or not password:
        missing = "password (CAPILLARY_PASSWORD)" if not password else "till (CAPILLARY_TILL)"
        raise errors.ConfigurationError(
            f"Basic auth needs both till and password; {missing} is missing"
        )
    return BasicAuth(till, password)


def _oauth(
    key: str | None, secret: str | None, access_token: str | None, header: str
) -> OAuth | None:
    key = key or _env("CAPILLARY_OAUTH_KEY")
    secret = secret or _env("CAPILLARY_OAUTH_SECRET")
    access_token = access_token or _env("CAPILLARY_ACCESS_TOKEN")
    if bool(key) != bool(secret):
        missing = (
            "oauth_secret (CAPILLARY_OAUTH_SECRET)"
            if not secret
            else "oauth_key (CAPILLARY_OAUTH_KEY)"
        )
        raise errors.ConfigurationError(
            f"OAuth needs both oauth_key and oauth_secret; {missing} is missing"
        )
    if not _HEADER_NAME.match(header or ""):
        raise errors.ConfigurationError(f"invalid oauth_header {header!r}")
    if not key and not access_token:
        return None
    try:
        return OAuth(key=key, secret=secret, access_token=access_token, header=header)
    except ValueError as exc:
        raise errors.ConfigurationError(str(exc)) from None


# ---------------------------------------------------------------------------------------------
# What the exchange generator asks its driver for


@dataclass(frozen=True, slots=True)
class _Send:
    request: httpx.Request


@dataclass(frozen=True, slots=True)
class _Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class _GetToken:
    rejected: str | None
    """The token the server just refused (it must not be handed out again)."""


_Action = _Send | _Sleep | _GetToken


@dataclass(frozen=True, slots=True)
class _Failed:
    """A `_Send` that got no complete HTTP answer."""

    error: httpx.TransportError
    request_id: str | None = None
    """`X-Cap-Requestid` of the response whose body was cut off, when the headers arrived."""


@dataclass(frozen=True, slots=True)
class _Call:
    """A validated, fully encoded request, minus the credentials (added per attempt)."""

    operation: Operation
    url: httpx.URL | str
    params: tuple[tuple[str, str], ...] | None
    """None when the query is in `url` already."""
    headers: Mapping[str, str]
    extra_headers: Mapping[str, str]
    content: bytes | None
    timeout: Any
    auth: Literal["basic", "oauth"] | None
    policy: RetryPolicy
    idempotent: bool
    asked_xml: bool
    """The call passed `format="xml"` (v1.1): the answer is read as XML."""


# ---------------------------------------------------------------------------------------------
# Shared configuration and logic


class _BaseClient:
    """Configuration and every non-I/O step, shared by `SyncClient` and `AsyncClient`."""

    _HTTP_CLIENT_TYPE: ClassVar[type]
    _http: Any

    def __init__(
        self,
        *,
        cluster: str | None = None,
        base_url: str | None = None,
        till: str | None = None,
        password: str | None = None,
        oauth_key: str | None = None,
        oauth_secret: str | None = None,
        access_token: str | None = None,
        oauth_header: str = DEFAULT_OAUTH_HEADER,
        attribution_entity_type: str | None = None,
        attribution_entity_code: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | RetryPolicy | None = None,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
        user_agent: str | None = None,
        service_urls: Mapping[str, str] | None = None,
    ) -> None:
        """Create a client.

        - `cluster` (e.g. `"eu"`) or `base_url` (wins over `cluster`); environment fallbacks
          `CAPILLARY_BASE_URL`, `CAPILLARY_CLUSTER`.
        - `service_urls`: hosts of the separate services (`{"auth_engine": "https://..."}`); by
          default each service uses its own host for `cluster`.
        - Basic auth: `till` + `password` (`CAPILLARY_TILL`, `CAPILLARY_PASSWORD`).
        - OAuth: `oauth_key` + `oauth_secret` (`CAPILLARY_OAUTH_KEY`, `CAPILLARY_OAUTH_SECRET`)
          and/or a pre-issued `access_token` (`CAPILLARY_ACCESS_TOKEN`); the token travels in
          `oauth_header`. OAuth is preferred when an operation accepts both.
        - `attribution_entity_type` / `_code`: default attribution headers.
        - `timeout`: seconds or `httpx.Timeout` (default 30 s, 10 s to connect; with `http_client`,
          that client's own timeout); `max_retries`: an int or a `RetryPolicy` (default 2 retries).
        - `http_client`: your own `httpx.Client` (sync) / `httpx.AsyncClient` (async); it is used
          as is and not closed by `close()`.
        """
        self._base_url, self._cluster = _resolve_hosts(cluster, base_url)
        self._service_urls = _service_urls(service_urls)
        self._basic = _basic_auth(till, password)
        self._oauth = _oauth(oauth_key, oauth_secret, access_token, oauth_header)

        for name, value in (
            ("attribution_entity_type", attribution_entity_type),
            ("attribution_entity_code", attribution_entity_code),
            ("user_agent", user_agent),
        ):
            if value is not None and not is_header_safe(value):
                raise errors.ConfigurationError(
                    f"{name} must be ASCII without CR, LF, NUL or other control characters"
                )
        self._attribution = {
            ATTRIBUTION_TYPE_HEADER: attribution_entity_type,
            ATTRIBUTION_CODE_HEADER: attribution_entity_code,
        }
        self._user_agent = user_agent or _USER_AGENT

        if isinstance(max_retries, RetryPolicy):
            self._retry = max_retries
        else:
            try:
                self._retry = (
                    RetryPolicy() if max_retries is None else RetryPolicy(max_retries=max_retries)
                )
            except ValueError as exc:
                raise errors.ConfigurationError(str(exc)) from None

        if http_client is None:
            self._http = self._new_http_client(
                httpx.Timeout(timeout) if timeout is not None else DEFAULT_TIMEOUT
            )
            self._owns_http = True
            # Our own client has our timeout: requests use it as is rather than a copy per request.
            self._timeout: Any = httpx.USE_CLIENT_DEFAULT
        else:
            if not isinstance(http_client, self._HTTP_CLIENT_TYPE):
                raise errors.ConfigurationError(
                    f"http_client must be an {self._HTTP_CLIENT_TYPE.__module__}."
                    f"{self._HTTP_CLIENT_TYPE.__name__} for {type(self).__name__}"
                )
            self._timeout = (
                httpx.Timeout(timeout) if timeout is not None else httpx.USE_CLIENT_DEFAULT
            )
            self._http = http_client
            self._owns_http = False

    def _new_http_client(self, timeout: httpx.Timeout) -> Any:
        raise NotImplementedError

    @property
    def base_url(self) -> str | None:
        """Scheme and host of the CRM API, e.g. `https://eu.api.capillarytech.com` (None when the
        cluster serves only separate services)."""
        return self._base_url

    def _host_for(self, operation: Operation) -> str:
        """Base URL of the API or service that serves `operation`."""
        service = operation.service
        if service is None:
            if self._base_url is None:
                raise errors.ConfigurationError(
                    f"{operation.operation_id}: cluster {self._cluster!r} has no CRM API host; pass base_url="
                )
            return self._base_url
        url = self._service_urls.get(service) or SERVICE_CLUSTERS.get(service, {}).get(
            self._cluster or ""
        )
        if url is None:
            clusters = ", ".join(sorted(SERVICE_CLUSTERS.get(service, {}))) or "none"
            raise errors.ConfigurationError(
                f"{operation.operation_id}: no {service} host for cluster {self._cluster!r} (its clusters: "
                f"{clusters}); pass service_urls={{{service!r}: 'https://...'}}"
            )
        return url

    @property
    def auth_kind(self) -> str:
        """`"oauth"`, `"basic"`, `"oauth+basic"` or `"none"`: which credentials are configured."""
        kinds = [kind for kind, auth in (("oauth", self._oauth), ("basic", self._basic)) if auth]
        return "+".join(kinds) or "none"

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._retry

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r}, auth={self.auth_kind!r})"

    # -- building the request ----------------------------------------------------------------

    def _select_auth(self, operation: Operation) -> Literal["basic", "oauth"] | None:
        accepted = operation.auth
        if not accepted:
            return None
        if "oauth" in accepted and self._oauth is not None:
            return "oauth"
        if "basic" in accepted and self._basic is not None:
            return "basic"
        needs = " or ".join(
            {"basic": "till + password", "oauth": "oauth_key + oauth_secret (or access_token)"}[
                kind
            ]
            for kind in accepted
        )
        raise errors.MissingCredentialsError(f"{operation.operation_id} needs credentials: {needs}")

    def _prepare(
        self,
        operation: Operation,
        arguments: Mapping[str, Any],
        body: Any,
        options: RequestOptions | None,
    ) -> _Call:
        """Validate and encode everything; raises before any I/O."""
        from . import (
            _codec,
        )  # pydantic's side, imported by the first request, not by `import capillary`

        op_id = operation.operation_id
        opts: Mapping[str, Any] = options or {}
        unknown = set(opts) - _OPTION_KEYS
        if unknown:
            raise TypeError(f"unknown request option(s): {', '.join(sorted(unknown))}")
        if not operation.param_names.issuperset(arguments):
            unexpected = next(name for name in arguments if name not in operation.param_names)
            raise TypeError(f"{op_id}() got an unexpected argument {unexpected!r}")

        path_values: dict[str, str] = {}
        query: list[tuple[str, str]] = []
        headers: dict[str, str] = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": self._user_agent,
        }
        for param in operation.params:
            value = arguments.get(param.name)
            if value is None:
                if param.required:
                    raise errors.InvalidRequestError(
                        f"{op_id}: missing required argument {param.name!r}",
                        param=param.name,
                        operation_id=op_id,
                    )
                continue
            dumped = _codec.encode_argument(operation, param, value)
            if param.repeated and isinstance(dumped, list):
                query.extend((param.wire, _stringify(item)) for item in dumped)
                continue
            text = _stringify(dumped)
            if param.location == "path":
                if not text:
                    raise errors.InvalidRequestError(
                        f"{op_id}: argument {param.name!r} must not be empty",
                        param=param.name,
                        operation_id=op_id,
                    )
                path_values[param.wire] = _path_segment(text)
            elif param.location == "query":
                query.append((param.wire, text))
            else:
                _check_header(param.wire, text, operation_id=op_id, param=param.name)
                headers[param.wire] = text

        def substitute(match: re.Match[str]) -> str:
            wire = match.group(1)
            if wire not in path_values:
                name = next((p.name for p in operation.params if p.wire == wire), wire)
                raise errors.InvalidRequestError(
                    f"{op_id}: missing required argument {name!r}", param=name, operation_id=op_id
                )
            return path_values[wire]

        path = _PLACEHOLDER.sub(substitute, operation.path)
        # v1.1 answers XML unless told otherwise; services with v1.1-style envelopes take no `format`.
        if (
            operation.api == "v1.1"
            and operation.service is None
            and not any(key == "format" for key, _ in query)
        ):
            query.append(("format", "json"))

        content: bytes | None = None
        if body is None:
            if operation.body_required:
                raise errors.InvalidRequestError(
                    f"{op_id}: missing required request body", param="body", operation_id=op_id
                )
        elif operation.body is None:
            raise errors.InvalidRequestError(
                f"{op_id}: takes no request body", param="body", operation_id=op_id
            )
        else:
            content, content_type = _codec.encode_body(operation, body)
            if content_type is not None:
                headers["Content-Type"] = content_type

        for header, option in (
            (ATTRIBUTION_TYPE_HEADER, "attribution_entity_type"),
            (ATTRIBUTION_CODE_HEADER, "attribution_entity_code"),
        ):
            value = opts.get(option) or self._attribution[header]
            if value:
                _check_header(header, value, operation_id=op_id, param=option)
                headers[header] = value
        extra: dict[str, str] = {}
        for name, value in (opts.get("extra_headers") or {}).items():
            _check_header(name, str(value), operation_id=op_id, param="extra_headers")
            extra[name] = str(value)

        policy = self._retry
        if opts.get("max_retries") is not None:
            try:
                policy = policy.replace(max_retries=opts["max_retries"])
            except ValueError as exc:
                raise errors.InvalidRequestError(
                    str(exc), param="max_retries", operation_id=op_id
                ) from None
        timeout = opts.get("timeout")

        url: httpx.URL | str = self._host_for(operation) + path
        params: tuple[tuple[str, str], ...] | None = tuple(query)
        if not self._http.params:
            # The query goes into the URL once, here: given as `params`, httpx would parse the URL and
            # encode the query again on every attempt, half the cost of building the request. The
            # encoding is httpx's own (its `QueryParams` use `urlencode`). An `http_client` with default
            # params of its own keeps httpx's merge, which puts those first.
            url, params = httpx.URL(f"{url}?{urlencode(query)}" if query else url), None

        return _Call(
            operation=operation,
            url=url,
            params=params,
            headers=headers,
            extra_headers=extra,
            content=content,
            timeout=httpx.Timeout(timeout) if timeout is not None else self._timeout,
            auth=self._select_auth(operation),
            policy=policy,
            idempotent=(
                operation.idempotent if opts.get("idempotent") is None else bool(opts["idempotent"])
            ),
            asked_xml=("format", "xml") in query,
        )

    # -- the exchange ------------------------------------------------------------------------

    def _flow(self, call: _Call) -> Generator[_Action, Any, Any]:
        """Send `call` until it succeeds or may not be retried; return the parsed result.

        Yields `_GetToken` (answer: a token), `_Send` (answer: an `httpx.Response` with its body
        read, or `_Failed`) and `_Sleep` (answer: None).
        """
        op = call.operation
        retries = 0
        attempts = 0
        rejected: str | None = None
        replayed = False
        debug = logger.isEnabledFor(logging.DEBUG)
        while True:
            headers = dict(call.headers)
            token: str | None = None
            if call.auth == "oauth":
                assert self._oauth is not None
                token = yield _GetToken(rejected)
                headers[self._oauth.header] = token
            elif call.auth == "basic":
                assert self._basic is not None
                headers.update(self._basic.headers())
            headers.update(call.extra_headers)
            request = self._http.build_request(
                op.method,
                call.url,
                params=call.params,
                headers=headers,
                content=call.content,
                timeout=call.timeout,
            )
            attempts += 1
            started = time.perf_counter()
            outcome = yield _Send(request)

            if isinstance(outcome, _Failed):
                failure = outcome.error
                delay = call.policy.delay_after_error(
                    failure, retry=retries, idempotent=call.idempotent
                )
                if debug:
                    logger.debug(
                        "%s %s [%s] attempt %d failed: %s%s",
                        op.method,
                        op.path,
                        op.operation_id,
                        attempts,
                        type(failure).__name__,
                        "" if delay is None else f"; retrying in {delay:.2f}s",
                    )
                if delay is None:
                    error_type = (
                        errors.APITimeoutError
                        if isinstance(failure, httpx.TimeoutException)
                        else errors.APIConnectionError
                    )
                    what = type(failure).__name__
                    if isinstance(failure, httpx.LocalProtocolError):
                        # The request could not be encoded; the HTTP layer's message quotes the
                        # offending header value, which may be a credential: leave it (and the cause) out.
                        raise error_type(
                            f"{what} calling {op.method} {op.path}: the request could not be encoded",
                            operation_id=op.operation_id,
                            attempts=attempts,
                        ) from None
                    raise error_type(
                        f"{what} calling {op.method} {op.path} after {attempts} attempt(s): {failure}",
                        operation_id=op.operation_id,
                        request_id=outcome.request_id,
                        attempts=attempts,
                    ) from failure
                yield _Sleep(delay)
                retries += 1
                continue

            response: httpx.Response = outcome
            status = response.status_code
            if debug:
                logger.debug(
                    "%s %s [%s] -> %d request_id=%s attempt=%d %.0fms",
                    op.method,
                    op.path,
                    op.operation_id,
                    status,
                    response.headers.get(REQUEST_ID_HEADER),
                    attempts,
                    (time.perf_counter() - started) * 1000,
                )
            if (
                status == 401
                and call.auth == "oauth"
                and not replayed
                and self._oauth
                and self._oauth.can_refresh
            ):
                replayed = True
                rejected = token
                if debug:
                    logger.debug(
                        "%s: 401, refreshing the OAuth token and replaying once", op.operation_id
                    )
                continue
            if status in call.policy.retry_statuses:
                delay = call.policy.delay_after_status(
                    status,
                    response.headers,
                    retry=retries,
                    idempotent=call.idempotent,
                    application_error=status == 500 and self._is_application_error(call, response),
                )
                if delay is not None:
                    if debug:
                        logger.debug(
                            "%s: HTTP %d, retrying in %.2fs", op.operation_id, status, delay
                        )
                    yield _Sleep(delay)
                    retries += 1
                    continue
            try:
                return self._finish(call, response, attempts)
            except errors.APIError as exc:
                exc.attempts = attempts
                raise

    @staticmethod
    def _is_application_error(call: _Call, response: httpx.Response) -> bool:
        """True for a 500 whose body is a Capillary error report rather than an outage page."""
        try:
            body, _ = _decode_body(call.operation, response, asked_xml=call.asked_xml)
        except XMLBodyError:
            return False
        details = extract_error(call.operation.api, body)
        return details.code is not None and bool(details.errors)

    # -- handling the response ---------------------------------------------------------------

    def _finish(self, call: _Call, response: httpx.Response, attempts: int) -> Any:
        op = call.operation
        status = response.status_code
        request_id = response.headers.get(REQUEST_ID_HEADER)
        if status >= 400:
            raise self._status_error(call, response, request_id)

        content = response.content
        envelope = None
        if op.api == "v1.1" and content.strip():
            try:
                data, from_xml = _decode_body(op, response, asked_xml=call.asked_xml)
            except XMLBodyError as exc:
                raise self._invalid_body(op, response, request_id, str(exc)) from None
            if data is _NOT_JSON:
                raise self._invalid_body(op, response, request_id, "the body is not JSON")
            if from_xml and op.response is not None:
                data = fit(data, op.response)
            # For JSON, the raw content tells whether the item statuses are all where the spec puts them.
            envelope = read_v11_envelope(
                data, documented=op.item_status_tree, content=None if from_xml else content
            )
            if envelope is not None and envelope.all_failed:
                details = extract_error(op.api, data)
                raise errors.V11EnvelopeError(
                    details.message or "the request failed",
                    status_code=status,
                    code=details.code,
                    request_id=request_id,
                    operation_id=op.operation_id,
                    errors=details.errors,
                    body=data,
                    headers=response.headers,
                    code_meaning=self._code_meaning(op, details.code),
                    envelope=envelope,
                )
            return self._parse(op, response, request_id, data, attempts=attempts, envelope=envelope)
        return self._parse(op, response, request_id, _NOT_JSON, attempts=attempts, envelope=None)

    def _parse(
        self,
        op: Operation,
        response: httpx.Response,
        request_id: str | None,
        decoded: Any,
        *,
        attempts: int,
        envelope: EnvelopeStatus | None,
    ) -> Any:
        """The success body as `op.response`, validated leniently and carrying its `ResponseMeta`
        (`decoded`: the body already decoded, or `_NOT_JSON` to parse the raw JSON)."""
        if op.response is None:
            return None
        content = response.content
        if not content.strip():
            if response.status_code == 204:
                return None
            raise self._invalid_body(op, response, request_id, "the body is empty")
        from . import (
            _codec,
        )  # pydantic's side, imported by the first request, not by `import capillary`

        try:
            result = _codec.parse_body(op.response, content, decoded, raw=decoded is _NOT_JSON)
        except _codec.ValidationError as exc:
            reason, problems = _codec.mismatch(exc)
            raise self._invalid_body(op, response, request_id, reason, problems) from None
        return _codec.with_meta(
            result,
            request_id=request_id,
            status_code=response.status_code,
            operation_id=op.operation_id,
            headers=response.headers,
            attempts=attempts,
            envelope=envelope,
        )

    @staticmethod
    def _invalid_body(
        op: Operation,
        response: httpx.Response,
        request_id: str | None,
        reason: str,
        problems: list[dict[str, Any]] | None = None,
    ) -> errors.APIResponseValidationError:
        content_type = response.headers.get("content-type", "no content type")
        return errors.APIResponseValidationError(
            f"HTTP {response.status_code} ({content_type}): {reason}",
            status_code=response.status_code,
            request_id=request_id,
            operation_id=op.operation_id,
            errors=problems or (),
        )

    @staticmethod
    def _code_meaning(op: Operation, code: int | str | None) -> str | None:
        return op.error_codes.get(code) if isinstance(code, int) else None

    def _status_error(
        self, call: _Call, response: httpx.Response, request_id: str | None
    ) -> errors.APIStatusError:
        op = call.operation
        status = response.status_code
        try:
            body, _ = _decode_body(op, response, asked_xml=call.asked_xml)
        except XMLBodyError:  # kept as text, nothing expanded
            body = _NOT_JSON
        if body is _NOT_JSON:
            body = response.text[:4000] if response.content else None
        details = extract_error(op.api, body)
        message = (
            details.message
            or _STATUS_MESSAGES.get(status)
            or response.reason_phrase
            or f"HTTP {status}"
        )
        error_class = errors.error_class_for(status, details.code)
        return error_class(
            message,
            status_code=status,
            code=details.code,
            request_id=request_id,
            operation_id=op.operation_id,
            errors=details.errors,
            body=body,
            headers=response.headers,
            code_meaning=self._code_meaning(op, details.code),
            envelope=read_v11_envelope(body) if op.api == "v1.1" else None,
        )


def _page_walk(operation: Operation, arguments: Mapping[str, Any] | None) -> PageWalk:
    if operation.paging is None:
        raise TypeError(f"{operation.operation_id} is not a paged list operation")
    return PageWalk(operation.paging, arguments or {})


# ---------------------------------------------------------------------------------------------
# Drivers


class SyncClient(_BaseClient):
    """Blocking client. Use as a context manager, or call `close()`."""

    _HTTP_CLIENT_TYPE: ClassVar[type] = httpx.Client
    _http: httpx.Client
    _sleep = staticmethod(time.sleep)

    def _new_http_client(self, timeout: httpx.Timeout) -> httpx.Client:
        return httpx.Client(timeout=timeout)

    def request(
        self,
        operation: Operation,
        arguments: Mapping[str, Any] | None = None,
        *,
        body: Any = None,
        options: RequestOptions | None = None,
    ) -> Any:
        """Validate, send (with retries) and parse one operation call; see the module docs."""
        call = self._prepare(operation, arguments or {}, body, options)
        return self._run(self._flow(call))

    def iterate(
        self,
        operation: Operation,
        arguments: Mapping[str, Any] | None = None,
        *,
        body: Any = None,
        options: RequestOptions | None = None,
    ) -> Iterator[Any]:
        """Every item of a paged list operation, fetching the next page when the last is used up."""
        walk = _page_walk(operation, arguments)
        while True:
            items = walk.items(self.request(operation, walk.arguments, body=body, options=options))
            if walk.is_repeat(items):
                return
            yield from items
            if not walk.advance(items):
                return

    def _run(self, flow: Generator[_Action, Any, Any]) -> Any:
        outcome: Any = None
        while True:
            try:
                action = flow.send(outcome)
            except StopIteration as done:
                return done.value
            if isinstance(action, _Send):
                outcome = self._send(action.request)
            elif isinstance(action, _Sleep):
                self._sleep(action.seconds)
                outcome = None
            else:
                outcome = self._access_token(action.rejected)

    def _send(self, request: httpx.Request) -> httpx.Response | _Failed:
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            return _Failed(exc)
        try:
            response.read()
        except httpx.TransportError as exc:  # the headers came, the body did not (all of it)
            return _Failed(exc, response.headers.get(REQUEST_ID_HEADER))
        finally:
            response.close()
        return response

    def _access_token(self, rejected: str | None) -> str:
        oauth = self._oauth
        assert oauth is not None
        token = oauth.valid_token(rejected)
        if token is not None:
            return token
        with oauth.thread_lock:
            token = oauth.valid_token(rejected)  # another thread may have refreshed meanwhile
            if token is None:
                token = oauth.store(self.request(oauth.operation, body=oauth.token_request_body()))
        return token

    def close(self) -> None:
        """Close the connection pool (not an `http_client` you passed in)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncClient(_BaseClient):
    """asyncio client. Use as an async context manager, or `await client.close()`."""

    _HTTP_CLIENT_TYPE: ClassVar[type] = httpx.AsyncClient
    _http: httpx.AsyncClient

    @staticmethod
    async def _sleep(seconds: float) -> None:
        import asyncio  # here, not at the top: importing it costs ~35 ms that sync-only programs never need

        await asyncio.sleep(seconds)

    def _new_http_client(self, timeout: httpx.Timeout) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=timeout)

    async def request(
        self,
        operation: Operation,
        arguments: Mapping[str, Any] | None = None,
        *,
        body: Any = None,
        options: RequestOptions | None = None,
    ) -> Any:
        """Validate, send (with retries) and parse one operation call; see the module docs."""
        call = self._prepare(operation, arguments or {}, body, options)
        return await self._run(self._flow(call))

    async def iterate(
        self,
        operation: Operation,
        arguments: Mapping[str, Any] | None = None,
        *,
        body: Any = None,
        options: RequestOptions | None = None,
    ) -> AsyncIterator[Any]:
        """Every item of a paged list operation, fetching the next page when the last is used up."""
        walk = _page_walk(operation, arguments)
        while True:
            items = walk.items(
                await self.request(operation, walk.arguments, body=body, options=options)
            )
            if walk.is_repeat(items):
                return
            for item in items:
                yield item
            if not walk.advance(items):
                return

    async def _run(self, flow: Generator[_Action, Any, Any]) -> Any:
        outcome: Any = None
        while True:
            try:
                action = flow.send(outcome)
            except StopIteration as done:
                return done.value
            if isinstance(action, _Send):
                outcome = await self._send(action.request)
            elif isinstance(action, _Sleep):
                await self._sleep(action.seconds)
                outcome = None
            else:
                outcome = await self._access_token(action.rejected)

    async def _send(self, request: httpx.Request) -> httpx.Response | _Failed:
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            return _Failed(exc)
        try:
            await response.aread()
        except httpx.TransportError as exc:  # the headers came, the body did not (all of it)
            return _Failed(exc, response.headers.get(REQUEST_ID_HEADER))
        finally:
            await response.aclose()
        return response

    async def _access_token(self, rejected: str | None) -> str:
        oauth = self._oauth
        assert oauth is not None
        token = oauth.valid_token(rejected)
        if token is not None:
            return token
        async with oauth.async_lock:
            token = oauth.valid_token(rejected)  # another task may have refreshed meanwhile
            if token is None:
                token = oauth.store(
                    await self.request(oauth.operation, body=oauth.token_request_body())
                )
        return token

    async def close(self) -> None:
        """Close the connection pool (not an `http_client` you passed in)."""
        if self._owns_http:
            await self._http.aclose()

    aclose = close

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
