"""Check the specs: references, OpenAPI structure (openapi-spec-validator) and the project's lint rules.

Every check adds `SpecError`s to one list, so a run reports all problems at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import SpecError, SpecErrors
from .extensions import check_extensions
from .ir import JSON_MEDIA
from .load import YDict, to_plain
from .memo import Memo, content_digest
from .schema_cycles import check_schema_cycles
from .specset import DATA_KEYS, SpecFile, SpecSet, escape_token, json_text, line_of, walk
from .structure_parts import Parts, changed_parts, part_digests

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PATH_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def validate_specs(spec_set: SpecSet, memo: Memo | None = None) -> None:
    """Run every check; raise SpecErrors listing all problems if any is found."""
    Validation(spec_set, memo or Memo(None)).run()


class Validation:
    """Every check of a spec set, split so a run can see how much work they are before running them.

    With `memo`, the per-file checks skip a file that passed them before with the same bytes and the
    same files it refers to (directly or through them): those checks read nothing else. `pending`
    lists the files that must go through them. The checks across files (duplicate operations,
    unused components) always run over every file.
    """

    def __init__(self, spec_set: SpecSet, memo: Memo) -> None:
        self.spec_set, self.memo = spec_set, memo
        self.refs = {spec_file.path: spec_set.refs_of(spec_file, memo) for spec_file in spec_set.files.values()}
        checked = {spec_file.path: _checked_digest(spec_file, memo) for spec_file in spec_set.files.values()}
        self.passed_key = {
            path: memo.key("passed", spec_set.reach_digest([path], memo, lambda spec_file: checked[spec_file.path]))
            for path in self.refs
        }
        self.pending = [f for f in spec_set.files.values() if not memo.has(self.passed_key[f.path])]

    def _part_digests(self, spec_file: SpecFile) -> dict[str, str]:
        """What the semantic rules read of each part of the file (`structure_parts`); the other files
        it reaches count by their bytes, the file itself by its parts."""
        spec_set, folder = self.spec_set, spec_file.path.parent
        outside = spec_set.reach_digest([spec_file.path], self.memo, lambda f: "" if f is spec_file else f.digest)
        return part_digests(spec_file.doc, outside, lambda file: spec_set.target_path(folder, file) == spec_file.path)

    def run(self) -> None:
        """Raise SpecErrors with every problem found; remember the files that passed."""
        spec_set, pending = self.spec_set, self.pending
        errors: list[SpecError] = []
        parts: dict[Path, dict[str, str]] = {}  # file -> digest of each part the semantic rules walk
        if pending:
            broken_refs = check_refs(spec_set, pending, errors)
            broken_refs |= check_schema_cycles(spec_set, pending, errors)  # the validators would recurse without end
            check_extensions(pending, errors)
            plain = PlainDocuments(spec_set)
            for spec_file in pending:
                if spec_file.path not in broken_refs:
                    parts[spec_file.path] = self._part_digests(spec_file)
                    passed = self.memo.table(f"passed parts {spec_file.label}")
                    check_structure(spec_set, spec_file, plain, errors, changed_parts(parts[spec_file.path], passed))
            lint_files(spec_set, pending, errors, skip_examples=broken_refs, plain=plain)
        outlines = {spec_file.path: outline_of(spec_file, self.memo) for spec_file in spec_set.files.values()}
        check_operations_unique(spec_set, outlines, errors)
        check_unused_components(spec_set, outlines, self.refs, errors)
        failed = {error.file for error in errors}
        for spec_file in pending:
            if spec_file.label not in failed:
                self.memo.put(self.passed_key[spec_file.path], True)
                if spec_file.path in parts:  # not when a ref it follows broke in another file
                    self.memo.save_table(f"passed parts {spec_file.label}", parts[spec_file.path])
        if errors:
            raise SpecErrors(errors)


# What the checks read of `description` and `summary` text is only whether it is empty, blank or
# neither; rewording it changes no result. Data (examples, defaults, enums) is read as it is.
_PROSE_KEYS = frozenset({"description", "summary"})


def _checked_digest(spec_file: SpecFile, memo: Memo) -> str:
    """Digest of what the per-file checks read of a file: its content with prose reduced to
    empty / blank / text, so a reworded description does not send the file through the checks again."""
    key = memo.key("checked-digest", spec_file.digest)
    digest = memo.get(key)
    if digest is None:
        digest = content_digest(json_text(_prose_reduced(spec_file.doc)).encode())
        memo.put(key, digest)
    return digest


def _prose_reduced(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _prose_reduced_entry(key, value) for key, value in node.items()}
    if isinstance(node, list):
        return [_prose_reduced(item) for item in node]
    return node


def _prose_reduced_entry(key: str, value: Any) -> Any:
    if key in DATA_KEYS:
        return value
    if key in _PROSE_KEYS and isinstance(value, str):
        return "" if not value else " " if not value.strip() else "text"
    return _prose_reduced(value)


def check_refs(spec_set: SpecSet, files: list[SpecFile], errors: list[SpecError]) -> set:
    """Every `$ref` resolves and no chain of refs loops; return the files with broken refs."""
    broken = set()
    for spec_file in files:
        for _, node, _, _ in walk(spec_file.doc):
            if isinstance(node, dict) and "$ref" in node:
                try:
                    spec_set.deref(node, spec_file)
                except SpecErrors as exc:
                    errors.extend(exc.errors)
                    broken.add(spec_file.path)
    return broken


class PlainDocuments:
    """The spec files as plain dicts by file URI, converted once, for the OpenAPI validator."""

    def __init__(self, spec_set: SpecSet) -> None:
        self._files = {spec_file.path.as_uri(): spec_file for spec_file in spec_set.files.values()}
        self._plain: dict[str, Any] = {}

    def __call__(self, uri: str) -> Any:
        if uri not in self._plain:
            if uri not in self._files:  # check_refs has reported it; the validator just stops here
                raise FileNotFoundError(uri)
            self._plain[uri] = to_plain(self._files[uri].doc)
        return self._plain[uri]


def check_structure(
    spec_set: SpecSet, spec_file: SpecFile, plain: PlainDocuments, errors: list[SpecError], parts: Parts | None = None
) -> None:
    """Validate one file as a standalone OpenAPI 3.1 document; with `parts`, the semantic rules walk
    only those path items and component schemas (the others passed as they are)."""
    doc = spec_file.doc
    if str(doc.get("openapi", "")) != "3.1.0":
        errors.append(SpecError(spec_file.label, line_of(doc, "openapi"), "openapi must be '3.1.0'", "structure"))
        return
    # Imported here: a run whose files all passed before never loads the validators (~0.2 s).
    from .openapi_check import check_document

    uri = spec_file.path.as_uri()
    found = 0
    try:
        for problem in check_document(plain(uri), uri, plain, parts):
            if problem.message.startswith("Duplicate parameter"):
                continue  # reported by the lint rule, at the parameter's line
            line = _locate(spec_set, spec_file, list(problem.path), problem.instance, problem.message)
            errors.append(
                SpecError(spec_file.label, line, _problem_text(problem.message, problem.instance), "structure")
            )
            found += 1
    except Exception as exc:  # the validator raises on documents it cannot walk
        if not found:  # else it tripped over what it has already reported
            reason = _short(str(exc)) or type(exc).__name__
            errors.append(SpecError(spec_file.label, 1, f"OpenAPI validator failed: {reason}", "structure"))


def _problem_text(message: str, instance: Any) -> str:
    """The validator's message, with a long dump of the offending value (a whole `paths` list)
    replaced by what kind of value it is, so the reason stays readable."""
    for shown in (repr(instance), json.dumps(instance, separators=(",", ":"), ensure_ascii=False, default=str)):
        if len(shown) > 60 and message.startswith(shown):
            kind = {dict: "a mapping", list: "a list", str: "a string"}.get(type(instance), type(instance).__name__)
            return _short(kind + message[len(shown) :])
    return _short(message)


def _short(message: str, limit: int = 300) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _locate(spec_set: SpecSet, spec_file: SpecFile, path: list[Any], instance: Any, message: str) -> int:
    """Best line for a validator error whose path may be relative to an unknown sub-document:
    the first place where the path leads to the offending value, else where it leads at all."""
    doc = spec_file.doc
    if path:
        at_root = _follow(doc, path, lambda ref: spec_set.resolve(ref, spec_file, 0).node)
        if at_root is not None:  # the validator's paths start at the root
            return at_root[1]
        reached = [found for _, node, _, _ in walk(doc) if (found := _follow(node, path)) is not None]
        exact = [line for value, line in reached if value == instance]
        if exact or reached:
            return exact[0] if exact else reached[0][1]
    quoted = re.findall(r"'(/[^']*)'", message)
    paths = doc.get("paths") if isinstance(doc, dict) else None
    if quoted and isinstance(paths, YDict) and quoted[0] in paths:
        return paths.line_of(quoted[0])
    return 1


def _follow(node: Any, path: list[Any], resolve: Callable[[str], Any] | None = None) -> tuple[Any, int] | None:
    """The value and line `path` leads to from `node`; with `resolve`, `$ref`s within the file are
    followed (the validator walks through them, so its paths do too)."""
    line = getattr(node, "line", 1)
    for key in path:
        hops = 0  # bounded: a ref loop is reported by check_refs, not followed forever here
        while resolve and isinstance(node, dict) and key not in node and str(node.get("$ref", "")).startswith("#/"):
            try:
                node, hops = resolve(node["$ref"]), hops + 1
            except SpecErrors:  # reported by check_refs
                return None
            if hops > 32:
                return None
        if isinstance(node, dict) and key in node:
            line, node = line_of(node, key), node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            line, node = line_of(node, key), node[key]
        else:
            return None
    return node, line


# --- lint -------------------------------------------------------------------------------------


def iter_operations(spec_file: SpecFile) -> Iterator[tuple[str, str, dict, dict]]:
    """Yield (path, method, operation, path item) for each operation of a file."""
    paths = spec_file.doc.get("paths") or {}
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield path, method, operation, item


@dataclass(frozen=True)
class Outline:
    """What the checks across files read of one file: kept by its bytes, so that those checks run
    over every file without reading the trees of the files that did not change."""

    operations: tuple[tuple[str, str, Any, int, int], ...]
    """(path, method, operationId, line of the method, line of the operationId) of each operation."""
    components: tuple[tuple[str, str, int], ...]
    """(kind, name, line) of each entry under `components`."""


_COMPONENT_KINDS = ("schemas", "parameters", "responses", "requestBodies", "headers", "examples")


def outline_of(spec_file: SpecFile, memo: Memo) -> Outline:
    key = memo.key("outline", spec_file.digest)
    outline = memo.get(key)
    if outline is None:
        operations = tuple(
            (path, method, operation.get("operationId"), line_of(item, method), line_of(operation, "operationId"))
            for path, method, operation, item in iter_operations(spec_file)
        )
        components = spec_file.doc.get("components") or {}
        outline = Outline(
            operations,
            tuple(
                (kind, name, line_of(entries, name))
                for kind in _COMPONENT_KINDS
                for entries in [components.get(kind) or {}]
                for name in entries
            ),
        )
        memo.put(key, outline)
    return outline


def check_operations_unique(spec_set: SpecSet, outlines: dict[Path, Outline], errors: list[SpecError]) -> None:
    """operationIds and routes (method + path) are unique within a version."""
    for version in spec_set.versions():
        seen_ids: dict[str, str] = {}
        seen_routes: dict[tuple[str, str], str] = {}
        for spec_file in spec_set.resources(version):
            for path, method, op_id, line, id_line in outlines[spec_file.path].operations:
                where = f"{spec_file.label}:{line}"
                if isinstance(op_id, str):
                    if op_id in seen_ids:
                        errors.append(
                            SpecError(
                                spec_file.label,
                                id_line,
                                f"operationId {op_id!r} is already used in {version} at {seen_ids[op_id]}",
                                "duplicate-operation-id",
                            )
                        )
                    seen_ids.setdefault(op_id, where)
                route = (method, re.sub(_PATH_PLACEHOLDER, "{}", path))
                if route in seen_routes:
                    errors.append(
                        SpecError(
                            spec_file.label,
                            line,
                            f"{method.upper()} {path} is already defined in {version} at {seen_routes[route]}",
                            "duplicate-route",
                        )
                    )
                seen_routes.setdefault(route, where)


def lint_files(
    spec_set: SpecSet, files: list[SpecFile], errors: list[SpecError], skip_examples: set, plain: PlainDocuments
) -> None:
    """The project's rules for each operation of `files`, and their examples against their schemas."""
    for spec_file in files:
        if spec_file.version is not None and not spec_file.is_root:
            for path, method, operation, item in iter_operations(spec_file):
                _lint_operation(spec_set, spec_file, path, method, operation, item, errors)
    examples = ExampleChecker(plain)
    for spec_file in files:
        if spec_file.path not in skip_examples:  # their schemas cannot be resolved; check_refs said why
            examples.check_file(spec_file, errors)


