"""Build the IR from validated specs. All naming decisions happen here (via `naming`)."""

from __future__ import annotations

import re
from typing import Any

from . import ir, naming
from .errors import SpecError, SpecErrors
from .ir import JSON_MEDIA, MULTIPART_MEDIA
from .journal import Journal, Replay, journaled
from .load import YDict, to_plain
from .memo import Memo
from .specset import SpecFile, SpecSet, is_version_name, line_of
from .validate import HTTP_METHODS, iter_operations

_COMPONENT_SCHEMA = re.compile(r"/components/schemas/([^/]+)")
_PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}
_FORMATS = {"date": "_dt.date", "date-time": "_dt.datetime"}
# Envelope and error conventions the runtime knows (`x-capillary-family` of a service root).
FAMILIES = ("v1.1", "v2", "v3")
# Class names the models module imports itself; a schema may not take them.
_TAKEN_BY_MODULE = {"Annotated", "Any", "Literal", "Field", "CapillaryModel", "Enum", "FileField"}
# Python names the package already uses: a service folder (client attribute and subpackage) or a
# resource file (version attribute and module) with one of them would shadow or overwrite it.
_TAKEN_SERVICE_MODULES = {"errors", "request", "iterate", "close", "aclose", "base_url", "auth_kind", "retry_policy"}
_TAKEN_RESOURCE_MODULES = {"models"}


def build_api(spec_set: SpecSet, memo: Memo | None = None) -> ir.Api:
    """Turn every version of the spec set into IR; raise SpecErrors with all problems. With `memo`,
    a version whose files did not change is taken from it instead of being built again, and in a
    version that did change, so are the resources that the change leaves as they were."""
    memo = memo or Memo(None)
    errors: list[SpecError] = []
    versions = [_version(spec_set, name, memo, errors) for name in spec_set.versions()]
    clusters: dict[str, str] = {}
    for version in versions:
        if version.service:
            continue
        root = spec_set.version_root(version.name)
        for server in {s.cluster: s for s in reversed(version.servers)}.values():  # twice: reported per version
            known = clusters.setdefault(server.cluster, server.url)
            if known != server.url:
                errors.append(
                    SpecError(
                        root.label,
                        line_of(root.doc, "servers"),
                        f"cluster {server.cluster!r} is {server.url} here but {known} in another version",
                        "servers",
                    )
                )
    if errors:
        raise SpecErrors(errors)
    service_clusters = {v.module: {s.cluster: s.url for s in v.servers} for v in versions if v.service}
    return ir.Api(versions=versions, clusters=dict(sorted(clusters.items())), service_clusters=service_clusters)


def _version(spec_set: SpecSet, name: str, memo: Memo, errors: list[SpecError]) -> ir.Version:
    inputs_digest = spec_set.inputs_digest(name, memo)
    key = memo.key("ir", inputs_digest)
    version = memo.get(key)
    if version is None:
        known = len(errors)
        builder = VersionBuilder(spec_set, name, errors, memo)
        version = builder.build()
        version.inputs_digest = inputs_digest
        # A version being edited (some resources built, the rest replayed) will likely change again
        # before these inputs recur, and storing it whole costs ~25 ms for v2: it is kept once a run
        # replays all of it (or builds all of it, as the first run does).
        if len(errors) == known and not (builder.built and builder.replayed):
            memo.put(key, version)
    return version


