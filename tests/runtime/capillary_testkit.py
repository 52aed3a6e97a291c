"""Shared pieces of the runtime tests: a scripted API behind httpx.MockTransport, sample operations
and models shaped like the generated ones."""

from __future__ import annotations

import asyncio
import datetime
import enum
import json
import threading
import time
from typing import Annotated, Any

import httpx
from capillary._client import AsyncClient, SyncClient
from capillary._model import CapillaryModel, lenient_enum
from capillary._operation import Operation, Param
from pydantic import Field

BASE_URL = "https://eu.api.capillarytech.com"
TOKEN_PATH = "/v3/oauth/token/generate"

# Credentials every secrecy test looks for.
TILL = "store.server"
PASSWORD = "server123"
PASSWORD_MD5 = "8a16a6b70505eb1f1ff7cdc0cd5559a7"
BASIC_HEADER = "Basic c3RvcmUuc2VydmVyOjhhMTZhNmI3MDUwNWViMWYxZmY3Y2RjMGNkNTU1OWE3"
OAUTH_KEY = "WnCygRI1Fmlf6YudKwTxQq1LI"
OAUTH_SECRET = "hoqSBz6VwefECaZA8Q3oNx4V4H3pMDITksarZVES"
SECRETS = (PASSWORD, PASSWORD_MD5, BASIC_HEADER.split()[1], OAUTH_SECRET, OAUTH_KEY, "tok-secret-")


# --- models ---------------------------------------------------------------------------------


class Source(str, enum.Enum):  # noqa: UP042 - the shape generated enums have
    INSTORE = "INSTORE"
    ECOMMERCE = "ECOMMERCE"


class Customer(CapillaryModel):
    first_name: str | None = Field(default=None, alias="firstName")
    source: Annotated[Source | str, lenient_enum(Source)] | None = Field(default=None, alias="source")
    user_id: int | None = Field(default=None, alias="userId")


class LookupResponse(CapillaryModel):
    entity: Customer | None = None
    warnings: list[dict[str, Any]] | None = None