def _lint_operation(
    spec_set: SpecSet, spec_file: SpecFile, path: str, method: str, operation: dict, item: dict, errors: list[SpecError]
) -> None:
    label, op_line = spec_file.label, line_of(item, method)

    def err(message: str, rule: str, line: int = op_line) -> None:
        errors.append(SpecError(label, line, f"{method.upper()} {path}: {message}", rule))

    if not isinstance(operation.get("operationId"), str) or not operation["operationId"]:
        err("operationId is missing", "operation-id")
    for key in ("summary", "description"):
        if not isinstance(operation.get(key), str) or not operation[key].strip():
            err(f"{key} is missing", f"operation-{key}")
    external = operation.get("externalDocs")
    if not isinstance(external, dict) or not str(external.get("url", "")).startswith("https://"):
        err("externalDocs.url (the public docs page of this operation) is missing", "operation-external-docs")
    _lint_error_codes(operation, err)
    tags = operation.get("tags")
    if tags != [spec_file.stem]:
        err(
            f"tags must be [{spec_file.stem}] (the file's resource), got {tags!r}",
            "operation-tag",
            line_of(operation, "tags"),
        )

    declared: set[str] = set()
    for owner in (item, operation):
        nodes = owner.get("parameters") or []
        listed: set[tuple] = set()
        for index, param_node in enumerate(nodes):
            try:
                param, _ = spec_set.deref(param_node, spec_file)
            except SpecErrors:
                continue  # reported by check_refs
            if not isinstance(param, dict):
                continue
            if (param.get("in"), param.get("name")) in listed:
                twice = f"parameter {param.get('name')!r} in {param.get('in')} is listed twice"
                err(twice, "duplicate-parameter", line_of(nodes, index))
            listed.add((param.get("in"), param.get("name")))
            if param.get("in") == "path":
                declared.add(str(param.get("name")))
            missing = [key for key in ("schema", "description") if not param.get(key)]
            if "example" not in param and not param.get("examples"):
                missing.append("example")
            if missing:
                err(
                    f"parameter {param.get('name')!r} has no {', '.join(missing)}",
                    "parameter-complete",
                    line_of(nodes, index),
                )
    used = set(_PATH_PLACEHOLDER.findall(path))
    for name in sorted(used - declared):
        err(f"path parameter {{{name}}} is not declared", "path-params")
    for name in sorted(declared - used):
        err(f"path parameter {name!r} is declared but not in the path", "path-params")

    responses = operation.get("responses") or {}
    success = [code for code in responses if str(code).startswith("2")]
    if not success:
        err("no 2xx success response", "success-response", line_of(operation, "responses") if responses else op_line)
        return
    try:
        response, _ = spec_set.deref(responses[success[0]], spec_file)
    except SpecErrors:
        return
    media = (response.get("content") or {}).get(JSON_MEDIA) if isinstance(response, dict) else None
    if not isinstance(media, dict) or "schema" not in media:
        err(
            f"success response {success[0]} has no {JSON_MEDIA} schema",
            "success-response",
            line_of(responses, success[0]),
        )
    elif "example" not in media and not media.get("examples"):
        err(f"success response {success[0]} has no example", "success-response", line_of(responses, success[0]))


