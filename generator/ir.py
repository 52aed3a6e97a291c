"""The intermediate representation: what templates see instead of raw spec dicts.

Api -> Version -> Resource -> Operation -> Parameter / Body / Response; Model / Field / Enum.
Every name here is already the final Python name; templates only lay things out.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from dataclasses import dataclass, field, fields
from typing import Any

from . import naming

# --- types ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeRef:
    """A schema's Python type, renderable in the models module or qualified from elsewhere.

    kind: "builtin" (name is a Python expression such as `str`), "model", "enum", "list", "dict",
    "union", "literal" or "file" (a binary upload in a multipart body).
    """

    kind: str
    name: str = ""
    args: tuple[TypeRef, ...] = ()
    values: tuple[Any, ...] = ()

    def hint(self, qualifier: str = "") -> str:
        """Annotation for signatures: enums accept their members or plain strings."""
        return self._render(qualifier, validating=False)

    def annotation(self, qualifier: str = "") -> str:
        """Annotation that also validates: enums strict on requests, lenient on responses."""
        return self._render(qualifier, validating=True)

    def _render(self, q: str, validating: bool) -> str:
        if self.kind == "builtin":
            return self.name
        if self.kind == "file":
            return "FileField" if validating else "FileInput"
        if self.kind == "model":
            return f"{q}{self.name}"
        if self.kind == "enum":
            if validating:
                return f"Annotated[{q}{self.name} | str, lenient_enum({q}{self.name})]"
            return f"{q}{self.name} | str"
        if self.kind == "list":
            return f"list[{self.args[0]._render(q, validating)}]"
        if self.kind == "dict":
            return f"dict[str, {self.args[0]._render(q, validating)}]"
        if self.kind == "literal":
            return f"Literal[{', '.join(repr(v) for v in self.values)}]"
        if self.kind == "union":
            return " | ".join(a._render(q, validating) for a in self.args)
        raise ValueError(f"unknown type kind {self.kind}")

    @property
    def nullable(self) -> bool:
        return self.kind == "union" and any(a.kind == "builtin" and a.name == "None" for a in self.args)

    def display(self) -> str:
        """JSON type for readers of the docs: `string`, `array of object` (Python class names mean
        nothing on the wire; the docs list an enum's values and a model's fields beside it)."""
        if self.kind == "builtin":
            return _DISPLAY.get(self.name, self.name)
        if self.kind == "model":
            return "object"
        if self.kind == "file":
            return "file"
        if self.kind == "enum":
            return "string"
        if self.kind == "list":
            return f"array of {self.args[0].display()}"
        if self.kind == "dict":
            return f"map of {self.args[0].display()}"
        if self.kind == "literal":
            return " | ".join(repr(v) for v in self.values)
        return " or ".join(a.display() for a in self.args)

    def referenced_models(self) -> list[str]:
        if self.kind in ("model", "enum"):
            return [self.name]
        return [name for a in self.args for name in a.referenced_models()]


_DISPLAY = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "None": "null",
    "Any": "any",
    "_dt.date": "date",
    "_dt.datetime": "date-time",
}

ANY = TypeRef("builtin", "Any")
FILE = TypeRef("file")
NONE = TypeRef("builtin", "None")


def optional(type_ref: TypeRef) -> TypeRef:
    if type_ref.nullable or type_ref == NONE or type_ref == ANY:
        return type_ref
    if type_ref.kind == "union":
        return TypeRef("union", args=(*type_ref.args, NONE))
    return TypeRef("union", args=(type_ref, NONE))


def shown_digest(node: Any) -> str:
    """Digest of all an IR object shows in the outputs: every field but its `source` line, which
    only messages use (an edit moves the lines of everything below it), and its `digest`.

    Outputs are cached in pieces found by what they are made from. The builder sets the `digest` of
    each operation, model and enum once it is complete, and a resource taken from the build's memo
    brings its objects' digests along: finding a piece then costs no pickling of the IR."""
    shown = [type(node).__name__]
    shown += [getattr(node, f.name) for f in fields(node) if f.name not in ("source", "digest")]
    # Without the pickler's memo, equal values give equal bytes whichever objects they share: a
    # replayed resource's strings are not the same objects as a freshly built one's.
    stream = io.BytesIO()
    pickler = pickle.Pickler(stream, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(shown)
    return hashlib.sha256(stream.getbuffer()).hexdigest()


# --- models -----------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    wire: str
    type: TypeRef
    required: bool
    description: str
    example: Any = None
    enum_values: tuple[Any, ...] = ()
    format: str | None = None


@dataclass
class Model:
    name: str
    description: str
    fields: list[Field]
    source: str
    """`file:line` of the schema, for messages (no output shows it: see `shown_digest`)."""
    base: str | None = None
    """The model this one extends (`allOf` with a `$ref` to a component schema)."""
    inherited: tuple[str, ...] = ()
    """Wire names of the fields taken unchanged from `base`: the class does not declare them again.
    `fields` still lists every field, for the docs and the other consumers of the IR. A tuple, not a
    set: pickles of the IR key cached pieces, and a set's order changes from process to process."""
    digest: str = field(default="", compare=False)
    """`shown_digest` of the model, set by the builder once the model is complete."""

    @property
    def declared_fields(self) -> list[Field]:
        return [f for f in self.fields if f.wire not in self.inherited]


@dataclass
class EnumMember:
    name: str
    value: Any


@dataclass
class Enum:
    name: str
    description: str
    members: list[EnumMember]
    source: str
    digest: str = field(default="", compare=False)
    """`shown_digest` of the enum, set by the builder once it is complete."""


# --- operations -------------------------------------------------------------------------------


@dataclass
class Parameter:
    name: str
    wire: str
    location: str
    type: TypeRef
    required: bool
    description: str
    example: Any = None
    enum_values: tuple[Any, ...] = ()
    repeated: bool = False
    """A list query parameter sent as one `key=value` pair per item (OpenAPI `explode`), not
    comma-joined."""


JSON_MEDIA = "application/json"
MULTIPART_MEDIA = "multipart/form-data"


@dataclass
class Body:
    type: TypeRef
    required: bool
    description: str
    example: Any = None
    media_type: str = JSON_MEDIA
    """`application/json`, or `multipart/form-data` for uploads."""
    file_fields: tuple[str, ...] = ()
    """Wire names of the form fields that carry files (multipart bodies)."""

    @property
    def multipart(self) -> bool:
        return self.media_type == MULTIPART_MEDIA


@dataclass
class Response:
    status: str
    type: TypeRef
    description: str
    example: Any = None


@dataclass
class ErrorResponse:
    status: str
    description: str


@dataclass
class Pagination:
    """How a list operation pages (`x-capillary-pagination`), in Python names."""

    style: str
    """`offset` (the position counts records) or `page` (it counts pages)."""
    limit: str
    """Argument holding the page size."""
    position: str
    """Argument holding the offset or page number."""
    first: int
    """Position of the first page: 0 for offsets, the documented first page number otherwise."""
    items: tuple[str, ...]
    """Attribute path from the response to the list of items, e.g. `("entity", "customers")`."""
    item_type: TypeRef


@dataclass
class Operation:
    operation_id: str
    method_name: str
    http_method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter]
    body: Body | None
    response: Response
    error_responses: list[ErrorResponse]
    auth: tuple[str, ...]
    error_codes: dict[int, str]
    batch: dict[str, Any]
    resource_info: dict[str, Any]
    external_docs: str | None
    deprecated: bool
    source: str
    documented_as: tuple[str, ...] = ()
    """`METHOD /path` of documented operations this one covers under another method or path."""
    pagination: Pagination | None = None
    item_status_paths: tuple[tuple[str, ...], ...] = ()
    """v1.1: the objects the response schema gives an `item_status`, as wire-name paths inside
    `response` (lists along the way are transparent), e.g. `(("customers", "customer"),)`."""
    digest: str = field(default="", compare=False)
    """`shown_digest` of the operation, set by the builder once it is complete."""

    @property
    def constant_name(self) -> str:
        return "_" + self.method_name.upper().strip("_")


