"""Static descriptions of API operations, emitted by the generator for each resource method.

A generated method builds nothing itself: it hands its `Operation` and the caller's arguments to the
client, which validates, encodes, sends, retries and parses in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ParamLocation = Literal["path", "query", "header"]
ApiFamily = Literal["v1.1", "v2", "v3"]
AuthScheme = Literal["basic", "oauth"]
BodyFormat = Literal["json", "multipart"]
# Methods whose repetition has the effect of one call (RFC 9110), so a failed call may be retried.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})


@dataclass(frozen=True, slots=True)
class Param:
    """One path, query or header parameter of an operation."""

    name: str
    """Python keyword argument name."""
    wire: str
    """Name on the wire (path placeholder, query key or header name)."""
    location: ParamLocation
    annotation: Any
    """Type the value is validated against (pydantic TypeAdapter) before anything is sent."""
    required: bool = False
    repeated: bool = False
    """A list query parameter sent as one `wire=item` pair per item rather than comma-joined."""


@dataclass(frozen=True, slots=True)
class Paging:
    """How a list operation pages: which arguments move through the pages, where the items are."""

    style: Literal["offset", "page"]
    """`offset` advances by the number of items received, `page` by one."""
    limit: str
    """Argument holding the page size."""
    position: str
    """Argument holding the offset or page number."""
    items: tuple[str, ...]
    """Attribute path from the parsed response to the list of items."""
    first: int = 0
    """Position of the first page when the caller gives none."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One HTTP operation of the API, as the spec describes it."""

    operation_id: str
    method: str
    path: str
    """Path template with `{wire}` placeholders, e.g. `/v2/customers/{userId}`."""
    api: ApiFamily
    """Which envelope conventions apply (v1.1 `response.status`/`item_status`, v2/v3 `errors`)."""
    response: Any
    """Type the success body is parsed into (a model class or any pydantic-compatible annotation)."""
    params: tuple[Param, ...] = ()
    body: Any = None
    """Type of the request body, or None when the operation takes none."""
    body_required: bool = False
    body_format: BodyFormat = "json"
    """`multipart` sends the body's fields as `multipart/form-data` parts (file uploads)."""
    auth: tuple[AuthScheme, ...] = ("basic", "oauth")
    """Accepted auth schemes; empty for calls that need none (token generation)."""
    idempotent: bool | None = None
    """True when a retry cannot apply the request twice; by default decided by the HTTP method."""
    error_codes: Mapping[int, str] = field(default_factory=dict)
    """Capillary error codes documented for this operation: code -> meaning."""
    paging: Paging | None = None
    """Set for list operations whose pages the client can walk (`iterate`)."""
    service: str | None = None
    """For a separate Capillary service: its name, which picks its own host (`SERVICE_CLUSTERS`)."""
    item_status_paths: tuple[tuple[str, ...], ...] = ()
    """v1.1: the objects the response schema gives an `item_status`, as key paths inside `response`
    (a list met on the way stands for each of its items), e.g. `(("customers", "customer"),)`."""
    param_names: frozenset[str] = field(init=False, repr=False, compare=False)
    """The keyword argument names of `params` (computed once, checked on every call)."""
    item_status_tree: Mapping[str, Any] = field(init=False, repr=False, compare=False)
    """`item_status_paths` as nested dicts, `{"customers": {"customer": {}}}`: what the envelope reader follows."""

    def __post_init__(self) -> None:
        if self.idempotent is None:
            object.__setattr__(self, "idempotent", self.method.upper() in IDEMPOTENT_METHODS)
        object.__setattr__(self, "param_names", frozenset(param.name for param in self.params))
        tree: dict[str, Any] = {}
        for path in self.item_status_paths:
            node = tree
            for key in path:
                node = node.setdefault(key, {})
        object.__setattr__(self, "item_status_tree", tree)