def _lint_error_codes(operation: dict, err) -> None:
    """`x-capillary-error-codes`: a mapping of integer codes to a short, non-empty meaning."""
    if "x-capillary-error-codes" not in operation:
        return
    codes = operation["x-capillary-error-codes"]
    line = line_of(operation, "x-capillary-error-codes")
    if not isinstance(codes, dict):
        err("x-capillary-error-codes must be a mapping of code -> meaning", "error-codes", line)
        return
    for code, meaning in codes.items():
        where = line_of(codes, code)
        if not str(code).lstrip("-").isdigit():
            err(f"x-capillary-error-codes key {code!r} is not an integer code", "error-codes", where)
        if not isinstance(meaning, str) or not meaning.strip():
            err(f"x-capillary-error-codes {code}: the meaning must be a non-empty string", "error-codes", where)


def check_unused_components(
    spec_set: SpecSet, outlines: dict[Path, Outline], refs: dict[Path, frozenset], errors: list[SpecError]
) -> None:
    """Every component is referenced from somewhere: a dead schema is noise in the client and docs."""
    referenced = set().union(*refs.values())
    for spec_file in spec_set.files.values():
        for kind, name, line in outlines[spec_file.path].components:
            if (spec_file.path, f"/components/{kind}/{escape_token(name)}") not in referenced:
                errors.append(
                    SpecError(
                        spec_file.label, line, f"components/{kind}/{name} is never referenced", "unused-component"
                    )
                )