class CustomerCreate(CapillaryModel):
    first_name: str = Field(alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    source: Annotated[Source | str, lenient_enum(Source)] = Field(alias="source")
    mobile: str | None = None


class CreatedResponse(CapillaryModel):
    created_id: int | None = Field(default=None, alias="createdId")
    warnings: list[dict[str, Any]] | None = None


class V11ItemStatus(CapillaryModel):
    success: str | bool | None = None
    code: int | None = None
    message: str | None = None


class V11Customer(CapillaryModel):
    mobile: str | None = None
    item_status: V11ItemStatus | None = None


class V11Customers(CapillaryModel):
    customer: list[V11Customer] = Field(default_factory=list)


class V11Body(CapillaryModel):
    status: V11ItemStatus
    customers: V11Customers | None = None


class V11Response(CapillaryModel):
    response: V11Body


# --- operations -----------------------------------------------------------------------------

SOURCE = Annotated[Source | str, lenient_enum(Source)]

LOOKUP = Operation(
    operation_id="lookupCustomer",
    method="GET",
    path="/v2/customers/lookup",
    api="v2",
    response=LookupResponse,
    idempotent=True,
    params=(
        Param("source", "source", "query", SOURCE, required=True),
        Param("identifier_name", "identifierName", "query", str, required=True),
        Param("identifier_value", "identifierValue", "query", str, required=True),
        Param("include_tags", "includeTags", "query", bool),
        Param("fields", "fields", "query", list[str]),
        Param("since", "since", "query", datetime.date),
        Param("limit", "limit", "query", int),
        Param("direct_replay", "X-CAP-DIRECT-REPLAY", "header", str),
    ),
    error_codes={8015: "Customer not found for the given identifiers"},
)

GET_CUSTOMER = Operation(
    operation_id="getCustomer",
    method="GET",
    path="/v2/customers/{userId}/details",
    api="v2",
    response=Customer,
    idempotent=True,
    params=(Param("user_id", "userId", "path", str, required=True),),
)

REGISTER = Operation(
    operation_id="registerCustomer",
    method="POST",
    path="/v2/customers",
    api="v2",
    response=CreatedResponse,
    body=CustomerCreate,
    body_required=True,
    idempotent=False,
    error_codes={1060: "Batch limit exceeded"},
)

DELETE_LABEL = Operation(
    operation_id="deleteLabel",
    method="DELETE",
    path="/v2/customers/{userId}/labels",
    api="v2",
    response=None,
    idempotent=True,
    params=(Param("user_id", "userId", "path", int, required=True),),
)

V11_GET = Operation(
    operation_id="getCustomerV11",
    method="GET",
    path="/v1.1/customer/get",
    api="v1.1",
    response=V11Response,
    idempotent=True,
    params=(
        Param("mobile", "mobile", "query", str),
        Param("format", "format", "query", str),
    ),
    error_codes={1012: "Customer not found"},
)

V11_ADD = Operation(
    operation_id="addCustomersV11",
    method="POST",
    path="/v1.1/customer/add",
    api="v1.1",
    response=V11Response,
    body=dict[str, Any],
    body_required=True,
)

BASIC_ONLY = Operation(
    operation_id="basicOnly",
    method="GET",
    path="/v2/basic",
    api="v2",
    response=CreatedResponse,
    auth=("basic",),
    idempotent=True,
)

OAUTH_ONLY = Operation(
    operation_id="oauthOnly",
    method="GET",
    path="/v3/things",
    api="v3",
    response=CreatedResponse,
    auth=("oauth",),
    idempotent=True,
)

LOOKUP_ARGS = {"source": "INSTORE", "identifier_name": "mobile", "identifier_value": "919111111111"}


# --- scripted API ---------------------------------------------------------------------------


def json_response(
    status: int = 200,
    body: Any = None,
    *,
    request_id: str | None = "rid-1",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    all_headers = {"Content-Type": "application/json"}
    if request_id:
        all_headers["X-Cap-Requestid"] = request_id
    all_headers.update(headers or {})
    content = b"" if body is None else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=all_headers)


LOOKUP_OK = {"entity": {"firstName": "Tom", "source": "INSTORE", "userId": 42}, "warnings": []}


class MockAPI:
    """Records every request; answers the token endpoint itself and everything else from `queue`.

    Queue items are `httpx.Response`s, exceptions to raise, or callables `(request) -> Response`;
    the last item is reused once the queue is down to one. With `async_delay`, answers are
    coroutines that sleep first (so concurrent tasks really overlap); `sync_delay` blocks instead.
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.token_requests: list[httpx.Request] = []
        self.queue: list[Any] = [json_response(200, LOOKUP_OK)]
        self.token_ttl: float | None = 300
        self.token_status = 200
        self.token_body: Any = None
        self.tokens_issued = 0
        self.async_delay = 0.0
        self.sync_delay = 0.0
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        return len(self.requests)

    def answer(self, *items: Any) -> None:
        self.queue = list(items)

    def __call__(self, request: httpx.Request) -> Any:
        request.read()
        if self.async_delay:
            return self._delayed(request)
        if self.sync_delay and request.url.path == TOKEN_PATH:
            time.sleep(self.sync_delay)
        return self._respond(request)

    async def _delayed(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(self.async_delay)
        return self._respond(request)

    def _respond(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            if request.url.path == TOKEN_PATH:
                self.token_requests.append(request)
                if self.token_body is not None:
                    return json_response(self.token_status, self.token_body, request_id="rid-token")
                self.tokens_issued += 1
                return json_response(
                    200,
                    {
                        "data": {
                            "accessToken": f"tok-secret-{self.tokens_issued}",
                            "ttlSeconds": self.token_ttl,
                        },
                        "errors": None,
                    },
                    request_id="rid-token",
                )
            self.requests.append(request)
            item = self.queue.pop(0) if len(self.queue) > 1 else self.queue[0]
        if isinstance(item, BaseException):
            raise item
        if callable(item):
            return item(request)
        return item


class FakeSleep:
    """Records the waits instead of sleeping (sync and async)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class AsyncFakeSleep(FakeSleep):
    async def __call__(self, seconds: float) -> None:  # type: ignore[override]
        self.waits.append(seconds)


def sync_client(api: MockAPI, **kwargs: Any) -> SyncClient:
    kwargs.setdefault("base_url", BASE_URL)
    if not any(k in kwargs for k in ("till", "oauth_key", "access_token")):
        kwargs.update(till=TILL, password=PASSWORD)
    client = SyncClient(http_client=httpx.Client(transport=httpx.MockTransport(api)), **kwargs)
    client._sleep = FakeSleep()  # type: ignore[method-assign]
    return client


def async_client(api: MockAPI, **kwargs: Any) -> AsyncClient:
    kwargs.setdefault("base_url", BASE_URL)
    if not any(k in kwargs for k in ("till", "oauth_key", "access_token")):
        kwargs.update(till=TILL, password=PASSWORD)
    client = AsyncClient(http_client=httpx.AsyncClient(transport=httpx.MockTransport(api)), **kwargs)
    client._sleep = AsyncFakeSleep()  # type: ignore[method-assign]
    return client


def oauth_kwargs(**extra: Any) -> dict[str, Any]:
    return {"oauth_key": OAUTH_KEY, "oauth_secret": OAUTH_SECRET, **extra}