@dataclass
class Webhook:
    """A request Capillary sends to the integrator (OpenAPI `webhooks`): parsed, not called."""

    name: str
    """Key under `webhooks`, e.g. `eventPush`."""
    function_name: str
    """The generated parser: `parse_event_push`."""
    http_method: str
    summary: str
    description: str
    payload: Body
    acknowledgement: Response
    """What the integrator's endpoint answers, as documented."""
    external_docs: str | None
    source: str
    documented_as: tuple[str, ...] = ()


@dataclass
class Resource:
    stem: str
    module: str
    class_name: str
    description: str
    operations: list[Operation]
    source: str
    webhooks: list[Webhook] = field(default_factory=list)

    @property
    def async_class_name(self) -> str:
        return "Async" + self.class_name


@dataclass
class Server:
    cluster: str
    url: str
    description: str


@dataclass
class StatusTable:
    name: str
    title: str
    description: str
    codes: list[tuple[Any, str]]


@dataclass
class Version:
    name: str
    """As in the specs and URLs: `v1.1`."""
    module: str
    """As in Python: `v1_1`."""
    title: str
    description: str
    servers: list[Server]
    security_schemes: dict[str, dict[str, Any]]
    status_tables: list[StatusTable]
    resources: list[Resource]
    enums: list[Enum]
    models: list[Model]
    service: bool = False
    """A separate Capillary service (its own folder, hosts and namespace), not a CRM API version."""
    family: str = ""
    """Envelope and error conventions its operations follow: `v1.1`, `v2` or `v3`."""
    inputs_digest: str = ""
    """Digest of the spec files it was built from; what caches of its outputs are keyed by."""

    @property
    def class_name(self) -> str:
        return naming.class_name(self.module) if self.service else self.module.upper()

    @property
    def label(self) -> str:
        """How docstrings and docs name it: `Capillary v2 API`, or a service's title."""
        return self.title if self.service and self.title else f"Capillary {self.name} API"

    @property
    def operations(self) -> list[Operation]:
        return [op for r in self.resources for op in r.operations]

    @property
    def webhooks(self) -> list[Webhook]:
        return [hook for r in self.resources for hook in r.webhooks]

    @property
    def callable_resources(self) -> list[Resource]:
        """Resources with operations: the ones a client namespace offers."""
        return [r for r in self.resources if r.operations]


@dataclass
class Api:
    versions: list[Version]
    clusters: dict[str, str] = field(default_factory=dict)
    """Cluster name -> base URL of the CRM API versions (they share their hosts)."""
    service_clusters: dict[str, dict[str, str]] = field(default_factory=dict)
    """Service module -> cluster name -> base URL: each service has hosts of its own."""

    @property
    def namespaces(self) -> list[Version]:
        """The versions and services the client offers as attributes: those with operations."""
        return [v for v in self.versions if v.callable_resources]

    @property
    def crm_versions(self) -> list[Version]:
        return [v for v in self.versions if not v.service]

    @property
    def services(self) -> list[Version]:
        return [v for v in self.versions if v.service]