class ExampleChecker:
    """Validates examples against their schemas with JSON Schema 2020-12, across files."""

    def __init__(self, plain: PlainDocuments) -> None:
        from jsonschema import Draft202012Validator  # loaded only when a file is checked, as above
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self._validator_class = Draft202012Validator

        # Spec files are loaded into the registry as a schema first refers to them.
        self._registry = Registry(
            retrieve=lambda uri: Resource.from_contents(plain(uri), default_specification=DRAFT202012)
        )
        self._validators: dict[str, Draft202012Validator] = {}

    def _validator(self, uri: str) -> Draft202012Validator:
        if uri not in self._validators:
            self._validators[uri] = self._validator_class(
                {"$ref": uri}, registry=self._registry, format_checker=self._validator_class.FORMAT_CHECKER
            )
        return self._validators[uri]

    def check_file(self, spec_file: SpecFile, errors: list[SpecError]) -> None:
        for pointer, node, _, _ in walk(spec_file.doc):
            if not isinstance(node, dict) or "schema" not in node or not isinstance(node.get("schema"), dict):
                continue
            # Parameters and media types carry `schema` next to `example`/`examples`.
            for line, value in _examples_of(node):
                self._check(spec_file, f"{pointer}/schema", line, value, errors)

    def _check(self, spec_file: SpecFile, schema_pointer: str, line: int, value: Any, errors: list[SpecError]) -> None:
        uri = f"{spec_file.path.as_uri()}#{schema_pointer}"
        try:
            problems = sorted(self._validator(uri).iter_errors(to_plain(value)), key=lambda e: list(e.path))
        except Exception as exc:  # an unresolvable ref inside the schema: reported by check_refs
            errors.append(
                SpecError(spec_file.label, line, f"cannot check example: {_short(str(exc))}", "example-valid")
            )
            return
        for problem in problems[:5]:
            where = "/".join(str(p) for p in problem.absolute_path) or "(root)"
            errors.append(
                SpecError(
                    spec_file.label,
                    line,
                    f"example does not match its schema at {where}: {_short(problem.message)}",
                    "example-valid",
                )
            )


