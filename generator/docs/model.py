"""What the docs templates lay out: the IR arranged into pages, with anchors, tables and samples.

Anchors of the HTML site follow the Python client (`v2.customers.lookup` for
`client.v2.customers.lookup`), so they are unique by construction; the general sections of a
version use a `/` (`v2/authentication`), which no Python name contains.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .. import ir
from ..format import Formatter
from .samples import TOKEN_PATH, BasicExample, Sample, SampleWriter, json_text

# The general sections of every version, in page order: (macro in sections.md.jinja, title).
SECTIONS = (
    ("introduction", "Introduction"),
    ("authentication", "Authentication"),
    ("request_tracking", "Request tracking"),
    ("request_format", "Request format"),
    ("response_codes", "Response codes"),
)
_LOCATIONS = (("path", "Path parameters"), ("query", "Query parameters"), ("header", "Header parameters"))


MULTIPART_NOTE = "Sent as `multipart/form-data`: one part per field; file fields carry the file's bytes."


@dataclass(frozen=True)
class Row:
    """One line of a parameter or field table; `depth` indents the fields of nested objects."""

    name: str
    type: str
    required: bool
    description: str
    values: tuple[str, ...] = ()
    depth: int = 0


@dataclass(frozen=True)
class Table:
    title: str
    rows: list[Row]


@dataclass(frozen=True)
class OperationLink:
    """An operation as the page's navigation and indexes name it."""

    op: ir.Operation
    anchor: str
    call: str
    """`client.v2.customers.lookup`"""


@dataclass(frozen=True)
class OperationDoc(OperationLink):
    """An operation's whole section: built only when its rendered section is not already known."""

    info: list[tuple[str, str]]
    parameters: list[Table]
    body_rows: list[Row]
    response_rows: list[Row]
    samples: list[Sample]
    body_note: str = ""
    """Markdown said about how the body travels (multipart forms), for every docs format."""


@dataclass(frozen=True)
class WebhookDoc:
    hook: ir.Webhook
    note: str
    """Markdown: what the webhook is and how to parse it."""
    anchor: str
    call: str
    """Where the parser is imported from: `capillary.webhooks.parse_event_push`."""
    payload_rows: list[Row]
    acknowledgement_rows: list[Row]
    samples: list[Sample]


@dataclass(frozen=True)
class ResourceDoc:
    resource: ir.Resource
    anchor: str
    title: str
    operations: list[OperationLink]
    webhooks: list[WebhookDoc] = field(default_factory=list)


@dataclass(frozen=True)
class SectionDoc:
    key: str
    title: str
    anchor: str
    samples: list[Sample]


@dataclass(frozen=True)
class AuthDoc:
    basic: dict[str, Any] | None
    """The Basic security scheme, if the version has one."""
    token: dict[str, Any] | None
    """The API-key scheme carrying the OAuth access token, if the version has one."""
    example: BasicExample
    token_path: str


@dataclass(frozen=True)
class VersionDoc:
    version: ir.Version
    anchor: str
    auth: AuthDoc
    sections: list[SectionDoc]
    resources: list[ResourceDoc]
    methods: list[str]
    """HTTP methods the version uses."""
    example_call: tuple[ir.Resource, ir.Operation] | None
    """The call the general samples make: the first read that returns an object, else the first
    call that does."""
    writer: SampleWriter = field(repr=False, compare=False)
    models: dict[str, ir.Model] = field(repr=False, compare=False)


def _values(values: tuple[Any, ...]) -> tuple[str, ...]:
    """Enum values as readers type them: strings bare, anything else (and "") as JSON."""
    return tuple(value if isinstance(value, str) and value else json.dumps(value) for value in values)