def _text(node: Any, key: str) -> str:
    value = node.get(key) if isinstance(node, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _with_type(node: YDict, json_type: str) -> YDict:
    """The same schema restricted to one JSON type (keeps the line for messages)."""
    copy = YDict(node)
    copy.file, copy.line, copy.key_lines = node.file, node.line, node.key_lines
    copy["type"] = json_type
    return copy


class VersionBuilder:
    """Builds one version: its resources, operations and the models they reach."""

    def __init__(self, spec_set: SpecSet, version: str, errors: list[SpecError], memo: Memo) -> None:
        self.spec_set = spec_set
        self.version = version
        self.errors = errors
        self.memo = memo
        self.root = spec_set.version_root(version)
        self.service = not is_version_name(version)
        self.family = self.root.doc.get("x-capillary-family", "v2" if self.service else version)
        self._files_allowed = False
        """True while the types of a multipart body are built: binary strings are file parts there."""
        # State the resources share, built up one resource after another (see `built_resource`).
        self._types: dict[tuple[str, str], ir.TypeRef] = Journal()  # (file label, JSON pointer) -> type
        self._class_owner: dict[str, str] = Journal()  # class name -> where its schema is
        self.models: dict[str, ir.Model] = Journal()
        self.enums: dict[str, ir.Enum] = Journal()
        self.built, self.replayed = 0, 0  # resources, by how each was made

    def error(self, spec_file: SpecFile, line: int, message: str, rule: str = "build") -> None:
        self.errors.append(SpecError(spec_file.label, line, message, rule))

    # --- version and resources ------------------------------------------------------------

    def build(self) -> ir.Version:
        doc = self.root.doc
        info = doc.get("info") or {}
        resources = [self.built_resource(f) for f in self.spec_set.resources(self.version)]
        if self.service and naming.module_name(self.version) in _TAKEN_SERVICE_MODULES:
            self.error(
                self.root,
                1,
                f"service folder {self.version!r} would be client.{naming.module_name(self.version)}, "
                "a name the client already uses; rename the folder",
                "python-name",
            )
        if self.family not in FAMILIES:
            self.error(
                self.root,
                line_of(doc, "x-capillary-family"),
                f"x-capillary-family must be one of {', '.join(FAMILIES)}",
                "family",
            )
        return ir.Version(
            name=self.version,
            module=naming.module_name(self.version),
            title=_text(info, "title"),
            description=_text(info, "description"),
            servers=self.servers(),
            security_schemes=self.security_schemes(),
            status_tables=self.status_tables(),
            resources=resources,
            enums=[self.enums[name] for name in sorted(self.enums)],
            models=self._ordered_models(),
            service=self.service,
            family=str(self.family),
        )

    def servers(self) -> list[ir.Server]:
        servers, seen = [], set()
        for index, server in enumerate(self.root.doc.get("servers") or []):
            line = line_of(self.root.doc.get("servers"), index)
            cluster = server.get("x-capillary-cluster") if isinstance(server, dict) else None
            if not isinstance(cluster, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", cluster):
                self.error(
                    self.root, line, "server needs x-capillary-cluster: a lowercase name such as 'eu'", "servers"
                )
                continue
            if cluster in seen:
                self.error(self.root, line, f"cluster name {cluster!r} is used twice", "servers")
            seen.add(cluster)
            servers.append(ir.Server(cluster, str(server.get("url", "")).rstrip("/"), _text(server, "description")))
        return servers

    def security_schemes(self) -> dict[str, dict[str, Any]]:
        schemes = {}
        for name, node in ((self.root.doc.get("components") or {}).get("securitySchemes") or {}).items():
            scheme, _ = self.spec_set.deref(node, self.root)
            schemes[name] = dict(scheme)
        return schemes

    def status_tables(self) -> list[ir.StatusTable]:
        tables = []
        for table in self.root.doc.get("x-capillary-status-codes") or []:
            codes = [(c.get("code"), str(c.get("meaning", ""))) for c in table.get("codes") or []]
            tables.append(
                ir.StatusTable(str(table.get("name", "")), _text(table, "title"), _text(table, "description"), codes)
            )
        return tables

    def built_resource(self, spec_file: SpecFile) -> ir.Resource:
        """`resource(spec_file)`, replayed from the memo when its files (with the version root) are
        unchanged and the names, types and models it looked up are as they were then: an edit to
        one file of a version builds that file's resource, not all of them. What a resource adds to
        the shared state is made again, in order, so the resources after it see the same state."""
        state = (self._types, self._class_owner, self.models, self.enums)
        inputs = self.spec_set.reach_digest([spec_file.path, self.root.path], self.memo, lambda f: f.digest)
        key = self.memo.key("ir resource", self.version, spec_file.label, inputs)
        known = self.memo.get(key)
        if isinstance(known, Replay) and known.holds(state):
            self.replayed += 1
            return known.apply(state)
        self.built += 1
        errors = len(self.errors)
        replay = journaled(state, lambda: self.resource(spec_file))
        if len(self.errors) == errors:  # a resource with problems is built (and reported) on every run
            self.memo.put(key, replay)
        return replay.result

    def resource(self, spec_file: SpecFile) -> ir.Resource:
        tags = [t for t in spec_file.doc.get("tags") or [] if isinstance(t, dict) and t.get("name") == spec_file.stem]
        root_tags = [
            t for t in self.root.doc.get("tags") or [] if isinstance(t, dict) and t.get("name") == spec_file.stem
        ]
        description = _text((tags or root_tags or [{}])[0], "description") or _text(
            spec_file.doc.get("info"), "description"
        )
        module = naming.module_name(spec_file.stem)
        if module in _TAKEN_RESOURCE_MODULES:
            message = f"file name {spec_file.stem!r} is taken by the version's {module}.py"
            self.error(spec_file, 1, message, "python-name")
        if module != spec_file.stem:
            self.error(
                spec_file, 1, f"file name {spec_file.stem!r} is not a Python module name; use {module!r}", "python-name"
            )
        operations = [
            self.operation(spec_file, path, method, op, item) for path, method, op, item in iter_operations(spec_file)
        ]
        seen: dict[str, ir.Operation] = {}
        for op in operations:
            if op.method_name in seen:
                self.error(
                    spec_file,
                    int(op.source.rsplit(":", 1)[1]),
                    f"operations {seen[op.method_name].operation_id!r} and {op.operation_id!r} both map to "
                    f"method {op.method_name!r}; set x-capgen-method on one",
                    "python-name",
                )
            seen[op.method_name] = op
        for op in operations:
            if self.family == "v1.1":
                op.item_status_paths = self.item_status_paths(op.response.type)
            op.digest = ir.shown_digest(op)
        return ir.Resource(
            spec_file.stem,
            module,
            naming.class_name(spec_file.stem),
            description,
            operations,
            spec_file.label,
            self.webhooks(spec_file),
        )

    def webhooks(self, spec_file: SpecFile) -> list[ir.Webhook]:
        """OpenAPI `webhooks` of a file: requests Capillary sends, each with a JSON payload."""
        hooks = []
        for name, item in (spec_file.doc.get("webhooks") or {}).items():
            for method in HTTP_METHODS:
                op = item.get(method) if isinstance(item, dict) else None
                if not isinstance(op, dict):
                    continue
                context = naming.class_name(str(name))
                payload = self.body(spec_file, op, context)
                if payload is None or payload.multipart:
                    self.error(spec_file, line_of(item, method), f"webhook {name!r} needs a JSON payload", "build")
                    continue
                acknowledgement, _ = self.responses(spec_file, op, context)
                hooks.append(
                    ir.Webhook(
                        name=str(name),
                        function_name="parse_" + naming.snake_case(str(name)),
                        http_method=method.upper(),
                        summary=_text(op, "summary"),
                        description=_text(op, "description"),
                        payload=payload,
                        acknowledgement=acknowledgement,
                        external_docs=(op.get("externalDocs") or {}).get("url"),
                        source=f"{spec_file.label}:{line_of(item, method)}",
                        documented_as=_documented_as(op),
                    )
                )
        return hooks

    # --- operations -----------------------------------------------------------------------

    def operation(self, spec_file: SpecFile, path: str, method: str, op: YDict, item: YDict) -> ir.Operation:
        op_id = str(op.get("operationId", f"{method}_{path}"))
        line = line_of(item, method)
        explicit = op.get("x-capgen-method")
        method_name = explicit if isinstance(explicit, str) else naming.method_name(op_id, spec_file.stem)
        if not naming.is_identifier(method_name):
            self.error(
                spec_file,
                line_of(op, "x-capgen-method"),
                f"x-capgen-method {method_name!r} is not a Python name",
                "python-name",
            )
        context = naming.class_name(op_id)
        parameters = self.parameters(spec_file, op, item, context)
        body = self.body(spec_file, op, context)
        response, error_responses = self.responses(spec_file, op, context)
        pagination = self.pagination(spec_file, op, parameters, response)
        return ir.Operation(
            operation_id=op_id,
            method_name=method_name,
            http_method=method.upper(),
            path=path,
            summary=_text(op, "summary"),
            description=_text(op, "description"),
            parameters=parameters,
            body=body,
            response=response,
            error_responses=error_responses,
            auth=self.auth(spec_file, op),
            error_codes={
                int(k): str(v)
                for k, v in (op.get("x-capillary-error-codes") or {}).items()
                if str(k).lstrip("-").isdigit()
            },
            batch=dict(op.get("x-capillary-batch") or {}),
            resource_info=dict(op.get("x-capillary-resource-info") or {}),
            external_docs=(op.get("externalDocs") or {}).get("url"),
            deprecated=bool(op.get("deprecated", False)),
            source=f"{spec_file.label}:{line}",
            documented_as=_documented_as(op),
            pagination=pagination,
        )

    def pagination(
        self, spec_file: SpecFile, op: YDict, parameters: list[ir.Parameter], response: ir.Response
    ) -> ir.Pagination | None:
        """`x-capillary-pagination` resolved against the operation's parameters and response model."""
        node = op.get("x-capillary-pagination")
        if node is None:
            return None
        line = line_of(op, "x-capillary-pagination")
        if not isinstance(node, dict) or node.get("style") not in ("offset", "page"):
            self.error(spec_file, line, "x-capillary-pagination needs style: offset or page", "pagination")
            return None
        style = node["style"]
        position_key = "offset_param" if style == "offset" else "page_param"
        by_wire = {p.wire: p for p in parameters if p.location == "query"}
        names = []
        for key in ("limit_param", position_key):
            param = by_wire.get(str(node.get(key)))
            if param is None:
                self.error(
                    spec_file,
                    line,
                    f"x-capillary-pagination {key} {node.get(key)!r} is not a query parameter",
                    "pagination",
                )
                return None
            names.append(param.name)
        located = self._items_at(str(node.get("items", "")), response.type)
        if isinstance(located, str):
            self.error(spec_file, line, f"x-capillary-pagination items: {located}", "pagination")
            return None
        path, item_type = located
        first = node.get("first", 0 if style == "offset" else 1)
        return ir.Pagination(style, names[0], names[1], int(first), path, item_type)

    def item_status_paths(self, response: ir.TypeRef) -> tuple[tuple[str, ...], ...]:
        """Where a v1.1 response schema puts `item_status` objects: wire-name paths inside
        `response` (the runtime reads them first and walks the whole body only if it must)."""
        found: dict[str, list[tuple[str, ...]]] = {}

        def paths_in(type_ref: ir.TypeRef) -> list[tuple[str, ...]]:
            paths: list[tuple[str, ...]] = []
            for name in self._models_in(type_ref):
                if name not in found:
                    found[name] = []  # a model met again inside itself adds nothing below that point
                    found[name] = paths_from(self.models[name])
                for path in found[name]:
                    if path not in paths:
                        paths.append(path)
            return paths

        def paths_from(model: ir.Model) -> list[tuple[str, ...]]:
            paths: list[tuple[str, ...]] = []
            if any(f.wire == "item_status" for f in model.fields):
                paths.append(())
            for f in model.fields:
                if f.wire != "item_status":
                    paths.extend((f.wire, *path) for path in paths_in(f.type))
            return paths

        # The runtime starts at the body's `response` object when there is one.
        model = self.models.get(response.name) if response.kind == "model" else None
        inner = next((f for f in model.fields if f.wire == "response"), None) if model else None
        return tuple(paths_in(inner.type if inner else response))

    def _models_in(self, type_ref: ir.TypeRef) -> list[str]:
        """Models a value of `type_ref` can be, itself or as an item of lists (not maps: their keys
        are not known) and union members."""
        if type_ref.kind == "model":
            return [type_ref.name] if type_ref.name in self.models else []
        if type_ref.kind in ("list", "union"):
            return [name for arg in type_ref.args for name in self._models_in(arg)]
        return []

    def _items_at(self, pointer: str, type_ref: ir.TypeRef) -> tuple[tuple[str, ...], ir.TypeRef] | str:
        """Python attribute path and item type of the list at JSON `pointer`, or what is wrong."""
        path: list[str] = []
        for segment in [s for s in pointer.split("/") if s]:
            model = self.models.get(type_ref.name) if type_ref.kind == "model" else None
            field = next((f for f in model.fields if f.wire == segment), None) if model else None
            if field is None:
                return f"{pointer!r} does not lead to a field of the response ({segment!r} not found)"
            path.append(field.name)
            type_ref = field.type
        if type_ref.kind == "union":
            type_ref = next((a for a in type_ref.args if a != ir.NONE), type_ref)
        if type_ref.kind != "list":
            return f"{pointer!r} is not a list in the response"
        return tuple(path), type_ref.args[0]

    def parameters(self, spec_file: SpecFile, op: YDict, item: YDict, context: str) -> list[ir.Parameter]:
        merged: dict[tuple[str, str], tuple[Any, SpecFile, int]] = {}
        for owner in (item, op):
            nodes = owner.get("parameters") or []
            for index, node in enumerate(nodes):
                param, param_file = self.spec_set.deref(node, spec_file)
                merged[(str(param.get("in")), str(param.get("name")))] = (param, param_file, line_of(nodes, index))
        params, names = [], {}
        for (location, wire), (param, param_file, line) in merged.items():
            if location not in ("path", "query", "header"):
                self.error(spec_file, line, f"parameter {wire!r}: location {location!r} is not supported", "build")
                continue
            explicit = param.get("x-capgen-name")
            name = explicit if isinstance(explicit, str) else naming.argument_name(wire)
            if explicit is not None and (not naming.is_identifier(name) or name in naming.RESERVED_ARGUMENTS):
                self.error(
                    param_file,
                    line_of(param, "x-capgen-name"),
                    f"x-capgen-name {name!r} is not a usable Python argument name",
                    "python-name",
                )
                continue
            if name in names:
                self.error(
                    spec_file,
                    line,
                    f"parameters {names[name]!r} and {wire!r} both map to Python argument " f"{name!r}",
                    "python-name",
                )
                continue
            names[name] = wire
            schema = param.get("schema") or {}
            type_ref = self.type_of(schema, param_file, context + naming.pascal_case(wire))
            resolved_schema, _ = self.spec_set.deref(schema, param_file)
            params.append(
                ir.Parameter(
                    name=name,
                    wire=wire,
                    location=location,
                    type=type_ref,
                    required=bool(param.get("required", location == "path")),
                    description=_text(param, "description") or _text(resolved_schema, "description"),
                    example=to_plain(
                        param.get(
                            "example", resolved_schema.get("example") if isinstance(resolved_schema, dict) else None
                        )
                    ),
                    enum_values=tuple(resolved_schema.get("enum") or ()) if isinstance(resolved_schema, dict) else (),
                    # OpenAPI's default for query parameters is style=form with explode=true.
                    repeated=location == "query"
                    and type_ref.kind == "list"
                    and bool(param.get("explode", param.get("style", "form") == "form")),
                )
            )
        order = {"path": 0, "query": 1, "header": 2}
        return sorted(params, key=lambda p: (not p.required, order[p.location]))

    def body(self, spec_file: SpecFile, op: YDict, context: str) -> ir.Body | None:
        if "requestBody" not in op:
            return None
        body, body_file = self.spec_set.deref(op["requestBody"], spec_file)
        content = body.get("content") or {}
        media_type = next((m for m in (JSON_MEDIA, MULTIPART_MEDIA) if m in content), None)
        media = content.get(media_type) if media_type else None
        if not isinstance(media, dict) or "schema" not in media:
            self.error(
                spec_file,
                line_of(op, "requestBody"),
                f"request body needs a {JSON_MEDIA} or {MULTIPART_MEDIA} schema",
                "build",
            )
            return None
        # Binary strings are file parts only in a form; inside JSON they stay plain strings.
        self._files_allowed = media_type == MULTIPART_MEDIA
        try:
            type_ref = self.type_of(media["schema"], body_file, context + "Request")
        finally:
            self._files_allowed = False
        if media_type == MULTIPART_MEDIA and type_ref.kind != "model":
            self.error(
                spec_file,
                line_of(op, "requestBody"),
                f"a {MULTIPART_MEDIA} body must be an object with named properties (its form fields)",
                "build",
            )
            return None
        files = (
            tuple(f.wire for f in self.models[type_ref.name].fields if f.type.kind == "file")
            if media_type == MULTIPART_MEDIA
            else ()
        )
        return ir.Body(
            type_ref,
            bool(body.get("required")),
            _text(body, "description"),
            to_plain(media.get("example")),
            media_type,
            files,
        )

    def responses(self, spec_file: SpecFile, op: YDict, context: str) -> tuple[ir.Response, list[ir.ErrorResponse]]:
        success, errors = None, []
        for status, node in (op.get("responses") or {}).items():
            response, response_file = self.spec_set.deref(node, spec_file)
            if str(status).startswith("2") and success is None:
                media = (response.get("content") or {}).get(JSON_MEDIA) or {}
                type_ref = self.type_of(media.get("schema") or {}, response_file, context + "Response")
                example = to_plain(media.get("example"))
                success = ir.Response(str(status), type_ref, _text(response, "description"), example)
            elif not str(status).startswith("2"):
                errors.append(ir.ErrorResponse(str(status), _text(response, "description")))
        return success or ir.Response("200", ir.ANY, ""), errors

    def auth(self, spec_file: SpecFile, op: YDict) -> tuple[str, ...]:
        for owner in (op, spec_file.doc, self.root.doc):
            if "security" in owner:
                requirements = owner.get("security") or []
                break
        else:
            return ()
        kinds: list[str] = []
        schemes = self.security_schemes()
        for requirement in requirements:
            for name in requirement or {}:
                scheme = schemes.get(name)
                if scheme is None:
                    self.error(
                        spec_file,
                        line_of(op, "security"),
                        f"security scheme {name!r} is not defined in " f"{self.root.label}",
                        "build",
                    )
                    continue
                kind = (
                    "basic"
                    if scheme.get("type") == "http" and str(scheme.get("scheme")).lower() == "basic"
                    else "oauth"
                )
                if kind not in kinds:
                    kinds.append(kind)
        return tuple(kinds)

    # --- schemas --------------------------------------------------------------------------

    def type_of(self, node: Any, spec_file: SpecFile, context: str) -> ir.TypeRef:
        """Python type of a schema node (following $ref); registers the models it needs."""
        if isinstance(node, dict) and "$ref" in node:
            resolved = self.spec_set.resolve(node["$ref"], spec_file, line_of(node, "$ref"))
            key = (resolved.file.label, resolved.pointer)  # a label, not a path: replayed in a copied project
            if key in self._types:
                return self._types[key]
            match = _COMPONENT_SCHEMA.fullmatch(resolved.pointer)
            return self.schema_type(
                resolved.node, resolved.file, match.group(1) if match else context, key, bool(match)
            )
        return self.schema_type(node, spec_file, context, None, False)

    def schema_type(self, node: Any, spec_file: SpecFile, name: str, key: tuple | None, named: bool) -> ir.TypeRef:
        if not isinstance(node, dict):
            return ir.ANY
        types = node.get("type")
        types = [types] if isinstance(types, str) else list(types or [])
        nullable = "null" in types
        types = [t for t in types if t != "null"]
        result: ir.TypeRef

        if self._files_allowed and types in ([], ["string"]) and _is_file(node):
            result = ir.FILE
        elif len(types) > 1 and "enum" not in node and "const" not in node:
            # `type: [array, object]`: one Python type per JSON type, each reading its own keywords.
            members = tuple(self.schema_type(_with_type(node, t), spec_file, name, None, named) for t in types)
            result = ir.TypeRef("union", args=members)
        elif "enum" in node:
            values = [v for v in node["enum"] if v is not None]
            nullable = nullable or None in node["enum"]
            if values and all(isinstance(v, str) for v in values):
                result = self.enum(node, spec_file, name, values, key, named)
            else:
                result = ir.TypeRef("literal", values=tuple(values))
        elif "const" in node:
            result = ir.TypeRef("literal", values=(node["const"],))
        elif "allOf" in node and len(node["allOf"]) == 1 and "properties" not in node:
            result = self.type_of(node["allOf"][0], spec_file, name)
        elif types == ["array"] or (not types and "items" in node):
            result = ir.TypeRef("list", args=(self.type_of(node.get("items") or {}, spec_file, name + "Item"),))
        elif types in ([], ["object"]) and ("allOf" in node or "properties" in node):
            result = self.model(node, spec_file, name, key, named)
        elif "oneOf" in node or "anyOf" in node:
            branches = node.get("oneOf") or node.get("anyOf") or []
            members: list[ir.TypeRef] = []
            for index, branch in enumerate(branches):
                member = self.type_of(branch, spec_file, f"{name}Option{index + 1}")
                for part in member.args if member.kind == "union" else (member,):
                    if part == ir.NONE:
                        nullable = True
                    elif part not in members:
                        members.append(part)
            result = (
                members[0] if len(members) == 1 else ir.TypeRef("union", args=tuple(members)) if members else ir.ANY
            )
        elif types == ["object"] or "additionalProperties" in node:
            extra = node.get("additionalProperties")
            value = self.type_of(extra, spec_file, name + "Value") if isinstance(extra, dict) and extra else ir.ANY
            result = ir.TypeRef("dict", args=(value,))
        elif len(types) == 1 and types[0] in _PRIMITIVES:
            python = (
                _FORMATS.get(node.get("format"), _PRIMITIVES[types[0]])
                if types[0] == "string"
                else _PRIMITIVES[types[0]]
            )
            result = ir.TypeRef("builtin", python)
        else:
            result = ir.ANY
        if nullable:
            result = ir.optional(result)
        if key is not None and key not in self._types:
            self._types[key] = result
        return result

    def _claim(self, wanted: str, spec_file: SpecFile, line: int, named: bool) -> str:
        """A unique class name: component schemas keep theirs, inline ones get a numbered suffix."""
        base = naming.class_name(wanted)
        if base in _TAKEN_BY_MODULE:
            base += "Model"
        owner = f"{spec_file.label}:{line}"
        if base not in self._class_owner:
            self._class_owner[base] = owner
            return base
        if named:
            self.error(
                spec_file,
                line,
                f"schema name {base!r} is also defined at {self._class_owner[base]}; "
                "schema names must be unique within a version",
                "python-name",
            )
        suffix = 2
        while f"{base}{suffix}" in self._class_owner:
            suffix += 1
        self._class_owner[f"{base}{suffix}"] = owner
        return f"{base}{suffix}"

    def enum(self, node: YDict, spec_file: SpecFile, name: str, values: list[str], key, named: bool) -> ir.TypeRef:
        class_name = self._claim(name, spec_file, node.line, named)
        members, taken = [], set()
        for value in values:
            member = naming.enum_member_name(value)
            if member in taken:
                # APIs accept case variants (`RETURN` and `return`): the later one keeps its own spelling.
                member = naming.attribute_name(str(value))
                suffix = 2
                while member in taken:
                    member, suffix = f"{naming.enum_member_name(value)}_{suffix}", suffix + 1
            taken.add(member)
            members.append(ir.EnumMember(member, value))
        enum = ir.Enum(class_name, _text(node, "description"), members, f"{spec_file.label}:{node.line}")
        enum.digest = ir.shown_digest(enum)
        self.enums[class_name] = enum
        result = ir.TypeRef("enum", class_name)
        if key is not None:
            self._types[key] = result
        return result

    def model(self, node: YDict, spec_file: SpecFile, name: str, key, named: bool) -> ir.TypeRef:
        class_name = self._claim(name, spec_file, node.line, named)
        result = ir.TypeRef("model", class_name)
        if key is not None:
            self._types[key] = result  # before the fields: a schema may refer to itself
        model = ir.Model(
            class_name, _text(node, "description") or _text(node, "title"), [], f"{spec_file.label}:{node.line}"
        )
        self.models[class_name] = model
        properties: list[tuple[str, Any, SpecFile, int]] = []
        required: set[str] = set()
        for part_node, part_file in self._parts(node, spec_file):
            props = part_node.get("properties") or {}
            properties.extend((wire, schema, part_file, line_of(props, wire)) for wire, schema in props.items())
            required.update(str(r) for r in part_node.get("required") or [])
        seen: dict[str, str] = {}
        for wire, schema, prop_file, line in properties:
            attribute = naming.attribute_name(wire)
            if attribute in seen:
                if seen[attribute] != wire:
                    self.error(
                        prop_file,
                        line,
                        f"properties {seen[attribute]!r} and {wire!r} of {class_name} both map "
                        f"to Python name {attribute!r}",
                        "python-name",
                    )
                continue
            seen[attribute] = wire
            type_ref = self.type_of(schema, prop_file, class_name + naming.pascal_case(wire))
            resolved, _ = self.spec_set.deref(schema, prop_file) if isinstance(schema, dict) else ({}, prop_file)
            resolved = resolved if isinstance(resolved, dict) else {}
            model.fields.append(
                ir.Field(
                    name=attribute,
                    wire=wire,
                    type=type_ref,
                    required=wire in required,
                    description=_text(schema, "description") or _text(resolved, "description"),
                    example=to_plain(resolved.get("example")),
                    enum_values=tuple(resolved.get("enum") or ()),
                    format=resolved.get("format"),
                )
            )
        self._inherit(model, node, spec_file)
        model.digest = ir.shown_digest(model)
        return result

    def _inherit(self, model: ir.Model, node: YDict, spec_file: SpecFile) -> None:
        """Extend the first model named in `allOf` rather than repeat its fields: the class then
        declares only what it adds or changes (a field made required, for example)."""
        for member in node.get("allOf") or []:
            if not (isinstance(member, dict) and "$ref" in member):
                continue
            base = self.type_of(member, spec_file, model.name)
            if base.kind != "model" or base.name == model.name:
                continue
            base_fields = {f.wire: f for f in self.models[base.name].fields}
            model.base = base.name
            model.inherited = tuple(
                f.wire
                for f in model.fields
                if (b := base_fields.get(f.wire)) is not None
                and (b.name, b.type, b.required) == (f.name, f.type, f.required)
            )
            return

    def _parts(self, node: YDict, spec_file: SpecFile) -> list[tuple[YDict, SpecFile]]:
        """The object schemas whose properties a model collects: itself and its allOf members."""
        parts = [(node, spec_file)]
        for member in node.get("allOf") or []:
            resolved, member_file = self.spec_set.deref(member, spec_file)
            if isinstance(resolved, dict):
                parts.extend(self._parts(resolved, member_file))
        return parts

    def _ordered_models(self) -> list[ir.Model]:
        """Dependencies first, so class bodies rarely need forward references."""
        ordered: list[ir.Model] = []
        state: dict[str, bool] = {}

        def visit(name: str) -> None:
            if name in state or name not in self.models:
                return
            state[name] = False
            if self.models[name].base:
                visit(self.models[name].base)
            for field in self.models[name].fields:
                for dependency in field.type.referenced_models():
                    visit(dependency)
            state[name] = True
            ordered.append(self.models[name])

        for name in sorted(self.models):
            visit(name)
        return ordered


def _documented_as(op: YDict) -> tuple[str, ...]:
    """`x-capillary-documented-as` of an operation or webhook: the documented rows it covers."""
    return tuple(str(d) for d in op.get("x-capillary-documented-as") or ())


def _is_file(schema: YDict) -> bool:
    """A form field that carries raw bytes: OpenAPI 3.1's `contentMediaType` (without a
    `contentEncoding`, which would make it text), or 3.0's `format: binary`."""
    return schema.get("format") == "binary" or ("contentMediaType" in schema and "contentEncoding" not in schema)