def _examples_of(node: YDict) -> Iterator[tuple[int, Any]]:
    if "example" in node:
        yield line_of(node, "example"), node["example"]
    examples = node.get("examples")
    if isinstance(examples, dict):
        for example in examples.values():
            if isinstance(example, dict) and "value" in example:
                yield line_of(example, "value"), example["value"]


RULES: dict[str, str] = {
    "yaml": "the file is well-formed YAML: no tabs, no duplicate keys",
    "ref": "every $ref resolves to a node in a file under specs/, without cycles",
    "structure": "the file is a valid OpenAPI 3.1.0 document (openapi-spec-validator)",
    "operation-id": "every operation has an operationId",
    "duplicate-operation-id": "operationIds are unique within a version",
    "duplicate-route": "a method and path are defined once per version",
    "operation-summary": "every operation has a summary",
    "operation-description": "every operation has a description",
    "operation-tag": "an operation's tags are exactly [<file stem>]",
    "path-params": "path parameters are declared and used",
    "duplicate-parameter": "a parameter (name and location) is listed once per operation or path",
    "parameter-complete": "every parameter has a schema, a description and an example",
    "operation-external-docs": "every operation links its public docs page (externalDocs.url)",
    "error-codes": "x-capillary-error-codes maps integer codes to non-empty meanings (empty when none is documented)",
    "unused-component": "every component is referenced",
    "success-response": "every operation has a 2xx response with a JSON schema and an example",
    "example-valid": "every example validates against its schema",
    "python-name": "names map to distinct Python identifiers",
    "extension": "x-capgen-* and x-capillary-* extensions are known and have their documented shape",
    "schema-cycle": "a schema reaches itself only through an object's properties (not allOf/oneOf/items alone)",
}