def _fact(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _nested_models(type_ref: ir.TypeRef, models: dict[str, ir.Model]) -> list[ir.Model]:
    return [models[name] for name in type_ref.referenced_models() if name in models]


def field_rows(type_ref: ir.TypeRef, models: dict[str, ir.Model], depth: int = 0, path: tuple = ()) -> list[Row]:
    """The fields of the objects a type holds, each followed by its own nested fields.
    A model already being expanded higher up (a self-reference) is not expanded again."""
    rows = []
    for model in _nested_models(type_ref, models):
        if model.name in path:
            continue
        for model_field in model.fields:
            rows.append(
                Row(
                    model_field.wire,
                    model_field.type.display(),
                    model_field.required,
                    model_field.description,
                    _values(model_field.enum_values),
                    depth,
                )
            )
            rows.extend(field_rows(model_field.type, models, depth + 1, (*path, model.name)))
    return rows


def _info(op: ir.Operation, call: str) -> list[tuple[str, str]]:
    auth = {("basic", "oauth"): "Basic or OAuth token", ("basic",): "Basic", ("oauth",): "OAuth token"}
    info = [
        ("URI", f"`{op.path}`"),
        ("HTTP method", op.http_method),
        ("Authentication", auth.get(op.auth, "None")),
        ("Batch support", _fact(bool(op.batch.get("supported")))),
    ]
    if op.batch.get("max_items"):
        info.append(("Batch limit", f"{op.batch['max_items']} items"))
    info += [(str(label), _fact(value)) for label, value in op.resource_info.items()]
    if op.deprecated:
        info.append(("Deprecated", "Yes"))
    info.append(("Python", f"`{call}`"))
    if op.pagination:
        paging = op.pagination
        unit = "offset" if paging.style == "offset" else "page number"
        info.append(("Pagination", f"`{paging.limit}` per page, {unit} in `{paging.position}`"))
        info.append(("Every page", f"`{call.rsplit('.', 1)[0]}.iter_{op.method_name}(...)` yields each item"))
    return info


class DocsBuilder:
    """Arranges each version of the IR for the docs templates; samples are formatted by `formatter`."""

    def __init__(self, formatter: Formatter) -> None:
        self.formatter = formatter

    def versions(self, api: ir.Api) -> list[VersionDoc]:
        return [self.version(version, api.clusters) for version in api.versions]

    def version(self, version: ir.Version, crm_clusters: dict[str, str] | None = None) -> VersionDoc:
        writer = SampleWriter(version, self.formatter, crm_clusters)
        basic, token = auth_schemes(version)
        auth = AuthDoc(basic=basic, token=token, example=writer.basic, token_path=TOKEN_PATH)
        models = {model.name: model for model in version.models}
        resources = [
            ResourceDoc(
                resource,
                f"{version.module}.{resource.module}",
                resource.stem.replace("_", " ").capitalize(),
                [_link(version, resource, op) for op in resource.operations],
                [self.webhook(version, hook, writer, models) for hook in resource.webhooks],
            )
            for resource in version.resources
        ]
        example = example_call(version)
        return VersionDoc(
            version=version,
            anchor=version.module,
            auth=auth,
            sections=self.sections(version, writer, auth, example),
            resources=resources,
            methods=sorted({op.http_method for op in version.operations}),
            example_call=example,
            writer=writer,
            models=models,
        )

    @staticmethod
    def operation(doc: VersionDoc, resource: ir.Resource, op: ir.Operation) -> OperationDoc:
        """The whole section of one of `doc`'s operations (its samples formatted at the next flush)."""
        link, writer, models = _link(doc.version, resource, op), doc.writer, doc.models
        token_header = doc.auth.token["name"] if doc.auth.token else None
        parameters = [
            Table(
                title,
                [Row(p.wire, p.type.display(), p.required, p.description, _values(p.enum_values)) for p in params],
            )
            for location, title in _LOCATIONS
            if (params := [p for p in op.parameters if p.location == location])
        ]
        samples = [writer.operation_curl(op, token_header), writer.operation_python(resource, op)]
        if op.body is not None and op.body.example is not None and not op.body.multipart:
            samples.append(Sample("json", json_text(op.body.example), "Sample request body"))
        if op.response.example is not None:
            samples.append(
                Sample("json", json_text(op.response.example), f"Sample response (HTTP {op.response.status})")
            )
        return OperationDoc(
            op=op,
            anchor=link.anchor,
            call=link.call,
            info=_info(op, link.call),
            parameters=parameters,
            body_rows=field_rows(op.body.type, models) if op.body else [],
            response_rows=field_rows(op.response.type, models),
            samples=samples,
            body_note=MULTIPART_NOTE if op.body and op.body.multipart else "",
        )

    def webhook(
        self, version: ir.Version, hook: ir.Webhook, writer: SampleWriter, models: dict[str, ir.Model]
    ) -> WebhookDoc:
        call = f"capillary.{version.module}.{hook.function_name}"
        samples = [writer.webhook_python(hook)]
        if hook.payload.example is not None:
            samples.append(Sample("json", json_text(hook.payload.example), "Sample payload"))
        if hook.acknowledgement.example is not None:
            samples.append(Sample("json", json_text(hook.acknowledgement.example), "Sample acknowledgement"))
        note = (
            f"A request Capillary sends to your endpoint (webhook `{hook.name}`, `{hook.http_method}`), not a call "
            f"you make. Parse and check its body with `{call}(body)`; it raises "
            "`capillary.errors.WebhookPayloadError` when the body is not the documented payload."
        )
        return WebhookDoc(
            hook=hook,
            note=note,
            anchor=f"{version.module}.{hook.function_name}",
            call=call,
            payload_rows=field_rows(hook.payload.type, models),
            acknowledgement_rows=field_rows(hook.acknowledgement.type, models),
            samples=samples,
        )

    def sections(
        self,
        version: ir.Version,
        writer: SampleWriter,
        auth: AuthDoc,
        example_call: tuple[ir.Resource, ir.Operation] | None,
    ) -> list[SectionDoc]:
        samples: dict[str, list[Sample]] = {key: [] for key, _ in SECTIONS}
        if auth.basic:
            samples["authentication"].append(writer.basic_shell())
        if auth.token:
            samples["authentication"].append(writer.token_curl())
        if auth.basic or auth.token:
            samples["authentication"].append(writer.constructors(bool(auth.basic), bool(auth.token)))
        if example_call:
            samples["request_tracking"].append(writer.request_id(*example_call))
            samples["response_codes"].append(writer.error_handling(*example_call))
        return [SectionDoc(key, title, f"{version.module}/{key}", samples[key]) for key, title in SECTIONS]

    def readme_samples(self, versions: list[ir.Version]) -> dict[str, Sample] | None:
        """The package README's samples, each from the newest CRM version that has a fitting
        operation (a read if possible), or else from a service."""
        preferred = [v for v in reversed(versions) if not v.service] + [v for v in versions if v.service]
        calls = [(version, call) for version in preferred if (call := example_call(version))]
        calls.sort(key=lambda found: found[1][1].http_method != "GET")
        if not calls:
            return None
        version, (resource, op) = calls[0]
        basic, token = auth_schemes(version)
        writer = SampleWriter(version, self.formatter)
        samples = {
            "quickstart": writer.request_id(resource, op),
            "authentication": writer.constructors(bool(basic), bool(token)),
            "errors": writer.error_handling(resource, op),
            "retries": writer.retries(resource, op),
            "async": writer.asynchronous(resource, op),
        }
        # An upload's sample is its ordinary operation sample (which builds the File).
        for name, wanted, sample in (
            ("pages", lambda o: o.pagination, SampleWriter.pages),
            ("upload", lambda o: o.body and o.body.multipart, SampleWriter.operation_python),
        ):
            found = next(((v, r, o) for v in preferred for r in v.resources for o in r.operations if wanted(o)), None)
            if found:
                samples[name] = sample(SampleWriter(found[0], self.formatter), found[1], found[2])
        hook_part = next((v for v in preferred if v.webhooks), None)
        if hook_part:
            samples["webhook"] = SampleWriter(hook_part, self.formatter).webhook_python(hook_part.webhooks[0])
        return samples


def _link(version: ir.Version, resource: ir.Resource, op: ir.Operation) -> OperationLink:
    call = f"client.{version.module}.{resource.module}.{op.method_name}"
    return OperationLink(op, call.removeprefix("client."), call)


def models_reached(type_ref: ir.TypeRef, models: dict[str, ir.Model], reached: dict[str, ir.Model]) -> None:
    """Add to `reached` every model whose fields `field_rows(type_ref, ...)` lists."""
    for model in _nested_models(type_ref, models):
        if model.name not in reached:
            reached[model.name] = model
            for model_field in model.fields:
                models_reached(model_field.type, models, reached)


def auth_schemes(version: ir.Version) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The version's Basic scheme and its header scheme carrying the OAuth token, where it has them."""
    schemes = version.security_schemes.values()
    basic = next((s for s in schemes if s.get("type") == "http" and s.get("scheme") == "basic"), None)
    token = next((s for s in schemes if s.get("type") == "apiKey" and s.get("in") == "header"), None)
    return basic, token


def example_call(version: ir.Version) -> tuple[ir.Resource, ir.Operation] | None:
    """The call the general samples make: the first read that returns an object, else the first
    call that does."""
    calls = [(r, op) for r in version.resources for op in r.operations if op.response.type.kind == "model"]
    calls.sort(key=lambda call: call[1].http_method != "GET")
    return calls[0] if calls else None
